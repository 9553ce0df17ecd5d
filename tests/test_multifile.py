"""``scan-data`` on several files and globs, as a pre-commit hook calls it: one verdict
each, the worst exit code, and no file's pass hiding another's problem."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_cli import CANARY, harmful_file

from conftest import chat, clean_file, jsonl
from shared import cli
from shared.commands.data import worst

ROOT = Path(__file__).resolve().parents[1]
INVALID = jsonl([chat()] * 10) + b"{oops\n"


def _files(tmp_path: Path, **contents: bytes) -> list[str]:
    paths = []
    for name, data in contents.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(data)
        paths.append(str(path))
    return paths


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([0, 0], 0),
        ([0, 1], 1),
        ([1, 5], 5),
        ([5, 2], 2),
        ([2, 3], 3),
        ([3, 64, 0], 64),
    ],
)
def test_the_worst_code_wins(codes, expected):
    assert worst(codes) == expected
    assert worst(codes[::-1]) == expected


def test_each_file_gets_its_verdict_and_the_worst_code(capsys, tmp_path):
    paths = _files(tmp_path, clean=clean_file(), harmful=harmful_file(), invalid=INVALID)
    code = cli.main(["scan-data", *paths, "--analyzer", "local", "--json"])
    out, err = capsys.readouterr()
    reports = [json.loads(line) for line in out.splitlines()]
    assert code == 2  # invalid is worse than failed, and both are worse than passed
    assert [(r["file"], r["verdict"]) for r in reports] == list(
        zip(paths, ["passed", "failed", "invalid"], strict=True)
    )
    assert CANARY not in out + err


def test_an_unreadable_file_is_not_hidden_by_the_others_passing(capsys, tmp_path):
    (clean,) = _files(tmp_path, clean=clean_file())
    code = cli.main(["scan-data", clean, str(tmp_path / "missing.jsonl"), "--analyzer", "local"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_USAGE
    assert "PASSED" in out
    assert "cannot read" in err
    assert "missing.jsonl" in err


def test_a_quoted_glob_is_expanded_each_file_once(capsys, tmp_path):
    paths = _files(tmp_path, a=clean_file(), b=clean_file())
    code = cli.main(["scan-data", str(tmp_path / "*.jsonl"), paths[0], "--analyzer", "local"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.count("ftgate scan-data ") == 2


@pytest.mark.parametrize(
    "argv",
    [["scan-data", "nothing-here-*.jsonl"], ["scan-data", "-", "other.jsonl"]],
)
def test_a_glob_matching_nothing_or_stdin_with_others_is_a_usage_error(capsys, argv):
    assert cli.main(argv) == cli.EXIT_USAGE
    assert capsys.readouterr().err.startswith("ftgate: ")


def test_the_pre_commit_hook_runs_scan_data_on_the_files_it_is_given(tmp_path):
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "ftgate-scan-data"
    assert hook["language"] == "python"
    paths = _files(tmp_path, clean=clean_file(), harmful=harmful_file())
    command, *args = shlex.split(hook["entry"])
    ftgate = str(Path(sys.executable).parent / command)
    for files, code in ((paths[:1], 0), (paths, 1)):
        assert all(re.search(hook["files"], f) for f in files)
        result = subprocess.run(
            [ftgate, *args, *files], capture_output=True, text=True, check=False, timeout=300
        )
        assert result.returncode == code
        assert CANARY not in result.stdout + result.stderr
