"""The README and docs/ as a newcomer meets them: the examples run and print what is
shown, every option a usage line names exists, every make target named is in the
Makefile, and every relative link leads to a file and heading that exist."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from shared.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CLI_DOC = ROOT / "docs" / "cli.md"
BIN = Path(sys.executable).parent
# What varies from run to run in a shown output: the scan's wall time.
VARYING = [(re.compile(r"\b\d+\.\d+ s\b"), "<seconds> s")]


@dataclass(frozen=True)
class Example:
    """A ``$ command   # exit code N`` line in a shell block and the output shown under it."""

    command: str
    exit_code: int
    output: str


def shell_blocks(path: Path) -> list[list[str]]:
    blocks, current = [], None
    for line in path.read_text().splitlines():
        if current is None and line.strip() in ("```sh", "```shell", "```console"):
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def examples(path: Path) -> list[Example]:
    found = []
    for block in shell_blocks(path):
        starts = [i for i, line in enumerate(block) if line.startswith("$ ")]
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(block)
            shown = re.fullmatch(r"\$ (.+?)\s+# exit code (\d+)", block[start])
            assert shown, f"{path.name}: an example shows its exit code: {block[start]}"
            command, code = shown.groups()
            output = "".join(line + "\n" for line in block[start + 1 : end])
            found.append(Example(command, int(code), output))
    return found


def normalised(text: str) -> str:
    for pattern, replacement in VARYING:
        text = pattern.sub(replacement, text)
    return text


def offline_environment(home: Path) -> dict[str, str]:
    """No Azure setting, no key: what a newcomer's shell has before configuring anything."""
    return {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "HOME": str(home), "LANG": "C.UTF-8"}


CLI_EXAMPLES = examples(CLI_DOC)


def test_the_cli_docs_show_examples_for_the_offline_commands():
    commands = " ".join(example.command for example in CLI_EXAMPLES)
    for command in ("ftgate scan-data", "ftgate analyze", "--estimate"):
        assert command in commands


@pytest.mark.parametrize("example", CLI_EXAMPLES, ids=lambda e: e.command[:60])
def test_every_cli_example_runs_offline_as_shown(example, tmp_path):
    result = subprocess.run(
        ["sh", "-c", example.command],
        cwd=ROOT,
        env=offline_environment(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == example.exit_code, result.stderr
    assert normalised(result.stdout) == normalised(example.output)


def usage_lines(path: Path) -> list[str]:
    """``ftgate ...`` lines of shell blocks that are not run here (they need Azure or a
    file of yours), each joined with the indented lines continuing it."""
    lines = []
    for block in shell_blocks(path):
        for line in block:
            if line.startswith("ftgate "):
                lines.append(line)
            elif lines and line.startswith(" ") and line.strip().startswith(("[", "(")):
                lines[-1] += " " + line.strip()
    return lines


@cache
def help_text(subcommand: str) -> str:
    """``ftgate [subcommand] --help``, in this process: one import, not one per command."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), pytest.raises(SystemExit):
        main([*([subcommand] if subcommand else []), "--help"])
    return output.getvalue()


USAGE = [(path.name, line) for path in DOCUMENTS for line in usage_lines(path)]


def test_the_docs_show_the_cli_at_a_glance():
    shown = {line.split()[1] for name, line in USAGE if name == "README.md"}
    assert {"scan-data", "analyze", "eval-model", "gate", "enforce"} <= shown


@pytest.mark.parametrize(("document", "line"), USAGE, ids=lambda v: v[:50])
def test_every_usage_line_names_a_command_and_options_that_exist(document, line):
    subcommand = line.split()[1]
    assert subcommand in help_text(""), (document, line)
    known = help_text(subcommand) + help_text("")  # the command's and the global options
    for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", line.split("#")[0]):
        assert re.search(rf"{option}\b", known), (document, option)


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.MULTILINE))


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_make_target_named_exists(path):
    named = set(re.findall(r"`make ([a-z][\w-]*)", path.read_text()))
    named |= {
        t
        for b in shell_blocks(path)
        for t in re.findall(r"^make ([a-z][\w-]*)", "\n".join(b), re.M)
    }
    assert not named - make_targets(), named - make_targets()


def test_the_readme_names_the_two_commands():
    """.ci/run runs the README's test command; make demo is the first thing to try."""
    (block, *_) = shell_blocks(ROOT / "README.md")
    assert [line.split("#")[0].strip() for line in block] == ["make demo", "make test"]
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith("\nmake test")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)
    return {slug(h) for h in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}


LINKS = [
    (path, target)
    for path in DOCUMENTS
    for target in re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", path.read_text())
    if not re.match(r"[a-z]+:", target)
]


@pytest.mark.parametrize(("path", "target"), LINKS, ids=lambda v: getattr(v, "name", v))
def test_every_relative_link_resolves(path, target):
    file, _, anchor = target.partition("#")
    destination = (path.parent / file).resolve() if file else path
    assert destination.is_relative_to(ROOT), target  # nothing outside the repository
    assert destination.exists(), target
    if anchor:
        assert anchor in anchors(destination), target


def test_the_links_are_found():
    assert len(LINKS) >= 10  # the parse above would otherwise pass on nothing


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_nothing_points_outside_the_repository(path):
    # The folder beside the repository that a user's clone does not have, spelled
    # without writing its path here (this file is tracked too).
    outside = Path(os.pardir, "shared").as_posix()
    assert outside not in path.read_text()


def test_the_readme_stays_short():
    """What a newcomer needs first; the rest is in docs/ and linked from it."""
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 180
    for document in sorted((ROOT / "docs").glob("*.md")):
        assert f"](docs/{document.name})" in readme, document.name
