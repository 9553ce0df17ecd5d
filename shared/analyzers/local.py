"""The embedded, offline analyzer: lexicons, phrase rules and context, no model weights.

What it catches: clear threats ("I will kill you"), incitement and instructions to
hurt people or build weapons, praise of violence and of attackers, graphic gore,
self-harm encouragement, methods, lethal-dose questions and first-person
ideation, explicit sexual acts and solicitation (and any sexual content
involving minors at the top severity), slurs, dehumanising or eliminationist
statements about protected groups, and extremist slogans. It sees through case,
accents, look-alike letters, zero-width characters, l33t spelling ("k1ll"),
spaced or dotted letters ("k.i.l.l") and stretched letters ("kiiiill"). Ordinary
language that borrows harm words ("kill the process", "shoot a photo", "execute
the plan", "a killer feature", "the bomb-squad film") is recognised and ignored.

What it cannot catch: anything said without its vocabulary (euphemism, coded
language, sarcasm, novel slang), meaning that spans sentences, languages other
than English, and images. It is a fast pre-flight check and an offline default,
not a substitute for Azure AI Content Safety, which production uses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Final, Self

from shared.analyzers.base import SAFE, Severities
from shared.analyzers.lexicon import ANCHOR_CLASSES, BENIGN, CLASSES, RULES, Rule
from shared.policy import CATEGORIES, Category

_NEGATIONS: Final = (
    "not", "never", "dont", "wont", "wouldnt", "cant", "cannot", "shouldnt", "no", "didnt",
    "couldnt", "isnt", "arent", "aint", "doesnt", "nobody",
)  # fmt: skip
_GAP: Final = rf"(?:(?!(?:{'|'.join(_NEGATIONS)}) )[a-z0-9]+ ){{0,3}}"
_NOT_NEGATED: Final = "".join(rf"(?<!\b{word} )" for word in _NEGATIONS)


# --------------------------------------------------------------------------- normalization

# Letters from other scripts that look like Latin ones, used to dodge filters.
_CONFUSABLES: Final = str.maketrans(
    "аеорсухіјѕкмтнвԁɡοαεικνтρυχßł",
    "aeopcyxijskmthbdgoaeikvtpuxsl",
)
_INVISIBLE: Final = re.compile("[\u00ad\u034f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_COMBINING: Final = re.compile("[\u0300-\u036f]")
_LEET: Final = str.maketrans("013457@$|!+9", "oieastasiitg")
_LEET_HINT: Final = re.compile(r"[a-z][0-9@$|!+]+[a-z0-9]|[0-9@$][a-z]")
_LEET_TOKEN: Final = re.compile(r"[a-z0-9@$|!+]*[a-z][a-z0-9@$|!+]*")
_NON_WORD: Final = re.compile(r"[^a-z0-9]+")
_CONTRACTION: Final = re.compile(r"(?<=[a-z])['\u2019](re|ll|m|ve|d|s)\b")
_EXPANSIONS: Final = {"re": " are", "ll": " will", "m": " am", "ve": " have", "d": " would"}
_SPACED: Final = re.compile(r"\b(?:[a-z] ){2,}[a-z]\b")


def _unleet(match: re.Match[str]) -> str:
    token = match.group()
    core = token.rstrip("!|+")
    if core.isalpha() or core.isdigit():
        return token
    return core.translate(_LEET) + token[len(core) :]


def normalize(text: str) -> str:
    """Fold ``text`` to lower-case ASCII words separated by single spaces.

    Obfuscation is undone on the way: accents and look-alike letters, invisible
    characters, l33t digits and symbols inside words, contractions ("we're" ->
    "we are", "don't" -> "dont") and letters spelled out with separators ("k.i.l.l" -> "kill").
    Stretched letters are handled by the compiled patterns instead.
    """
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
        text = text.translate(_CONFUSABLES)
    text = text.lower()
    if "'" in text or "\u2019" in text:
        text = _CONTRACTION.sub(lambda match: _EXPANSIONS.get(match.group(1), "s"), text)
        text = text.replace("'", "").replace("\u2019", "")
    if _LEET_HINT.search(text):
        text = _LEET_TOKEN.sub(_unleet, text)
    text = _NON_WORD.sub(" ", text)
    if _SPACED.search(text):
        text = _SPACED.sub(lambda match: match.group().replace(" ", ""), text)
    return f" {text.strip()} "


# --------------------------------------------------------------------------- compiling


def _word_regex(word: str) -> str:
    """A word or phrase whose letters may be stretched; ``stem*`` takes any ending."""
    stem = word.endswith("*")
    body = " ".join(
        "".join(f"{char}+" if char.isalpha() else re.escape(char) for char in part)
        for part in word.rstrip("*").replace("_", " ").split()
    )
    return body + ("[a-z]*" if stem else "")


def _alternatives(token: str) -> str:
    choices = []
    for choice in token.split("|"):
        if choice.startswith("{") and choice.endswith("}"):
            choices.extend(_word_regex(entry) for entry in CLASSES[choice[1:-1]])
        else:
            choices.append(_word_regex(choice))
    # Longer alternatives first, so a phrase wins over its first word.
    return "(?:" + "|".join(sorted(set(choices), key=len, reverse=True)) + ")"


def compile_pattern(pattern: str, *, negatable: bool = False) -> re.Pattern[str]:
    """Compile the phrase language described in ``lexicon.py`` to a regex.

    Normalized text is padded with spaces, so each token is matched as the word
    followed by its space: a match starts right after a space and ends on one.
    """
    parts: list[str] = []
    for token in pattern.split():
        if token == "...":
            parts.append(_GAP)
        elif token.endswith("?"):
            parts.append(f"(?:{_alternatives(token[:-1])} )?")
        else:
            parts.append(f"{_alternatives(token)} ")
    return re.compile(r"(?<=\s)" + (_NOT_NEGATED if negatable else "") + "".join(parts))


def _anchor_words(rule: Rule) -> set[str]:
    """The words one of which must occur for ``rule`` to match at all.

    A required token naming an anchor class is preferred; otherwise the required
    token whose shortest word is longest (the most selective).
    """
    required = [
        token for token in rule.pattern.split() if token != "..." and not token.endswith("?")
    ]

    def words(token: str) -> set[str]:
        found: set[str] = set()
        for choice in token.split("|"):
            if choice.startswith("{"):
                found.update(CLASSES[choice[1:-1]])
            else:
                found.add(choice)
        return found

    for token in required:
        if all(c.startswith("{") and c[1:-1] in ANCHOR_CLASSES for c in token.split("|")):
            return words(token)
    return max((words(token) for token in required), key=lambda ws: min(map(len, ws)))


def _prefix_trie_regex(words: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any word that starts with one of ``words`` (stretch-tolerant).

    Only each entry's first word and its letters before any ``*`` count: the
    prefilter may over-match (the rules decide), never under-match.
    """
    prefixes = {word.replace("_", " ").split()[0].rstrip("*") for word in words}
    trie: dict[str, dict] = {}
    for prefix in sorted(prefixes, key=len):
        node = trie
        for char in prefix:
            if "" in node:  # a shorter prefix already covers this word
                break
            node = node.setdefault(char, {})
        else:
            node.clear()
            node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [
            (f"{char}+" if char.isalpha() else re.escape(char)) + emit(child)
            for char, child in sorted(node.items())
            if char
        ]
        if "" in node or not branches:
            return ""
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return re.compile(r"(?<=\s)" + emit(trie))


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    regex: re.Pattern[str]
    severity: int
    indexes: tuple[int, ...]


_INDEX: Final = {category: index for index, category in enumerate(CATEGORIES)}
_SEXUAL: Final = _INDEX[Category.SEXUAL]
_MINOR_FLOOR: Final = 4  # sexual content at or above this, involving minors, scores 7


class _Engine:
    """The compiled lexicon; built once per process and shared by every analyzer."""

    def __init__(self) -> None:
        ordered = sorted(RULES, key=lambda rule: rule.severity, reverse=True)
        self.rules = tuple(
            _CompiledRule(
                compile_pattern(rule.pattern, negatable=rule.negatable),
                rule.severity,
                tuple(_INDEX[category] for category in rule.categories),
            )
            for rule in ordered
        )
        anchors: set[str] = set()
        for rule in RULES:
            anchors |= _anchor_words(rule)
        self.prefilter = _prefix_trie_regex(anchors)
        self.benign = re.compile("|".join(compile_pattern(p).pattern for p in BENIGN))
        self.minor = compile_pattern("{MINOR}")

    def score(self, text: str) -> Severities:
        folded = normalize(text)
        if not self.prefilter.search(folded):
            return SAFE
        folded = self.benign.sub(" ~ ", folded)
        severities = [0, 0, 0, 0]
        for rule in self.rules:
            # Rules run most severe first; skip those that cannot raise anything.
            if all(severities[index] >= rule.severity for index in rule.indexes):
                continue
            if rule.regex.search(folded):
                for index in rule.indexes:
                    severities[index] = max(severities[index], rule.severity)
        if severities[_SEXUAL] >= _MINOR_FLOOR and self.minor.search(folded):
            severities[_SEXUAL] = 7
        return Severities(*severities)


_ENGINE: _Engine | None = None


def _engine() -> _Engine:
    global _ENGINE  # noqa: PLW0603 - compiled lazily once; compiling costs ~0.1 s
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


class LocalAnalyzer:
    """The embedded analyzer: scores texts in-process, offline, deterministically."""

    name = "local"

    def __init__(self) -> None:
        self._engine = _engine()

    def score(self, text: str) -> Severities:
        """Score one text synchronously."""
        return self._engine.score(text)

    async def analyze(self, texts: Sequence[str]) -> list[Severities]:
        return [self._engine.score(text) for text in texts]

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None
