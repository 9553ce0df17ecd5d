"""The dialogue readers of ``train/sources.py``: benign turns, grouped by dialogue."""

from __future__ import annotations

import json

from train.sources import READERS, manifest

HEADER = "conversationId\tturnNumber\tutteranceId\tutterance\tslot-labels\tintent\n"
MULTIDOGO = {"name": "dialogue-multidogo", "lang": "en"}
TASKMASTER = {"name": "dialogue-taskmaster4", "lang": "en"}


def test_every_manifest_source_names_a_reader():
    assert {source["reader"] for source in manifest()} <= READERS.keys()


def test_multidogo_reads_each_files_customer_turns_grouped_by_dialogue():
    first = HEADER + (
        "c1\t0\t<CONV>c1<TURN>0\tmy phone will not start since this morning\tO\tintent\n"
        "c1\t2\t<CONV>c1<TURN>2\tyes thanks\tO O\tthanks\n"
    )
    # Files are joined by newlines, so the second file's header is a row too; a
    # quoted utterance may span lines.
    second = HEADER + 'c2\t1\t<CONV>c2<TURN>1\t"from boston ma\n to denver co"\tO\tintent\n'
    examples = list(READERS["multidogo"](MULTIDOGO, "\n".join([first, second]).encode()))
    assert [(e.text, e.category, e.lang, e.group) for e in examples] == [
        ("my phone will not start since this morning", None, "en", "c1"),
        ("from boston ma\n to denver co", None, "en", "c2"),
    ]
    assert {e.source for e in examples} == {"dialogue-multidogo"}


def test_taskmaster_reads_both_speakers_and_drops_turns_under_four_words():
    dialogues = [
        {
            "conversation_id": "dlg-1",
            "utterances": [
                {"speaker": "user", "text": "I'd like a large latte, please."},
                {"speaker": "assistant", "text": " Sure, that will be ready soon. "},
                {"speaker": "user", "text": "Thanks a lot!"},
            ],
        },
        {
            "conversation_id": "dlg-2",
            "utterances": [{"speaker": "user", "text": "One mocha to go."}],
        },
    ]
    examples = list(READERS["taskmaster"](TASKMASTER, json.dumps(dialogues).encode()))
    assert [(e.text, e.category, e.group) for e in examples] == [
        ("I'd like a large latte, please.", None, "dlg-1"),
        ("Sure, that will be ready soon.", None, "dlg-1"),
        ("One mocha to go.", None, "dlg-2"),
    ]
