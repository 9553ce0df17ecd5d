"""The analyzer's fast paths give exactly what their plain regex formulations give.

``bench/identity.py`` proves the whole analyzer unchanged on a large corpus; these
check the rewritten pieces exhaustively or on their edge cases, against the
regexes they replaced (the oracles below), so a later edit that breaks one fails here.
"""

from __future__ import annotations

import itertools
import re

import pytest

from shared.analyzers.local import _LEET_WORD, normalize
from shared.analyzers.sentences import _SENTENCE_END, PIECE_WORDS, pieces

# The formulations the fast paths replaced.
_LOOKAHEAD_LEET_WORD = re.compile(
    r"(?<![a-z0-9@$|!+])(?=[a-z0-9@$|!+]*[a-z])(?=[a-z0-9@$|!+]*[0-9@$|!+])[a-z0-9@$|!+]+"
)


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


def test_a_hard_wrapped_sentence_is_one_piece_and_lines_that_do_not_go_on_in_lower_case_end_one():
    assert pieces("If you need to sort them, you\ncan pass a key  \n  as well.") == [
        "If you need to sort them, you can pass a key as well."
    ]
    assert pieces("First line\nSecond line\n- an item\n1) a step\n\nend") == [
        "First line", "Second line", "- an item", "1) a step", "end",
    ]  # fmt: skip
