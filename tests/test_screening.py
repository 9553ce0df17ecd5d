"""Screening: verdicts, findings, de-duplication, bounded concurrency, failing closed."""

from __future__ import annotations

import asyncio
import hashlib
import time
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import pytest

from conftest import SYSTEM, chat, clean_file, jsonl
from shared.analyzers import AnalyzerError, Severities
from shared.analyzers.local import LocalAnalyzer, score
from shared.policy import POLICY_VERSION, Category
from shared.screening import Outcome, ScreeningLimits, findings_of, screen

THREAT = "I will kill you and your whole family."
CANARY = "CANARY-51d0e2-NEVER-ECHO"


class CountingAnalyzer(LocalAnalyzer):
    """The real local analyzer, recording what it was asked and how much at once."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.calls = 0
        self.seen: Counter[str] = Counter()
        self.batches: list[int] = []  # how many texts each call held
        self.active = 0
        self.peak = 0

    async def analyze(self, texts: Sequence[str]) -> list[Severities]:
        self.calls += 1
        self.seen.update(texts)
        self.batches.append(len(texts))
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await asyncio.sleep(self.delay)
            return await super().analyze(texts)
        finally:
            self.active -= 1


class FailingAnalyzer(LocalAnalyzer):
    """Fails on the n-th call, the way a Content Safety outage would surface."""

    def __init__(self, error: Exception, on_call: int = 1) -> None:
        super().__init__()
        self.error = error
        self.on_call = on_call
        self.calls = 0

    async def analyze(self, texts: Sequence[str]) -> list[Severities]:
        self.calls += 1
        if self.calls >= self.on_call:
            raise self.error
        return await super().analyze(texts)


def run(data: bytes, analyzer=None, **kwargs):
    return asyncio.run(screen([data], analyzer or LocalAnalyzer(), **kwargs))


def test_clean_file_passes():
    data = clean_file(12)
    verdict = run(data)
    assert verdict.verdict is Outcome.PASSED
    assert verdict.harm_types == ()
    assert verdict.findings == ()
    assert verdict.examples == 12
    assert verdict.texts == 36
    assert verdict.sha256 == hashlib.sha256(data).hexdigest()
    assert verdict.policy_version == POLICY_VERSION
    assert verdict.analyzer == "local"


def test_texts_scored_zero_everywhere_are_not_looked_at_for_findings(monkeypatch):
    """Most texts of a real file score 0 in every category; on the hot path they skip
    the per-category findings check (a file with harm still gets its findings: below)."""
    checked: list[Severities] = []

    def recording(line, path, severities):
        checked.append(severities)
        return findings_of(line, path, severities)

    monkeypatch.setattr("shared.screening.findings_of", recording)
    rows = [chat() for _ in range(12)]
    rows[2] = chat(assistant=THREAT)
    verdict = run(jsonl(rows))
    assert verdict.verdict is Outcome.FAILED
    assert checked == [score(THREAT)]


def test_harmful_file_fails_with_findings_by_line_path_and_category():
    rows = [chat() for _ in range(12)]
    rows[3] = chat(assistant=THREAT)
    rows[7] = chat(user="Jews are vermin.", assistant="You should just kill yourself.")
    verdict = run(jsonl(rows))
    assert verdict.verdict is Outcome.FAILED
    assert verdict.harm_types == ("hate_fairness", "self_harm", "violence")
    assert verdict.message == (
        "The provided training data failed RAI checks for harm types: "
        "[hate_fairness, self_harm, violence]. Please fix the data and try again."
    )
    assert verdict.as_dict()["findings"][0] == {
        "line": 4,
        "path": "messages[2].content",
        "category": "Violence",
        "severity": verdict.findings[0].severity,
    }
    found = {(f.line, f.path, f.category) for f in verdict.findings}
    assert found == {
        (4, "messages[2].content", Category.VIOLENCE),
        (8, "messages[1].content", Category.HATE),
        (8, "messages[2].content", Category.SELF_HARM),
    }
    assert all(f.severity >= 4 for f in verdict.findings)
    assert verdict.failed_examples == {
        Category.HATE: 1,
        Category.SELF_HARM: 1,
        Category.SEXUAL: 0,
        Category.VIOLENCE: 1,
    }


def test_repeated_texts_are_analyzed_once():
    rows = [chat(f"Question {i % 5}?", f"Answer {i}.") for i in range(40)]
    analyzer = CountingAnalyzer()
    verdict = run(jsonl(rows), analyzer)
    assert analyzer.seen[SYSTEM] == 1
    assert max(analyzer.seen.values()) == 1
    assert verdict.texts == 120
    assert verdict.unique_texts == len(analyzer.seen) == 1 + 5 + 40


def test_a_duplicate_of_a_harmful_text_is_reported_on_every_line():
    rows = [chat(assistant=THREAT) for _ in range(10)]
    verdict = run(jsonl(rows), limits=ScreeningLimits(batch_texts=1, max_in_flight=3))
    assert verdict.unique_texts == 3
    assert [f.line for f in verdict.findings] == list(range(1, 11))
    assert verdict.failed_examples[Category.VIOLENCE] == 10


def test_a_small_dedupe_cache_changes_cost_not_the_verdict():
    rows = [chat(f"Q{i % 3}", THREAT if i % 4 == 0 else f"A{i % 3}") for i in range(30)]
    small = run(jsonl(rows), limits=ScreeningLimits(batch_texts=2, dedupe_cache_size=2))
    large = run(jsonl(rows))
    assert small.findings == large.findings
    assert small.failed_examples == large.failed_examples
    assert small.unique_texts >= large.unique_texts


def test_analyses_in_flight_are_bounded():
    analyzer = CountingAnalyzer(delay=0.005)
    rows = [chat(f"Question {i}", f"Answer {i}") for i in range(200)]
    verdict = run(jsonl(rows), analyzer, limits=ScreeningLimits(batch_texts=4, max_in_flight=3))
    assert verdict.verdict is Outcome.PASSED
    assert analyzer.peak == 3
    assert sum(analyzer.seen.values()) == verdict.unique_texts == 401


def test_findings_kept_are_the_first_by_line_and_all_are_counted():
    rows = [chat(assistant=f"{THREAT} ({i})") for i in range(250)]
    verdict = run(jsonl(rows), limits=ScreeningLimits(batch_texts=7, max_in_flight=4))
    assert verdict.findings_total == 250
    assert [f.line for f in verdict.findings] == list(range(1, 101))  # the first 100


def test_a_partial_batch_is_sent_when_the_waiting_texts_reach_their_bound():
    """Three distinct texts waiting (the bound) send the batch, not two: each line's
    new texts wait until three of them do; the system prompt is analyzed once."""
    analyzer = CountingAnalyzer()
    verdict = run(clean_file(12), analyzer, limits=ScreeningLimits(max_waiting=3))
    assert verdict.verdict is Outcome.PASSED
    assert analyzer.batches == [3] * 8 + [1]  # 1 system prompt + 24 questions and answers


def test_a_text_recurring_while_it_waits_counts_towards_the_bound():
    """The second line repeats the first line's three waiting texts: its system
    prompt is the fourth waiting entry, which sends the first batch; the eight new
    lines after the repeats then fill batches of four."""
    rows = [chat("Q0", "A0")] * 4 + [chat(f"Q{i}", f"A{i}") for i in range(1, 9)]
    analyzer = CountingAnalyzer()
    verdict = run(jsonl(rows), analyzer, limits=ScreeningLimits(max_waiting=4))
    assert verdict.verdict is Outcome.PASSED
    assert analyzer.batches == [3, 4, 4, 4, 4]


def test_a_batch_is_sent_when_its_texts_reach_the_bound():
    """Five texts a batch: the system prompt and two lines' questions and answers,
    then two lines' each; 25 distinct texts, five full batches."""
    analyzer = CountingAnalyzer()
    verdict = run(clean_file(12), analyzer, limits=ScreeningLimits(batch_texts=5))
    assert verdict.verdict is Outcome.PASSED
    assert analyzer.batches == [5] * 5


def test_a_batch_is_sent_when_its_characters_reach_the_bound():
    """50 characters: the 40-character system prompt and two 5-character texts reach
    it exactly, then ten 5-character texts do, twice."""
    rows = [chat(f"Q{i:04}", f"A{i:04}") for i in range(11)]
    analyzer = CountingAnalyzer()
    verdict = run(jsonl(rows), analyzer, limits=ScreeningLimits(batch_chars=50))
    assert (verdict.verdict, len(SYSTEM)) == (Outcome.PASSED, 40)
    assert analyzer.batches == [3, 10, 10]


def test_the_verdict_shows_its_duration_in_milliseconds():
    verdict = replace(run(clean_file(10)), duration_seconds=1.23456)
    assert verdict.as_dict()["duration_seconds"] == 1.235


def test_format_error_makes_the_file_invalid_and_stops_screening():
    rows = [b"not json", *[chat(f"Q{i}", THREAT) for i in range(300)]]
    analyzer = CountingAnalyzer()
    verdict = run(jsonl(rows), analyzer, limits=ScreeningLimits(batch_texts=8))
    assert verdict.verdict is Outcome.INVALID
    assert verdict.findings == ()
    assert verdict.harm_types == ()
    assert verdict.errors[0].line == 1
    assert verdict.errors_total == 1
    assert analyzer.calls == 0
    assert verdict.message.startswith("The training file has 1 format error;")


@pytest.mark.parametrize("chunks", [1, 3], ids=["whole", "split"])
def test_a_harmful_last_line_without_a_trailing_newline_fails_the_file(chunks):
    data = jsonl([chat() for _ in range(11)] + [chat(assistant=THREAT)]).rstrip(b"\n")
    step = -(-len(data) // chunks)
    parts = [data[start : start + step] for start in range(0, len(data), step)]
    verdict = asyncio.run(screen(parts, LocalAnalyzer()))
    assert verdict.verdict is Outcome.FAILED
    assert {(f.line, f.category) for f in verdict.findings} == {(12, Category.VIOLENCE)}


def test_too_few_examples_is_invalid_even_when_harmful():
    analyzer = CountingAnalyzer()
    verdict = run(jsonl([chat(assistant=THREAT)] * 3), analyzer)
    assert verdict.verdict is Outcome.INVALID
    assert analyzer.calls == 0  # found invalid at the end: the waiting batch is not sent
    assert "at least 10" in verdict.errors[0].reason


@pytest.mark.parametrize("on_call", [1, 3])
def test_an_analyzer_failure_is_an_error_never_a_pass(on_call):
    analyzer = FailingAnalyzer(AnalyzerError("HTTP 503 after 5 attempts"), on_call=on_call)
    verdict = run(clean_file(100), analyzer, limits=ScreeningLimits(batch_texts=4))
    assert verdict.verdict is Outcome.ERROR
    assert "HTTP 503 after 5 attempts" in verdict.message
    assert verdict.findings == ()
    assert verdict.harm_types == ()


def test_no_text_is_sent_once_the_analyzer_has_failed():
    """The first call (the system prompt, one text a batch) fails while the rest of
    its example waits to be queued: those texts are not sent after the failure."""
    analyzer = FailingAnalyzer(AnalyzerError("HTTP 503 after 5 attempts"), on_call=1)
    limits = ScreeningLimits(batch_texts=1, max_in_flight=1)
    verdict = run(clean_file(10), analyzer, limits=limits)
    assert verdict.verdict is Outcome.ERROR
    assert analyzer.calls == 1


def test_results_of_calls_finished_before_a_format_error_are_dropped():
    """The first ten lines' calls finish (one turn of the event loop: the local
    analyzer does not wait) before the second chunk's broken line is read; the
    file is invalid and nothing of their results is kept."""
    clean = clean_file(10)

    async def chunks():
        yield clean
        await asyncio.sleep(0)
        yield b"not json\n" + clean

    limits = ScreeningLimits(batch_texts=1, max_in_flight=64)
    verdict = asyncio.run(screen(chunks(), LocalAnalyzer(), limits=limits))
    assert verdict.verdict is Outcome.INVALID
    assert [(e.line, e.rule.value) for e in verdict.errors] == [(11, "not_json")]
    assert (verdict.findings, verdict.failed_examples) == ((), {})


class StallingAnalyzer(LocalAnalyzer):
    """Fails its first call; every later one hangs like a stuck service call that is
    billed until it is abandoned."""

    def __init__(self, stall: float) -> None:
        super().__init__()
        self.stall = stall
        self.calls = 0
        self.cancelled = 0

    async def analyze(self, texts: Sequence[str]) -> list[Severities]:
        self.calls += 1
        if self.calls == 1:
            await asyncio.sleep(0.05)
            raise AnalyzerError("HTTP 503 after 5 attempts")
        try:
            await asyncio.sleep(self.stall)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return await super().analyze(texts)


def test_an_analyzer_failure_cancels_the_calls_still_in_flight():
    analyzer = StallingAnalyzer(stall=5.0)
    started = time.monotonic()
    verdict = run(clean_file(100), analyzer, limits=ScreeningLimits(batch_texts=4))
    assert verdict.verdict is Outcome.ERROR
    assert analyzer.calls == ScreeningLimits().max_in_flight  # the failure came first
    assert analyzer.cancelled == analyzer.calls - 1
    assert time.monotonic() - started < 2.0


def test_an_unexpected_analyzer_exception_fails_closed_without_its_message():
    analyzer = FailingAnalyzer(RuntimeError(f"could not score {CANARY}"))
    verdict = run(clean_file(10), analyzer)
    assert verdict.verdict is Outcome.ERROR
    assert "RuntimeError" in verdict.message
    assert CANARY not in str(verdict.as_dict())


def test_an_analyzer_returning_too_few_results_is_an_error():
    class Short(LocalAnalyzer):
        async def analyze(self, texts):
            return (await super().analyze(texts))[:-1]

    verdict = run(clean_file(10), Short())
    assert verdict.verdict is Outcome.ERROR
    assert "results for" in verdict.message


def test_async_chunk_sources_are_accepted():
    async def chunks():
        data = clean_file(10)
        for start in range(0, len(data), 100):
            yield data[start : start + 100]

    verdict = asyncio.run(screen(chunks(), LocalAnalyzer()))
    assert verdict.verdict is Outcome.PASSED
    assert verdict.examples == 10


def test_progress_reports_bytes_read():
    seen: list[int] = []
    data = clean_file(10)
    asyncio.run(screen([data[:50], data[50:]], LocalAnalyzer(), on_progress=seen.append))
    assert seen == [50, len(data)]


def test_the_verdict_never_holds_training_text():
    rows = [chat(f"{CANARY} q{i}", f"{CANARY} {THREAT}") for i in range(12)]
    verdict = run(jsonl(rows))
    assert verdict.verdict is Outcome.FAILED
    assert CANARY not in repr(verdict)
    assert CANARY not in str(verdict.as_dict())


class SlowAnalyzer(LocalAnalyzer):
    """The real local analyzer behind a service's latency, so texts stay in flight."""

    async def analyze(self, texts: Sequence[str]) -> list[Severities]:
        await asyncio.sleep(0.05)
        return await super().analyze(texts)


def _peak_traced_bytes(recurrences: int) -> int:
    """Peak memory Python allocates while screening a file built to swell the
    buffers: texts in flight and a partial batch that no new text will fill, while
    every later line repeats texts of both, handed over as one chunk."""
    rows = [chat(f"Question {i}", f"Answer {i}") for i in range(100)]
    rows += [chat("A recurring question?", "A recurring answer.")] * recurrences
    data = jsonl(rows)
    analyzer = SlowAnalyzer()
    tracemalloc.start()
    try:
        verdict = run(data, analyzer, limits=ScreeningLimits(max_waiting=256))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert verdict.verdict is Outcome.PASSED
    assert verdict.texts == 3 * len(rows)
    return peak


def test_screening_memory_does_not_grow_with_recurring_texts_while_a_batch_waits():
    _peak_traced_bytes(0)  # first use allocates once (compiled patterns, caches): not measured
    small, large = _peak_traced_bytes(1_000), _peak_traced_bytes(4_000)
    # Unbounded, each recurrence would wait with its example (and the chunk would be
    # split into a list of every line at once): four times the lines, about four
    # times the peak. Bounded, the peak is the same constants either way.
    assert large < 1.3 * small
