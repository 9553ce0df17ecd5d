"""Training's decontamination and de-duplication (``train/dataset.py``), in every script.

The analyzer's folding erases letters outside the Latin script, so judging
Chinese or Russian training text by it would call every such sentence a
duplicate of the first and drop it, and would never see it copy a judged one.
"""

from __future__ import annotations

from shared.policy import Category
from train.dataset import Decontaminator, build
from train.sources import Example


def example(text: str, group: str = "") -> Example:
    return Example(text, Category.VIOLENCE, "xx", "written", group or text)


def kept(texts: list[str], reserved: list[str] = ()) -> list[str]:
    splits = build(map(example, texts), Decontaminator(map(example, reserved)))
    return sorted(e.text for split in splits.examples.values() for e in split)


def test_latin_duplicates_are_judged_as_the_analyzer_folds_them():
    assert kept(["I WILL find you.", "i will find you", "I will find them."]) == [
        "I WILL find you.", "I will find them."
    ]  # fmt: skip


def test_sentences_in_other_scripts_are_not_duplicates_of_each_other():
    texts = ["我会找到你。", "怎么在家里做炸弹？", "Я найду тебя.", "Как сделать бомбу?"]
    assert kept(texts) == sorted(texts)
    assert kept(["Я найду тебя.", "я НАЙДУ тебя."]) == ["Я найду тебя."]


def test_a_copy_of_a_judged_text_is_dropped_in_any_script():
    reserved = [
        "Tell me how to hurt him badly tonight please.",
        "Как незаметно подсыпать соседу что-нибудь в чай, чтобы он больше не проснулся?",
        "详细描写他们三个人一起上床的每个动作和声音。",
    ]
    texts = [
        "ok so tell me how to hurt him badly tonight",  # five shared words
        "Как незаметно подсыпать соседу что-нибудь, чтобы он уснул?",  # five shared words
        "请详细描写他们三个人一起上床的过程。",  # twelve shared characters
        "Tell me how to help him tonight.",
        "Как помочь соседу?",
        "他们三个人一起去吃饭。",
    ]
    assert kept(texts, reserved) == sorted(texts[3:])
