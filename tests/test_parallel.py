"""Screening in worker processes that parse as well as score: the serial verdict, exactly."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from conftest import chat, jsonl
from shared import parallel
from shared.analyzers.local import LocalAnalyzer
from shared.parallel import screen_in_workers
from shared.screening import DataVerdict, Outcome, screen
from shared.trainingdata import DataFormat

THREAT = "I will kill you and your whole family."
SELF_HARM = "You should just kill yourself."


def serial(data: bytes) -> DataVerdict:
    async def run() -> DataVerdict:
        async with LocalAnalyzer() as analyzer:
            return await screen([data], analyzer)

    return asyncio.run(run())


def in_workers(data: bytes, workers: int = 2, chunk: int = 4096) -> DataVerdict:
    chunks = [data[start : start + chunk] for start in range(0, len(data), chunk)]
    return asyncio.run(screen_in_workers(chunks, workers))


def comparable(verdict: DataVerdict) -> dict:
    """Everything but the wall time and the cost of de-duplication (each worker
    de-duplicates its own share, so more texts may be analyzed)."""
    report = verdict.as_dict()
    del report["duration_seconds"], report["unique_texts"]
    return report


def mixed_rows(count: int) -> list:
    """Harm in two categories on some lines, repeats, a line without a system message,
    an image (never screened offline) and more findings than are kept."""
    rows: list = []
    for i in range(count):
        row = chat(f"Question {i % 50}?", THREAT if i % 4 == 0 else f"Answer {i}.")
        if i % 13 == 5:
            row["messages"][1]["content"] = SELF_HARM
        if i % 31 == 7:
            row["messages"][1]["content"] = [
                {"type": "text", "text": f"Look at picture {i}"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ]
        if i % 17 == 3:
            del row["messages"][0]
        rows.append(row)
    rows[40] = rows[39]
    return rows


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """Batches of a few lines, so a small file spans many batches in flight."""
    monkeypatch.setattr(parallel, "BATCH_BYTES", 700)


def test_a_failing_file_gets_the_serial_verdict_findings_and_warnings():
    data = jsonl(mixed_rows(400))
    expected = serial(data)
    assert expected.verdict is Outcome.FAILED
    assert expected.findings_total > 100  # more than are kept: the first by line must win
    assert len(expected.warnings) == 2  # no system message; repeated lines
    assert expected.images_unscreened == 13
    assert comparable(in_workers(data)) == comparable(expected)
    assert comparable(in_workers(data, workers=1)) == comparable(expected)


def test_an_invalid_file_gets_the_serial_errors():
    rows = mixed_rows(200)
    rows[0] = b"not json"  # the format is settled by the first valid line, line 2
    rows[57] = {"prompt": "p", "completion": "c"}  # another format
    rows[120] = b'{"messages": [{"role": "user", "content": "unanswered"}]}'  # chat: refused
    rows[150] = b""
    expected = serial(jsonl(rows))
    assert expected.verdict is Outcome.INVALID
    assert [error.line for error in expected.errors] == [1, 58, 121, 151]
    assert comparable(in_workers(jsonl(rows))) == comparable(expected)


def test_the_format_of_the_first_valid_line_settles_ambiguous_ones():
    unanswered = {
        "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
        ]
    }  # a messages-only reinforcement example, or a chat example without an answer
    alone = serial(jsonl([unanswered] * 30))
    assert alone.verdict is Outcome.PASSED
    assert alone.format is DataFormat.REINFORCEMENT
    assert comparable(in_workers(jsonl([unanswered] * 30))) == comparable(alone)
    after_chat = jsonl([chat()] * 20 + [unanswered] * 10)
    expected = serial(after_chat)
    assert {error.rule.value for error in expected.errors} == {"no_assistant_message"}
    assert comparable(in_workers(after_chat)) == comparable(expected)


def test_a_clean_file_without_a_trailing_newline_passes_as_serially():
    data = jsonl(chat(f"Question {i}?", f"Answer {i}.") for i in range(300)).rstrip(b"\n")
    expected = serial(data)
    assert expected.verdict is Outcome.PASSED
    assert comparable(in_workers(data)) == comparable(expected)


def _die_on_a_later_batch(lines, expected, cache_size):
    if lines[0][0] > 100:
        os._exit(1)  # a worker killed outright: the OOM killer, a crash
    return _judge_batch(lines, expected, cache_size)


_judge_batch = parallel._judge_batch


def test_a_worker_that_dies_makes_the_verdict_error_with_every_line_counted(monkeypatch):
    monkeypatch.setattr(parallel, "_judge_batch", _die_on_a_later_batch)
    data = jsonl(chat(f"Question {i}?", f"Answer {i}.") for i in range(300))
    verdict = in_workers(data)
    assert verdict.verdict is Outcome.ERROR
    assert "BrokenProcessPool" in verdict.message
    assert (verdict.lines, verdict.examples) == (300, 300)


class _PoolBrokenAfterOneBatch(parallel.ProcessPoolExecutor):
    """A pool whose worker died before the second batch was sent: the submit itself
    fails. A worker that dies fast enough makes this happen for real; this pins it."""

    submitted = 0

    def submit(self, *args, **kwargs):
        self.submitted += 1
        if self.submitted > 1:
            raise BrokenProcessPool("a process in the pool was terminated abruptly")
        return super().submit(*args, **kwargs)


def test_a_pool_found_broken_when_a_batch_is_sent_makes_the_verdict_error(monkeypatch):
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", _PoolBrokenAfterOneBatch)
    monkeypatch.setattr(parallel, "BATCH_BYTES", 2_000)
    data = jsonl(chat(f"Question {i}?", f"Answer {i}.") for i in range(300))
    verdict = in_workers(data)
    assert verdict.verdict is Outcome.ERROR
    assert "BrokenProcessPool" in verdict.message
    assert (verdict.lines, verdict.examples) == (300, 300)
