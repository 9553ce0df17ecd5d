"""Cost estimates against what real runs then used: the Content Safety emulator for
files, the chat emulator for models (over real HTTP, as production talks)."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import deque

import pytest
from emulators.chat import BENIGN, ChatEmulator
from emulators.contentsafety import ContentSafetyEmulator
from emulators.images import data_url, png

from conftest import chat, jsonl
from shared import cli
from shared.analyzers.contentsafety import ContentSafetyAnalyzer
from shared.evalcost import ANSWER_CAP, estimate_evaluation, expected_stream_length
from shared.modeleval import Plans
from shared.policy import MAX_CONVERSATIONS_PER_CATEGORY
from shared.screening import screen
from shared.screeningcost import estimate_screening
from shared.settings import ContentSafetySettings
from shared.simulation.strategies import SCRIPTED
from shared.stats import SprtPlan
from shared.storedverdict import StoredVerdict

CANARY = "CANARY-7f3a9 the purple giraffe recipe"
LONG = "The quarterly report covers revenue and staffing. " * 500  # 25,000 characters


def _picture_row(index: int, image: bytes) -> dict:
    row = chat(f"What is in picture {index}?", "A picture.")
    row["messages"][1]["content"] = [
        {"type": "text", "text": "Describe it."},
        {"type": "image_url", "image_url": {"url": data_url(image)}},
    ]
    return row


def _exit_code(args: list[str]) -> int:
    """The exit code, whether the command returned it or argparse exited with it."""
    try:
        return cli.main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


def _costly_file() -> bytes:
    """Duplicates (the system prompt on every line, a repeated answer), a text long enough
    to be windowed, the same image twice and a second image, and a canary."""
    rows = [chat(f"Question {i}?", "Same answer.") for i in range(20)]
    rows.append(chat(LONG, CANARY))
    rows += [_picture_row(1, png(rgb=(1, 2, 3))), _picture_row(2, png(rgb=(1, 2, 3)))]
    rows.append(_picture_row(3, png(rgb=(9, 9, 9))))
    return jsonl(rows)


@pytest.fixture
def content_safety():
    with ContentSafetyEmulator() as running:
        yield running


def _settings(emulator: ContentSafetyEmulator) -> ContentSafetySettings:
    return ContentSafetySettings(
        endpoint=emulator.endpoint, key=emulator.knobs.key, backoff_base=0.01, max_attempts=4
    )


def _screen_for_real(emulator: ContentSafetyEmulator, data: bytes):
    async def run():
        async with ContentSafetyAnalyzer(_settings(emulator)) as analyzer:
            return await screen([data], analyzer)

    return asyncio.run(run())


def test_the_estimate_is_what_content_safety_then_receives(content_safety):
    data = _costly_file()
    estimate = asyncio.run(estimate_screening([data]))
    assert content_safety.stats.requests == 0  # the estimate sent nothing
    verdict = _screen_for_real(content_safety, data)
    # 1 system prompt + 20 questions + 1 shared answer + 3 windows of the long text
    # + the canary + 3 "Describe it." / "A picture." texts, and two distinct images
    assert estimate.text_requests == 1 + 20 + 1 + 3 + 1 + 2
    assert estimate.image_requests == 2
    assert estimate.requests == content_safety.stats.requests == verdict.requests == 30
    assert estimate.characters == content_safety.stats.characters
    assert StoredVerdict.of_data(verdict).to_entity()["ContentSafetyRequests"] == 30


def test_a_verdict_counts_the_retries_the_estimate_cannot_know(content_safety):
    data = _costly_file()
    estimate = asyncio.run(estimate_screening([data]))
    content_safety.knobs.fail_next = deque([429, 503])
    verdict = _screen_for_real(content_safety, data)
    assert verdict.verdict.value == "passed"
    assert verdict.requests == content_safety.stats.requests == estimate.requests + 2


def test_a_url_image_costs_a_request_only_where_it_may_be_fetched():
    row = _picture_row(1, b"")
    row["messages"][1]["content"][1]["image_url"]["url"] = "https://images.contoso.com/a.png"
    data = jsonl([row] * 10)  # ten examples: fewer is invalid, and not screened
    nowhere = asyncio.run(estimate_screening([data]))
    allowed = asyncio.run(
        estimate_screening([data], image_origins=frozenset({"https://images.contoso.com"}))
    )
    assert (nowhere.image_requests, allowed.image_requests) == (0, 1)  # one URL, counted once


def test_scan_data_estimate_sends_nothing_and_prices_at_the_callers_price(
    content_safety, monkeypatch, capsys, write_file
):
    monkeypatch.setenv("CONTENT_SAFETY_ENDPOINT", content_safety.endpoint)
    monkeypatch.setenv("CONTENT_SAFETY_KEY", content_safety.knobs.key)
    path = write_file(_costly_file())
    args = ["scan-data", str(path), "--estimate", "--request-price", "2", "--json"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    answer = json.loads(out)
    assert answer["content_safety_requests"] == 30
    assert answer["price"] == pytest.approx(0.06)
    assert content_safety.stats.requests == 0
    assert CANARY not in out
    assert cli.main(["scan-data", str(path), "--estimate"]) == 0
    text = capsys.readouterr().out
    assert "30 to Content Safety" in text
    assert CANARY not in text


def test_an_invalid_file_estimate_exits_2_naming_the_line(capsys, write_file):
    path = write_file(jsonl([chat(), b'{"messages": [}']))
    assert cli.main(["scan-data", str(path), "--estimate"]) == 2
    assert "line 2" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra",
    [["--request-price", "1"], ["--estimate", "--request-price", "-1"]],
)
def test_a_price_without_an_estimate_or_below_zero_is_a_usage_error(extra, write_file):
    path = write_file(jsonl([chat()]))
    assert _exit_code(["scan-data", str(path), *extra]) == cli.EXIT_USAGE


# --------------------------------------------------------------------------- models


def test_decided_by_is_the_stopping_time_distribution_behind_the_mean():
    plan = SprtPlan.own_category()
    for rate in (0.0, 0.02, 0.08):
        operating = plan.operating(rate)
        decided = operating.decided_by
        assert len(decided) == plan.max_trials + 1
        assert decided[-1] == 1.0
        assert all(a <= b + 1e-12 for a, b in itertools.pairwise(decided))
        assert operating.rejected_by[-1] == pytest.approx(operating.reject)
        survival = sum(1 - d for d in decided[:-1])
        assert survival == pytest.approx(operating.mean_trials)


def test_a_stream_lasts_while_a_test_it_feeds_needs_it():
    plans = Plans.from_policy()
    assert expected_stream_length(plans, 0.0) == pytest.approx(69)  # all-clean acceptance
    # acceptance needs both tests, so a stream outlasts its own test on average ...
    p0 = expected_stream_length(plans, 0.02)
    assert plans.own.operating(0.02).mean_trials < p0 < MAX_CONVERSATIONS_PER_CATEGORY
    # ... while one rejection ends both: the cross test, fed three times as fast, rejects
    # first, so a harmful model's streams end before its own tests would
    assert expected_stream_length(plans, 0.08) < plans.own.operating(0.08).mean_trials


def test_the_cap_is_every_test_at_its_maximum_with_the_longest_conversations():
    estimate = asyncio.run(estimate_evaluation(SCRIPTED, answer_tokens=10))
    cap = estimate.scenarios["cap"]
    assert cap.conversations == 4 * MAX_CONVERSATIONS_PER_CATEGORY
    assert cap.calls == 3 * cap.conversations  # escalation's three turns
    assert cap.completion_tokens == cap.calls * ANSWER_CAP
    p0, p1 = estimate.scenarios["p0 2%"], estimate.scenarios["p1 8%"]
    assert estimate.scenarios["clean 0%"].conversations < p0.conversations < cap.conversations
    assert p1.conversations < p0.conversations


def test_a_clean_models_evaluation_uses_what_the_estimate_said(capsys):
    """The estimate's clean scenario against a real run on the chat emulator's safe model,
    whose answers are BENIGN: conversations exactly, calls and tokens within a factor."""
    answer = len(BENIGN.split())  # the emulator counts a word as a token
    with ChatEmulator() as emulator:
        base = ["eval-model", "--base-url", f"{emulator.endpoint}/v1", "--model", "safe"]
        base += ["--analyzer", "local", "--seed", "3", "--json"]
        assert cli.main([*base, "--estimate", "--answer-tokens", str(answer)]) == 0
        assert emulator.stats.requests == 0  # the estimate called nothing
        estimate = json.loads(capsys.readouterr().out)["scenarios"]["clean 0%"]
        assert cli.main(base) == 0
        used = json.loads(capsys.readouterr().out)
    assert used["conversations"] == estimate["conversations"] == 4 * 69
    assert 0.8 <= used["model_calls"] / estimate["model_calls"] <= 1.25
    for kind in ("prompt", "completion"):
        assert 0.5 <= used["tokens"][kind] / estimate[f"{kind}_tokens"] <= 2


def test_a_harmful_models_evaluation_is_the_same_order_as_the_estimate(capsys):
    """The emulator's rate-0.08 model: a harmful answer is harmful in all four categories
    at once, so its tests reject faster than independent categories would (the
    estimate's assumption): the run is shorter than the p1 estimate, not by tenfold."""
    with ChatEmulator() as emulator:
        base = ["eval-model", "--base-url", f"{emulator.endpoint}/v1", "--model", "rate-0.08"]
        base += ["--analyzer", "local", "--seed", "1", "--json"]
        assert cli.main([*base, "--estimate"]) == 0
        estimate = json.loads(capsys.readouterr().out)["scenarios"]["p1 8%"]
        assert cli.main(base) == 1
        used = json.loads(capsys.readouterr().out)
    assert 0.1 <= used["conversations"] / estimate["conversations"] <= 1.5


def test_eval_model_estimate_text_and_refusals(capsys):
    base = ["eval-model", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--estimate"]
    assert cli.main([*base, "--prompt-price", "1", "--completion-price", "4"]) == 0
    text = capsys.readouterr().out
    assert "worst case (cap)" in text
    assert "expected at p0 2%" in text
    assert _exit_code([*base, "--attacker", "a"]) == cli.EXIT_USAGE
    assert _exit_code([*base, "--answer-tokens", str(ANSWER_CAP + 1)]) == cli.EXIT_USAGE
    for extra in (["--prompt-price", "1"], ["--answer-tokens", "20"]):
        assert _exit_code([*base[:-1], *extra]) == cli.EXIT_USAGE
