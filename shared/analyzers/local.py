"""The embedded, offline analyzer: lexicons and phrase rules, and a learned half.

The rules catch clear threats ("I will kill you"), incitement and instructions
to hurt people or build weapons, praise of violence and of attackers, graphic
gore, self-harm encouragement, methods, lethal-dose questions and first-person
ideation, explicit sexual acts and solicitation (and any sexual content
involving minors at the top severity), slurs, dehumanising or eliminationist
statements about protected groups, and extremist slogans. They see through
case, accents, look-alike letters, zero-width characters, l33t spelling
("k1ll"), spaced or dotted letters ("k.i.l.l") and stretched letters
("kiiiill"). Ordinary language that borrows harm words ("kill the process",
"shoot a photo", "execute the plan", "a killer feature", "the bomb-squad film")
is recognised and ignored.

The learned half reaches past the lexicon: a linear classifier over words
(``classifier.py``) and a multilingual sentence encoder (``encoder.py``) read
paraphrases in English, Spanish, French, German and Portuguese. How the halves
combine is in :func:`score_many`.

What neither catches reliably: coded language and sarcasm, harm spread over
sentences none of which hints at it, and images. Text in other scripts
(Cyrillic, Arabic, Han...) is read by the encoder alone, which catches about
two thirds of plain harm there.
Recall is far below Azure AI Content Safety's (see docs/benchmarks.md): this is
a fast pre-flight check and an offline default, not a substitute for the
service production uses.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from shared.analyzers.base import SAFE, Severities
from shared.analyzers.lexicon import ANCHOR_CLASSES, BENIGN, CLASSES, HOLDS, RULES
from shared.analyzers.sentences import learned_pieces, passages
from shared.analyzers.sentences import pieces as sentence_pieces
from shared.analyzers.tries import trie_regex
from shared.closing import AsyncClosing
from shared.policy import CATEGORIES, SEVERITY_MAX, Category

if TYPE_CHECKING:
    from shared.analyzers.classifier import Classifier
    from shared.analyzers.encoder import Encoder

# The learned severities of the sentences read last, per process: training files
# repeat system prompts and boilerplate on every line. Bounded (LRU).
_LEARNED: Final[OrderedDict[str, list[int]]] = OrderedDict()
_LEARNED_SIZE: Final = 1 << 15
_LEARNED_MAX_CHARS: Final = 2_000  # so the memory holds at most about 64 MB of text
# The learned half's level for text about a subject without being harmful: the most it
# grants a sentence too short to judge or held by a frame it over-reads (``_held``).
_MENTION: Final = 2
# A sentence of one or two words ("Describe it.", a label such as "explicit:") is too
# short for the learned half to tell a request from a fragment: it grants such a
# sentence a mention at most, and the rules still judge it in full. (Text in other
# scripts is not split into words by spaces, so this applies to the linear gate's side.)
_FEWEST_WORDS: Final = 3
# A passage of a text's sentences (``sentences.passages``) is read as a whole to find
# harm its sentences hint at without showing: only when one of them reads as a mention
# (Content Safety's Low, 2-3) in a category the text has not yet reached Medium (4)
# in. A passage is several times a sentence's work for the encoder, and a passage
# can add nothing a text already shows; most multi-sentence messages hint at nothing.
_PASSAGE_CUE: Final = 2
_MEDIUM: Final = 4
# The end of Latin Extended-B (Latin Extended Additional is checked apart).
_LATIN_LAST: Final = "\u024f"
_RUNS: Final = re.compile(r"(?<=([a-z]))\1+")
_STRETCHED: Final = re.compile(r"([a-z])\1\1")


def squeeze(text: str) -> str:
    """Collapse runs of a repeated letter to one ("kiiill" and "kill" -> "kil")."""
    return _RUNS.sub("", text)


_NEGATIONS: Final = (
    "not", "never", "dont", "wont", "wouldnt", "cant", "cannot", "shouldnt", "no", "didnt",
    "couldnt", "isnt", "arent", "aint", "doesnt", "nobody",
)  # fmt: skip
# Negations abroad, for the rules only: the classifier's input masks the English ones
# alone (``_NEGATED``), as it was trained. Spanish and Portuguese put theirs before the
# verb, as English does; French and German later ("je ne vais pas", "ich werde dich
# nicht"), so those only break a gap.
_NEGATIONS_ABROAD: Final = ("nunca", "jamas", "tampoco", "nao")
_NEGATIONS_WITHIN: Final = (
    "ne", "pas", "jamais", "nicht", "nie", "niemals", "kein", "keine", "keinen", "keinem",
)  # fmt: skip
# Words that make what follows a question or a clause of its own ("quiero saber si matar
# a un hombre...", "wer Töten verherrlicht"): a rule's gap does not run over them either.
_CLAUSE_WORDS: Final = (
    "si", "se", "que", "porque", "pourquoi", "comment", "quiconque", "quien", "quem", "ob",
    "warum", "dass", "wer",
)  # fmt: skip
# Words too common to stand for a phrase in a prefilter ("cannot stand" -> "stand").
_COMMON: Final = frozenset(
    "a about all an and are at back be best can cannot cant do down every for get give go had "
    "has have help her him his how i in is it just like make me my need no not of off on or "
    "our out should show so steps take that the their them these this those tips to up want "
    "was way ways we what will with would you your".split()
)


# --------------------------------------------------------------------------- normalization

# Letters from other scripts that look like Latin ones, used to dodge filters.
_CONFUSABLES: Final = str.maketrans(
    "аеорсухіјѕкмтнвԁɡοαεικνтρυχßł",
    "aeopcyxijskmthbdgoaeikvtpuxsl",
)
_INVISIBLE: Final = re.compile("[\u00ad\u034f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_COMBINING: Final = re.compile("[\u0300-\u036f]")
_LEET: Final = str.maketrans("013457@$|!+9", "oieastasiitg")
# A word mixing letters with digits or symbols, e.g. "k1ll", "$hoot", "r@pe" (and "kb123"):
# a whole run of such characters that has a letter and a digit or symbol. Each has a digit
# or symbol, so ``_unleet_words`` scans for those (in C, over the letters between) and
# extends back over the letters before: a regex for the whole word (``tests/
# test_analyzer_fastpaths.py`` keeps it as the oracle) has to try a look-behind at every
# letter, which cost three quarters of normalising a text.
_LEET_SYMBOLS: Final = "0123456789@$|!+"
_SYMBOLS_ONWARD: Final = re.compile(r"[0-9@$|!+][a-z0-9@$|!+]*")
_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyz")
_NON_WORD: Final = re.compile(r"[^a-z0-9]+")
# Every ASCII byte that is not a lower-case letter or digit, as a space (``_NON_WORD`` for
# ASCII text, by ``bytes.translate``: several times faster than the regex).
_NON_WORD_BYTES: Final = bytes(
    byte if chr(byte) in "abcdefghijklmnopqrstuvwxyz0123456789" else 32 for byte in range(256)
)
_CONTRACTION: Final = re.compile(r"(?<=[a-z])['\u2019](re|ll|m|ve|d|s)\b")
_EXPANSIONS: Final = {"re": " are", "ll": " will", "m": " am", "ve": " have", "d": " would"}
_SPACED: Final = re.compile(r" (?:[a-z] ){2,}[a-z](?= )")


def _unleet_words(text: str) -> str:
    """``text`` with each l33t word (see ``_LEET_SYMBOLS``) read as letters."""
    parts: list[str] = []
    done = 0
    for symbols in _SYMBOLS_ONWARD.finditer(text):  # from a run's first digit or symbol on
        start = symbols.start()
        while start and text[start - 1] in _LETTERS:
            start -= 1
        if start == symbols.start() and not symbols.group().lstrip(_LEET_SYMBOLS):
            continue  # digits and symbols alone ("68308", "!!!"): not a word
        parts += (text[done:start], _unleet(text[start : symbols.end()]))
        done = symbols.end()
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


def _unleet(token: str) -> str:
    """One word mixing letters with digits or symbols, its digits and symbols as letters
    (trailing "!", "|" and "+" kept: "kill!!" is emphasis, not "killii")."""
    core = token.rstrip("!|+")
    if core.isalpha() or core.isdigit():
        return token
    return core.translate(_LEET) + token[len(core) :]


def normalize(text: str) -> str:
    """Fold ``text`` to lower-case ASCII words separated by single spaces.

    Obfuscation is undone on the way: accents and look-alike letters, invisible
    characters, l33t digits and symbols inside words, contractions ("we're" ->
    "we are", "don't" -> "dont") and letters spelled out with separators
    ("k.i.l.l"). Stretched letters ("kiiiill") are left to the scoring, which
    reads a text that has them a second time with every run squeezed.
    """
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
        text = text.translate(_CONFUSABLES)
    text = text.lower()
    if "'" in text or "\u2019" in text:
        text = _CONTRACTION.sub(lambda match: _EXPANSIONS.get(match.group(1), "s"), text)
        text = text.replace("'", "").replace("\u2019", "")
    text = _unleet_words(text)
    if text.isascii():
        text = f" {b' '.join(text.encode('ascii').translate(_NON_WORD_BYTES).split()).decode()} "
    else:
        text = f" {_NON_WORD.sub(' ', text).strip()} "
    if _SPACED.search(text):
        text = _SPACED.sub(lambda match: " " + match.group().replace(" ", ""), text)
    return text


# --------------------------------------------------------------------------- compiling


def _anchor_words(pattern: str) -> set[str]:
    """Words one of which must occur for ``pattern`` to match at all.

    A required token naming only anchor classes is preferred; otherwise the
    required token whose shortest word is longest (the most selective).
    """
    required = [token for token in pattern.split() if token != "..." and not token.endswith("?")]

    def words(token: str) -> set[str]:
        found: set[str] = set()
        for choice in token.split("|"):
            found.update(CLASSES[choice[1:-1]] if choice.startswith("{") else (choice,))
        return found

    for token in required:
        if all(c.startswith("{") and c[1:-1] in ANCHOR_CLASSES for c in token.split("|")):
            return words(token)
    return max((words(token) for token in required), key=lambda ws: min(map(len, ws)))


class _Compiler:
    """Compiles the phrase language of ``lexicon.py`` for text folded by ``fold``.

    The lexicon is compiled twice: as written, for normalized text, and squeezed
    (``fold=squeeze``), for text with stretched letters. Squeezing everything
    would be simpler but merges words ("coon" and "conn", "Niger" and a slur).
    """

    def __init__(self, fold: Callable[[str], str]) -> None:
        self.fold = fold
        self.negations = frozenset(map(fold, _NEGATIONS + _NEGATIONS_ABROAD))
        # Up to three words, none a negation: "i will [fucking brutally] kill you".
        breaking = sorted(self.negations | set(map(fold, _NEGATIONS_WITHIN + _CLAUSE_WORDS)))
        self.gap = rf"(?: (?!(?:{'|'.join(breaking)}) )[a-z0-9]+){{0,3}}"

    def entry(self, word: str) -> tuple[str, bool]:
        """A lexicon word or phrase (``_`` joins words) as (folded text, is a stem)."""
        return self.fold(word.rstrip("*").replace("_", " ")), word.endswith("*")

    def key_word(self, entry: str) -> str:
        """The most selective word of a phrase: the longest uncommon one, up to any ``*``."""
        words = entry.replace("_", " ").split()
        uncommon = [word for word in words if word.rstrip("*") not in _COMMON] or words
        return self.fold(max(uncommon, key=len).rstrip("*"))

    def alternatives(self, token: str) -> str:
        entries = []
        for choice in token.split("|"):
            if choice.startswith("{") and choice.endswith("}"):
                entries.extend(self.entry(word) for word in CLASSES[choice[1:-1]])
            else:
                entries.append(self.entry(choice))
        return f"(?:{trie_regex(entries)})"

    def pattern(self, pattern: str, whole: bool = False) -> re.Pattern[str]:
        """Compile one pattern (``whole``: to match only the whole of a text).

        Normalized text is padded with spaces. A match starts with the space
        before its first word (a literal the regex engine searches for quickly)
        and ends before the space after its last, so adjacent matches do not
        overlap.
        """
        tokens = pattern.split()
        if tokens[0] == "...":
            raise ValueError(f"a pattern cannot start with a gap: {pattern!r}")
        parts = [" "]
        for index, token in enumerate(tokens):
            if token == "...":
                parts.append(self.gap)
                continue
            optional = token.endswith("?")
            body = self.alternatives(token.removesuffix("?"))
            if index == 0:
                parts.append(f"(?:{body} )?" if optional else body)
            elif index == 1 and tokens[0].endswith("?"):
                parts.append(f"(?:{body})?" if optional else body)
            else:
                parts.append(f"(?: {body})?" if optional else f" {body}")
        return re.compile(f"^{''.join(parts)} $" if whole else "".join(parts) + "(?= )")


class _LazyPattern:
    """One lexicon pattern, compiled the first time a text's words point at it.

    Compiling all of them takes about a quarter of a second, most of what a
    one-line ``ftgate analyze`` would spend on the rules, while a text's anchor
    words select only a few. The regex is the one :meth:`_Compiler.pattern` gives,
    whenever it is compiled, so scores do not depend on it.
    """

    __slots__ = ("_compiler", "_pattern", "_regex", "_whole")

    def __init__(self, compiler: _Compiler, pattern: str, whole: bool = False) -> None:
        self._compiler = compiler
        self._pattern = pattern
        self._whole = whole
        self._regex: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        if self._regex is None:
            self._regex = self._compiler.pattern(self._pattern, self._whole)
        return self._regex


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    """A rule ready to run. A negatable rule ignores matches right after a negation
    ("don't kill yourself"), checked per match: sixteen look-behinds in the regex,
    tried at every space, would cost more than the rest of the pattern. So is
    ``unless_next``, the words that undo a match they follow (``lexicon.Rule``)."""

    pattern: _LazyPattern
    negations: frozenset[str] | None
    severity: int
    indexes: tuple[int, ...]
    unless_next: _LazyPattern | None = None

    def matches(self, text: str) -> bool:
        if self.negations is None and self.unless_next is None:
            return self.pattern.regex.search(text) is not None
        return any(self._stands(text, match) for match in self.pattern.regex.finditer(text))

    def _stands(self, text: str, match: re.Match[str]) -> bool:
        """Whether ``match`` is neither negated nor undone by what follows it."""
        if self.negations is not None:
            before = text[max(0, match.start() - 12) : match.start()].rpartition(" ")[2]
            if before in self.negations:
                return False
        return self.unless_next is None or not self.unless_next.regex.match(text, match.end())


@dataclass(frozen=True, slots=True)
class _CompiledHold:
    """A hold (``lexicon.Hold``) ready to check, its categories as indexes."""

    pattern: _LazyPattern
    unless: _LazyPattern
    indexes: tuple[int, ...]

    def holds(self, unit: str, folded: str) -> bool:
        """Whether it holds the sentence or passage ``unit`` (``folded``: normalized):
        one sentence only (``sentences.pieces``), since in a passage what follows the
        frame ("¿Qué son los judíos? Ratas.") would be held with it."""
        if len(sentence_pieces(unit)) > 1:
            return False
        return bool(self.pattern.regex.search(folded)) and not self.unless.regex.search(folded)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one text's candidate masks select: the ``sub`` of each benign context to
    mask, and the rules to try with each one's ``search``, all in the order their bits
    give."""

    benign: tuple[Callable[[str, str], str], ...]
    rules: tuple[tuple[_CompiledRule, Callable[[str], re.Match[str] | None]], ...]


_INDEX: Final = {category: index for index, category in enumerate(CATEGORIES)}
_HATE: Final = _INDEX[Category.HATE]
_SEXUAL: Final = _INDEX[Category.SEXUAL]
_VIOLENCE: Final = _INDEX[Category.VIOLENCE]
_MINOR_FLOOR: Final = 4  # sexual content at or above this, involving minors, scores the max
_WORD_MASKS_KEPT: Final = 50_000


class _Engine:
    """The lexicon compiled for text folded one way (see :class:`_Compiler`).

    Scoring is two-staged for speed. One regex finds the words that could start
    any rule or benign context (each pattern's most selective word, as a prefix);
    most texts hold none and are safe at once. Otherwise the words found select,
    through a prefix table, the few patterns worth running.
    """

    def __init__(self, fold: Callable[[str], str]) -> None:
        compiler = _Compiler(fold)
        ordered = sorted(RULES, key=lambda rule: rule.severity, reverse=True)
        self.rules = tuple(
            _CompiledRule(
                _LazyPattern(compiler, rule.pattern),
                compiler.negations if rule.negatable else None,
                rule.severity,
                tuple(_INDEX[category] for category in rule.categories),
                _LazyPattern(compiler, rule.unless_next) if rule.unless_next else None,
            )
            for rule in ordered
        )
        self.benign = tuple(_LazyPattern(compiler, pattern) for pattern in BENIGN)
        self.minor = _LazyPattern(compiler, "{MINOR}|{MINOR_ABROAD}")
        self.member = _LazyPattern(compiler, "{MEMBER}")
        self.holds = tuple(
            _CompiledHold(
                _LazyPattern(compiler, hold.pattern, whole=True),
                _LazyPattern(compiler, hold.unless),
                tuple(_INDEX[category] for category in hold.categories),
            )
            for hold in HOLDS
        )
        # prefix -> (bitmask of rules, bitmask of benign contexts) it may start
        self.by_prefix: dict[str, list[int]] = {}
        for masks_index, patterns in ((0, [rule.pattern for rule in ordered]), (1, BENIGN)):
            for bit, pattern in enumerate(patterns):
                for entry in _anchor_words(pattern):
                    masks = self.by_prefix.setdefault(compiler.key_word(entry), [0, 0])
                    masks[masks_index] |= 1 << bit
        # Every key is a stem: the letters after it are matched once, after the trie,
        # not at each of its leaves. The same matches; compiled in about a third of the
        # time (a one-line analyze compiles it), and scanned no slower. A key that
        # extends a shorter one by letters ("matarte", "matar") finds no word the
        # shorter does not (the regex takes the letters after a key), so only the
        # shortest are in the regex; ``_masks_of`` still reads them all. Digits are
        # not taken after a key: "1488" stays beside "14".
        shortest = [
            key
            for key in self.by_prefix
            if not any(
                key[:end] in self.by_prefix and _LETTERS.issuperset(key[end:])
                for end in range(1, len(key))
            )
        ]
        self.anchors = re.compile(f" (?:{trie_regex((key, False) for key in shortest)})[a-z]*")
        self.longest_key = max(map(len, self.by_prefix))
        self.word_masks: dict[str, tuple[int, int]] = {}  # memo: anchor words recur
        self.plans: dict[tuple[int, int], _Plan] = {}  # memo: so do the masks they give

    def compile_all(self) -> None:
        """Compile every pattern now: worker processes forked afterwards share them
        instead of each compiling its own."""
        extra = (
            self.minor,
            self.member,
            *(p for hold in self.holds for p in (hold.pattern, hold.unless)),
        )
        undoing = (rule.unless_next for rule in self.rules if rule.unless_next)
        for pattern in (*(rule.pattern for rule in self.rules), *undoing, *self.benign, *extra):
            pattern.regex  # noqa: B018 - compiled and kept on first access

    def candidates(self, folded: str) -> tuple[int, int]:
        """Bitmasks of the rules and benign contexts whose anchor words occur."""
        rules = benign = 0
        for word in self.anchors.findall(folded):
            masks = self.word_masks.get(word)
            if masks is None:
                masks = self._masks_of(word[1:])
                if len(self.word_masks) >= _WORD_MASKS_KEPT:
                    self.word_masks.clear()
                self.word_masks[word] = masks
            rules |= masks[0]
            benign |= masks[1]
        return rules, benign

    def _masks_of(self, word: str) -> tuple[int, int]:
        """What every anchor prefix of ``word`` may start."""
        rules = benign = 0
        for end in range(1, min(len(word), self.longest_key) + 1):
            masks = self.by_prefix.get(word[:end])
            if masks is not None:
                rules |= masks[0]
                benign |= masks[1]
        return rules, benign

    def plan(self, rules: int, benign: int) -> _Plan:
        """The benign contexts and rules of the bitmasks ``candidates`` gives, in bit
        order, memoised: a file's texts give few distinct pairs of masks, and walking
        their bits per text cost about as much as running the regexes they select."""
        plan = self.plans.get((rules, benign))
        if plan is None:
            plan = _Plan(
                tuple(self.benign[bit].regex.sub for bit in _bits(benign)),
                tuple(
                    (rule, rule.pattern.regex.search)
                    for rule in map(self.rules.__getitem__, _bits(rules))
                ),
            )
            if len(self.plans) >= _WORD_MASKS_KEPT:
                self.plans.clear()
            self.plans[rules, benign] = plan
        return plan

    def mask(self, folded: str) -> str:
        """``folded`` with its benign contexts ("kill the process") replaced by "~"."""
        for sub in self.plan(0, self.candidates(folded)[1]).benign:
            folded = sub(" ~", folded)
        return folded

    def score(self, folded: str) -> Severities:
        """Score text already normalized and folded for this engine."""
        rules, benign = self.candidates(folded)
        if not rules:
            return SAFE
        plan = self.plan(rules, benign)
        # Masking turns each benign context into " ~", which no pattern matches, so a
        # rule matches the masked text only inside what is left of the text as it was:
        # only rules the unmasked text matches can match, and most texts (look-alike
        # words, "kill the hung process") match none and need no masking at all.
        hits = [rule for rule, search in plan.rules if search(folded)]
        if not hits:
            return SAFE
        for sub in plan.benign:
            folded = sub(" ~", folded)
        severities = [0, 0, 0, 0]
        for rule in hits:  # most severe first: rules are ordered by severity
            # Some category of the rule still below its severity (``min`` of the rule's
            # categories: a C loop, where ``any`` over a generator ran Python per rule).
            if min(map(severities.__getitem__, rule.indexes)) < rule.severity and rule.matches(
                folded
            ):
                for index in rule.indexes:
                    severities[index] = max(severities[index], rule.severity)
        return self.raised(severities, folded)

    def raised(self, severities: list[int], folded: str) -> Severities:
        """The rules' ``severities`` for ``folded`` (masked), raised by whom they touch:
        sexual content involving minors to the top, and violence aimed at someone for
        who they are to hate as well (Content Safety's Hate covers violence against
        identity groups: "stab a gay guy", "poignarder un Arabe")."""
        if severities[_SEXUAL] >= _MINOR_FLOOR and self.minor.regex.search(folded):
            severities[_SEXUAL] = SEVERITY_MAX
        if severities[_VIOLENCE] >= _MEDIUM and self.member.regex.search(folded):
            severities[_HATE] = max(severities[_HATE], severities[_VIOLENCE])
        return Severities(*severities)


def _bits(mask: int) -> Iterator[int]:
    """The positions of the set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


@functools.cache
def _engine(stretched: bool) -> _Engine:
    """The engine for plain text, or for text with stretched letters; compiled once."""
    return _Engine(squeeze if stretched else _verbatim)


def _verbatim(text: str) -> str:
    return text


def _classifier() -> Classifier:
    """The classifier, imported on first use: commands that score nothing skip numpy."""
    from shared.analyzers.classifier import classifier  # noqa: PLC0415

    return classifier()


def _encoder() -> Encoder:
    """The encoder, imported on first use: commands that score nothing skip loading it."""
    from shared.analyzers.encoder import encoder  # noqa: PLC0415

    return encoder()


def _rules(folded: str) -> Severities:
    """The rules' severities for normalized text: as written and, when it stretches
    letters, squeezed as well."""
    result = _engine(stretched=False).score(folded)
    if _STRETCHED.search(folded):
        squeezed = _engine(stretched=True).score(squeeze(folded))
        result = Severities(*map(max, result, squeezed))
    return result


def rules_only(text: str) -> Severities:
    """The rule engine's severities alone, for comparison (``bench/analyzer.py``)."""
    return _rules(normalize(text))


_NEGATED: Final = re.compile(rf" ((?:{'|'.join(_NEGATIONS)}) )[a-z0-9]+(?= )")


def _masked(folded: str) -> str:
    """Normalized text as the classifier reads it: the rules' benign contexts masked,
    and the word right after a negation ("dont starve yourself" -> "dont ~
    yourself"), as the rules ignore negated matches."""
    return _NEGATED.sub(r" \1~", _engine(stretched=False).mask(folded))


def model_input(text: str) -> str:
    """What the classifier reads of ``text`` (training reads texts the same way)."""
    return _masked(normalize(text))


def reads_words(sentence: str) -> bool:
    """Whether the linear classifier can read ``sentence``: at least half of its
    letters are Latin. Its vocabulary is Latin-script words, so in another
    script it sees nothing, and its gate would keep the encoder out."""
    if sentence.isascii():  # most sentences: one C-level check, no loop over letters
        return True
    letters = [c for c in sentence if c.isalpha()]
    latin = sum(1 for c in letters if c <= _LATIN_LAST or "\u1e00" <= c <= "\u1eff")
    return 2 * latin >= len(letters)


def _learned(sentences: list[str]) -> dict[str, list[int]]:
    """Per distinct sentence, the learned severities: 0 unless the linear classifier
    opens its gate, else the levels of the mean of its and the encoder's probability;
    a sentence it cannot read (``reads_words``) the encoder reads alone.
    Sentences seen recently are answered from memory (``_LEARNED``)."""
    distinct = dict.fromkeys(sentences)
    known = {s: _LEARNED[s] for s in distinct if s in _LEARNED}
    seen = list(known)  # kept by the memory: refreshed, in order, before the unseen
    unseen = [s for s in distinct if s not in known]
    if unseen:
        linear = _classifier().probabilities([model_input(s) for s in unseen])
        encoder = _encoder()
        readable = [reads_words(s) for s in unseen]
        gated = (linear >= encoder.gate).any(axis=1).tolist()  # one numpy call, not one a row
        opened = [i for i, is_readable in enumerate(readable) if is_readable and gated[i]]
        alone = [i for i, is_readable in enumerate(readable) if not is_readable]
        levels = [[0, 0, 0, 0] for _ in unseen]
        for indices, linear_part in ((opened, linear[opened]), (alone, None)):
            if indices:
                read = encoder.severities([unseen[i] for i in indices], linear_part)
                for i, row in zip(indices, read, strict=True):
                    short = linear_part is not None and len(unseen[i].split()) < _FEWEST_WORDS
                    levels[i] = [min(level, _MENTION) for level in row] if short else row
                    if max(levels[i]) > _MENTION:
                        levels[i] = _held(unseen[i], levels[i])
        known.update(zip(unseen, levels, strict=True))
    for sentence in seen:
        _LEARNED.move_to_end(sentence)
    for sentence in unseen:
        if len(sentence) > _LEARNED_MAX_CHARS:
            continue  # a giant "sentence" (no spaces) would make the memory unbounded in bytes
        _LEARNED[sentence] = known[sentence]
        if len(_LEARNED) > _LEARNED_SIZE:
            _LEARNED.popitem(last=False)
    return known


def _held(unit: str, levels: list[int]) -> list[int]:
    """The learned ``levels`` of the sentence or passage ``unit``, held to a mention
    in the categories of each hold it matches (``lexicon.HOLDS``).

    The learned half has met some words mostly in harmful requests, and reads
    "What is a pipe bomb?" as those read: a hold names a frame in which they are
    a mention (Content Safety's Low), and what would make them more. Only the
    sentence that is the frame is held: the text's other sentences are read as
    they are.
    """
    folded = normalize(unit)
    for hold in _engine(stretched=False).holds:
        if max(levels[i] for i in hold.indexes) > _MENTION and hold.holds(unit, folded):
            levels = [min(level, _MENTION) if i in hold.indexes else level
                      for i, level in enumerate(levels)]  # fmt: skip
    return levels


def score_many(texts: Sequence[str]) -> list[Severities]:
    """Score texts: per category, the higher of the rules' and the learned severity.

    The halves are combined deliberately. The rules read every text, see
    through obfuscation (``normalize``), recognise benign idioms and negation,
    and keep every severity they grant, including the top ones (sexual content
    involving minors: 7). The learned half reads each sentence
    (``sentences.learned_pieces``) in two ways: the linear classifier over words,
    prefixes and word classes, on the text as the rules fold and mask it
    (cheap, and sure of plain wording), and the encoder, which reads meaning
    (paraphrase, euphemism, Spanish, French, German, Portuguese) but is slow.
    So the linear classifier is also the gate: the encoder reads only the
    sentences it gives at least the gate probability in some category (set
    so that 97% of harmful development texts pass, see ``train/encoder.py``),
    and repeated sentences are scored once (``_LEARNED``; long numbers such as
    ticket and order numbers are read as zeros, ``sentences.learned_form``, so a
    sentence repeated with a new identifier is one sentence). A sentence's
    learned probability is the mean of the two, which held more recall than
    either alone at the same false-positive rate on development look-alikes;
    thresholds on it give 2, 4 or 6. Harm spread over sentences is read as
    a whole: a text's consecutive sentences, packed into passages
    (``sentences.passages``), are read the same way when one of them reads as
    a mention in a category the text does not yet show (``_PASSAGE_CUE``). The
    learned half can only raise a category (at this gate a miss costs more than a
    false alarm), and only to a mention in the frames it over-reads (``_held``).
    """
    results = [_rules(normalize(text)) for text in texts]
    pieces = [learned_pieces(text) for text in texts]
    learned = _raise(results, pieces)
    _raise(results, _cued_passages(pieces, learned, results))
    return results


def _raise(results: list[Severities], units: list[list[str]]) -> dict[str, list[int]]:
    """Raise each text's severities (``results``) to the learned ones of its units
    (``units``: per text, its sentences or its passages); the learned rows, by unit."""
    learned = _learned([unit for text_units in units for unit in text_units])
    # Most units learn nothing, and max with zeros changes nothing: only the texts
    # with a unit that learned something are combined.
    raised = {unit for unit, row in learned.items() if any(row)}
    if raised:
        for index, text_units in enumerate(units):
            for unit in raised.intersection(text_units):
                results[index] = Severities(*map(max, results[index], learned[unit]))
    return learned


def _cued_passages(
    pieces: list[list[str]], learned: dict[str, list[int]], results: list[Severities]
) -> list[list[str]]:
    """Per text, its passages (``sentences.passages``) that hint at harm the text does
    not yet show (``_PASSAGE_CUE``)."""
    # A passage is cued only by a sentence that reads as a mention, and most texts have
    # none: their passages are not even packed.
    mentions = {unit for unit, row in learned.items() if max(row) >= _PASSAGE_CUE}
    cued: list[list[str]] = []
    for found, severities in zip(pieces, results, strict=True):
        if mentions.isdisjoint(found):
            cued.append([])
            continue
        runs = passages(found)
        unshown = [severity < _MEDIUM for severity in severities] if runs else []
        cued.append([" ".join(found[i] for i in run) for run in runs
                     if _hints(unshown, [learned[found[i]] for i in run])])  # fmt: skip
    return cued


def _hints(unshown: list[bool], rows: list[list[int]]) -> bool:
    """Whether one of the sentences' learned ``rows`` reads as a mention (2-3) in an
    ``unshown`` category."""
    per_category = zip(*rows, strict=True)
    return any(
        is_unshown and max(column) >= _PASSAGE_CUE
        for column, is_unshown in zip(per_category, unshown, strict=True)
    )


def score(text: str) -> Severities:
    """Score one text (see :func:`score_many`)."""
    return score_many([text])[0]


class LocalAnalyzer(AsyncClosing):
    """The embedded analyzer: scores texts offline and deterministically, in this
    process (``shared.parallel`` screens a file in worker processes)."""

    name = "local"
    # The languages it is trusted to judge. Text in other scripts reaches only the
    # encoder, which misses too much of it (short answers above all) for a model
    # evaluation to count its conversations as trials (``evaluate_model``).
    languages: Final = frozenset({"en", "es", "fr", "de", "pt"})

    def __init__(self) -> None:
        _engine(stretched=False)  # built and loaded before any fork, so workers inherit them
        _classifier()
        _encoder()

    @staticmethod
    def load_all() -> None:
        """Compile every rule, as written and squeezed (a text that stretches letters is
        scored by both), index the classifier's vocabulary and map the encoder's model
        now (else each is done on first use), before worker processes fork: they then
        share them instead of each building its own."""
        from shared.analyzers.encoder import e5  # noqa: PLC0415 - as in _encoder

        for stretched in (False, True):
            _engine(stretched=stretched).compile_all()
        _classifier().vocabulary.index()
        e5()

    def score(self, text: str) -> Severities:
        """Score one text synchronously, in this process."""
        return score(text)

    async def analyze(self, texts: Sequence[str]) -> list[Severities]:
        return score_many(texts)
