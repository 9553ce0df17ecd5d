"""The analyzer's fast paths give exactly what their plain regex formulations give.

``bench/identity.py`` proves the whole analyzer unchanged on a large corpus; these
check the rewritten pieces exhaustively or on their edge cases, against the
regexes they replaced (the oracles below), so a later edit that breaks one fails here.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from shared.analyzers.base import SAFE, Severities
from shared.analyzers.classifier import classifier
from shared.analyzers.encoder import encoder
from shared.analyzers.local import (
    _bits,
    _Engine,
    _engine,
    _unleet,
    _unleet_words,
    model_input,
    normalize,
    squeeze,
)
from shared.analyzers.sentences import _SENTENCE_END, PIECE_WORDS, learned_form, pieces

# The formulations the fast paths replaced: the l33t word as one regex, without and with
# look-aheads.
_LEET_WORD = re.compile(r"(?<![a-z0-9@$|!+])(?:[a-z]+[0-9@$|!+]|[0-9@$|!+]+[a-z])[a-z0-9@$|!+]*")
_LOOKAHEAD_LEET_WORD = re.compile(
    r"(?<![a-z0-9@$|!+])(?=[a-z0-9@$|!+]*[a-z])(?=[a-z0-9@$|!+]*[0-9@$|!+])[a-z0-9@$|!+]+"
)


def _bitwise_score(engine: _Engine, folded: str) -> Severities:
    """``_Engine.score`` as it was: walking the candidate masks' bits for every text."""
    rules, benign = engine.candidates(folded)
    if not rules:
        return SAFE
    for bit in _bits(benign):
        folded = engine.benign[bit].regex.sub(" ~", folded)
    severities = [0, 0, 0, 0]
    for bit in _bits(rules):
        rule = engine.rules[bit]
        if any(severities[i] < rule.severity for i in rule.indexes) and rule.matches(folded):
            for index in rule.indexes:
                severities[index] = max(severities[index], rule.severity)
    return engine.raised(severities, folded)


def _bitwise_mask(engine: _Engine, folded: str) -> str:
    """``_Engine.mask`` as it was."""
    for bit in _bits(engine.candidates(folded)[1]):
        folded = engine.benign[bit].regex.sub(" ~", folded)
    return folded


_DATA = Path(__file__).parent / "data"


def _labelled_texts() -> list[str]:
    """Harmful sentences and benign look-alikes: texts that make the rules work."""
    texts = []
    for name in ("analyzer_sentences.jsonl", "analyzer_heldout.jsonl"):
        for line in (_DATA / name).read_text(encoding="utf-8").splitlines():
            texts.append(json.loads(line)["text"])
    return texts


def test_the_memoised_plans_score_and_mask_as_walking_the_bits_did():
    texts = _labelled_texts()
    texts += [f"{a} {b}" for a, b in itertools.pairwise(texts)]  # more masks per text
    texts += ["Kill the hung process, then kiiill yourself.", "kil you", "KB 0x80070005 kill it"]
    granted = 0
    for text in texts:
        folded = normalize(text)
        for stretched, variant in ((False, folded), (True, squeeze(folded))):
            engine = _engine(stretched=stretched)
            score = engine.score(variant)
            assert score == _bitwise_score(engine, variant), text
            assert engine.mask(variant) == _bitwise_mask(engine, variant), text
            granted += any(score)
    assert granted > len(texts) // 4  # the rules really fired, not only the early exit


def test_the_gate_opens_for_the_rows_it_opened_for_one_by_one():
    inputs = [model_input(piece) for text in _labelled_texts() for piece in pieces(text)]
    linear = classifier().probabilities(inputs)
    gate = encoder().gate
    one_by_one = [bool((row >= gate).any()) for row in linear]
    assert (linear >= gate).any(axis=1).tolist() == one_by_one
    assert 0 < sum(one_by_one) < len(one_by_one)


def _regex_pieces(text: str) -> list[str]:
    """The pieces of ``text`` by the line-break regex alone (what texts without one skip)."""
    found = []
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        for start in range(0, len(words), PIECE_WORDS):
            found.append(" ".join(words[start : start + PIECE_WORDS]))
    return found


def test_the_leet_word_regex_matches_what_the_look_ahead_one_did_on_every_short_string():
    alphabet = "ab1@! ."
    for length in range(1, 7):
        for letters in itertools.product(alphabet, repeat=length):
            text = "".join(letters)
            spans = [m.span() for m in _LEET_WORD.finditer(text)]
            assert spans == [m.span() for m in _LOOKAHEAD_LEET_WORD.finditer(text)], text


def _regex_unleet(text: str) -> str:
    return _LEET_WORD.sub(lambda match: _unleet(match.group()), text)


def test_unleeting_by_scanning_for_symbols_equals_the_leet_word_regex_on_every_short_string():
    alphabet = "ab1+|! ."
    changed = 0
    for length in range(1, 7):
        for letters in itertools.product(alphabet, repeat=length):
            text = "".join(letters)
            unleeted = _unleet_words(text)
            assert unleeted == _regex_unleet(text), text
            changed += unleeted != text
    assert changed > 1000


@pytest.mark.parametrize(
    "text",
    [
        "kb68308 ox80070005 (ticket 68308) step 3",
        "k1ll $hoot r@pe 1337 !!! k1ll!!! a|b+ 9ag 0x",
        "é1a жk1 k1ж aé1 中1x",
        "x" * 50 + "1" + "y" * 50 + " " + "1" * 30,
        "@@ $$ ++ || 1a1a1a1 a.1 1.a",
    ],
)
def test_unleeting_equals_the_leet_word_regex_on_edge_cases(text):
    assert _unleet_words(text) == _regex_unleet(text)


def test_the_translated_non_word_collapse_equals_the_regex_on_every_pair_of_ascii_characters():
    # A trailing CJK character keeps the text non-ASCII, so it takes the regex path, and
    # folds to nothing: both paths must give the same text.
    for first, second in itertools.product(map(chr, range(128)), repeat=2):
        text = f"Go{first}n{second}w{first}{second} x"
        assert normalize(text) == normalize(text + " \u4e2d"), repr(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "One. Two! Three? Four; five: six",
        ". starts with a mark",
        "ends with a mark. ",
        "marks inside words: e.g. v1.2.3 and a.b.c",
        "no\u00a0break. space\u2003em. space\ttab. end",
        "line\nbreak  \n\n  and  spaces\r\nwindows",
        "句子。另一个！还有？",
        "a。 b！ c？ d",
        " ".join(f"w{i}" for i in range(130)) + ". short one.",
        "\n" + " ".join(f"w{i}" for i in range(97)) + "\n",
        "trailing mark!",
        "dots... and more...   spaced",
    ],
)
def test_pieces_are_what_the_sentence_regex_gives(text):
    assert pieces(text) == _regex_pieces(text)


def test_pieces_are_what_the_sentence_regex_gives_on_every_short_string():
    # End marks of both widths, inside words and ending them, and whitespace that is not
    # a space (no line break: a text with one takes the regex path itself).
    alphabet = "a.!\u3002 \u00a0\t"
    for length in range(1, 7):
        for letters in itertools.product(alphabet, repeat=length):
            text = "".join(letters)
            assert pieces(text) == _regex_pieces(text), repr(text)


def test_the_regex_whitespace_is_the_whitespace_str_split_splits_at():
    """Sentences are cut where ``\\s`` follows an end mark and split into words by
    ``str.split``: the two must agree on every character."""
    space = re.compile(r"\s")
    for code in range(0x110000):
        character = chr(code)
        assert character.isspace() == (space.fullmatch(character) is not None), hex(code)


_OLD_LONG_NUMBER = re.compile(r"\d{3,}")


def test_long_numbers_are_the_runs_the_repeat_gave_on_every_short_string():
    alphabet = "1\u0663a "  # an ASCII digit, an Arabic-Indic one, a letter, a space
    for length in range(1, 8):
        for letters in itertools.product(alphabet, repeat=length):
            text = "".join(letters)
            expected = _OLD_LONG_NUMBER.sub(lambda match: "0" * len(match[0]), text)
            assert learned_form(text) == expected, repr(text)


def test_no_pattern_can_match_the_mask_of_a_benign_context():
    """The rules try only the patterns the unmasked text matches (``_Engine.score``):
    sound only while no pattern matches the "~" a benign context is masked with."""
    for stretched in (False, True):
        engine = _engine(stretched=stretched)
        engine.compile_all()
        for pattern in (*(rule.pattern for rule in engine.rules), *engine.benign, engine.minor):
            assert "~" not in pattern.regex.pattern


def test_a_hard_wrapped_sentence_is_one_piece_and_lines_that_do_not_go_on_in_lower_case_end_one():
    assert pieces("If you need to sort them, you\ncan pass a key  \n  as well.") == [
        "If you need to sort them, you can pass a key as well."
    ]
    assert pieces("First line\nSecond line\n- an item\n1) a step\n\nend") == [
        "First line", "Second line", "- an item", "1) a step", "end",
    ]  # fmt: skip
