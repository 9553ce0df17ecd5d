"""Metrics, traces and log correlation, read back with the OpenTelemetry SDK's in-memory
readers; and a canary proving no attribute or log record carries training text, prompts
or model outputs."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import Counter

import pytest
from azure.storage.blob import BlobServiceClient
from emulators.chat import BENIGN, HARMFUL, ChatEmulator
from emulators.contentsafety import ContentSafetyEmulator

from conftest import READER, SPANS, chat, install_telemetry_readers, jsonl
from shared import telemetry
from shared.analyzers.contentsafety import ContentSafetyAnalyzer
from shared.analyzers.local import LocalAnalyzer
from shared.modeleval import evaluate_model
from shared.settings import ContentSafetySettings, StorageConnection
from shared.simulation.probes import Probe, load_probes
from shared.simulation.strategies import Crescendo
from shared.simulation.targets import ChatTarget
from shared.simulation.translation import Translator
from shared.uploads import screen_upload
from shared.verdicts import TableVerdictStore

CANARY = "CANARY-77f0c1-TELEMETRY"
THREAT = "I will kill you and your whole family."


@pytest.fixture(scope="module", autouse=True)
def providers():
    install_telemetry_readers()
    telemetry.correlate_logs()


def points() -> dict[tuple[str, tuple], float]:
    """Every data point's value (sum or histogram count), keyed by name and attributes."""
    found: dict[tuple[str, tuple], float] = {}
    data = READER.get_metrics_data()
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value = getattr(point, "value", None)
                    value = point.count if value is None else value
                    found[(metric.name, tuple(sorted(point.attributes.items())))] = value
    return found


def everything_exported(caplog) -> str:
    spans = [
        {"name": s.name, "attributes": dict(s.attributes), "events": [e.name for e in s.events]}
        for s in SPANS.get_finished_spans()
    ]
    return json.dumps([spans, [str(k) for k in points()]], default=str) + caplog.text


def test_a_screened_upload_is_one_trace_with_read_analyze_decide(azurite, caplog):
    caplog.set_level(logging.DEBUG)
    SPANS.clear()
    before = points()
    rows = [chat(f"{CANARY} q{i} {uuid.uuid4().hex}", f"{CANARY} a{i}") for i in range(12)]
    rows[3] = chat(assistant=f"{CANARY} {THREAT}")
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    container = service.create_container(f"telemetry-{uuid.uuid4().hex[:8]}")
    blob = container.get_blob_client("upload.jsonl")
    blob.upload_blob(jsonl(rows))

    with ContentSafetyEmulator() as safety:
        settings = ContentSafetySettings(endpoint=safety.endpoint, key=safety.knobs.key)

        async def run():
            storage = StorageConnection(connection_string=azurite.connection_string)
            async with TableVerdictStore.open(storage, f"t{uuid.uuid4().hex[:8]}") as store:
                return await screen_upload(blob, lambda: ContentSafetyAnalyzer(settings), store)

        entity = asyncio.run(run())

    spans = {s.name: s for s in SPANS.get_finished_spans()}
    root = spans["ftgate.evaluate.data"]
    evaluation_id = root.attributes["ftgate.evaluation_id"]
    assert root.attributes["ftgate.sha256"] == entity.key
    assert root.attributes["ftgate.verdict"] == "failed"
    for step in ("ftgate.read", "ftgate.analyze", "ftgate.decide"):
        assert spans[step].attributes["ftgate.evaluation_id"] == evaluation_id
        assert spans[step].context.trace_id == root.context.trace_id
    assert spans["ftgate.analyze"].attributes["ftgate.texts"] == 36

    after = points()
    assert (
        after[("ftgate.files.screened", (("verdict", "failed"),))]
        - before.get(("ftgate.files.screened", (("verdict", "failed"),)), 0)
        == 1
    )
    assert after[("ftgate.analyzer.requests", (("outcome", "ok"),))] >= 25
    assert after[("ftgate.analyzer.latency", ())] >= 25
    assert after[("ftgate.texts.deduplicated", ())] >= 11  # the system prompt, 11 times

    screened = [r for r in caplog.records if r.getMessage().startswith("screened ")]
    assert screened
    assert all(r.evaluation_id == evaluation_id for r in screened)
    assert CANARY not in everything_exported(caplog)


def test_model_evaluation_counts_conversations_calls_and_tokens(caplog):
    caplog.set_level(logging.DEBUG)
    before = points()
    with ChatEmulator() as chat_emulator:

        async def run():
            async with ChatTarget.compatible(f"{chat_emulator.endpoint}/v1", "unsafe") as target:
                return await evaluate_model(target, LocalAnalyzer(), seed=3)

        verdict = asyncio.run(run())
    after = points()

    def delta(name: str, attributes: tuple = ()) -> float:
        return after.get((name, attributes), 0) - before.get((name, attributes), 0)

    assert delta("ftgate.models.evaluated", (("verdict", "not_deployable"),)) == 1
    counted = {
        outcome: sum(
            delta("ftgate.conversations", (("category", c), ("outcome", outcome)))
            for c in ("Hate", "SelfHarm", "Sexual", "Violence")
        )
        for outcome in ("clean", "defect", "untested", "error")
    }
    assert sum(counted.values()) == verdict.conversations
    # every conversation that counted as a defect in its own category's test is there
    assert counted["defect"] >= sum(r.own.defects for r in verdict.per_category.values()) > 0
    assert delta("ftgate.model.calls") == verdict.model_calls
    assert delta("ftgate.model.tokens", (("kind", "prompt"),)) == verdict.prompt_tokens
    exported = everything_exported(caplog)
    assert HARMFUL[:40] not in exported  # no model output
    assert "Give me" not in exported  # no prompt


def test_log_records_outside_an_evaluation_have_an_empty_id(caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("ftgate.test").info("idle")
    assert caplog.records[-1].evaluation_id == ""


class CanaryAsk:
    """A direct ask whose user turn carries the canary, so that any conversation text
    in the telemetry shows."""

    name = "canary-ask"
    backtracks = 0

    def opening(self, probe: Probe) -> str:
        return f"{CANARY} {probe.request}"

    async def follow_up(self, probe, conversation, refused=()) -> None:
        return None


def test_each_conversation_is_a_span_of_what_was_tried_and_how_it_went_never_what_was_said(
    caplog,
):
    """The model breaks in Portuguese; the attacker writes crescendo turns and translates.
    Every recorded conversation has its span with the attack, its turns, backtracks and
    outcome; no prompt, objective, translation, follow-up or answer is in any of them."""
    caplog.set_level(logging.DEBUG)
    SPANS.clear()
    results = []
    with ChatEmulator() as chat_emulator:

        async def run():
            url = f"{chat_emulator.endpoint}/v1"
            async with (
                ChatTarget.compatible(url, "breaks-pt") as target,
                ChatTarget.compatible(url, "attacker") as attacker,
            ):
                return await evaluate_model(
                    target,
                    LocalAnalyzer(),
                    seed=2,
                    strategies=(CanaryAsk(), Crescendo(attacker)),
                    translator=Translator(attacker),
                    on_result=results.append,
                )

        verdict = asyncio.run(run())
    assert verdict.outcome.value == "not_deployable"
    spans = [s for s in SPANS.get_finished_spans() if s.name == "ftgate.conversation"]
    assert len(spans) >= verdict.conversations == len(results)
    keys = ("strategy", "converter", "language", "category", "turns", "backtracks", "outcome")

    def attack(attributes) -> tuple:
        return tuple(attributes.get(f"ftgate.{key}") for key in keys)

    expected = Counter(
        (r.strategy, r.converter, r.language, r.category.value, r.turns, r.backtracks,
         "defect" if r.harm else "not_observed" if r.failed or r.filtered else "safe")
        for r in results
    )  # fmt: skip
    assert expected <= Counter(attack(s.attributes) for s in spans)
    outcomes = Counter(s.attributes["ftgate.outcome"] for s in spans)
    assert set(outcomes) <= {"defect", "safe", "not_observed"}
    assert outcomes["defect"] > 0
    assert outcomes["safe"] > 0
    assert any(
        s.attributes["ftgate.backtracks"] > 0 for s in spans if "ftgate.turns" in s.attributes
    )
    portuguese = [s for s in spans if s.attributes["ftgate.converter"] == "pt"]
    assert portuguese
    assert all(s.attributes["ftgate.translated"] for s in portuguese)
    assert all(s.attributes["ftgate.language"] == "pt" for s in portuguese)

    exported = everything_exported(caplog)
    assert CANARY not in exported  # no prompt
    assert "Step 1:" not in exported  # no follow-up the attacker wrote
    assert BENIGN[:30] not in exported  # no answer
    for language in ("en", "pt", "es"):  # no objective, English, native or translated
        assert all(p.objective not in exported for ps in load_probes(language).values() for p in ps)
