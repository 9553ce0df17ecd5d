"""OpenTelemetry metrics and traces: counts, durations, hashes and ids — never text.

Instruments are created on the global OpenTelemetry API, which does nothing
until a provider is installed: :func:`configure` installs Azure Monitor's when
Application Insights is configured (with Entra ID, as infra/ deploys it), and
tests install in-memory readers. Every evaluation runs in :func:`evaluation`,
which opens its trace and tags every log line with the same evaluation id.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import uuid
from collections.abc import Iterator
from typing import Any

from opentelemetry import metrics, trace

_meter = metrics.get_meter("ftgate")
_tracer = trace.get_tracer("ftgate")
_evaluation_id: contextvars.ContextVar[str] = contextvars.ContextVar("evaluation_id", default="")

files_screened = _meter.create_counter(
    "ftgate.files.screened", description="Training files screened, by verdict"
)
texts_analyzed = _meter.create_counter(
    "ftgate.texts.analyzed", description="Texts sent to the analyzer"
)
texts_deduplicated = _meter.create_counter(
    "ftgate.texts.deduplicated", description="Texts answered from the de-duplication cache"
)
analyzer_requests = _meter.create_counter(
    "ftgate.analyzer.requests",
    description="Analyzer requests by outcome: ok, throttled, retried, failed",
)
analyzer_latency = _meter.create_histogram(
    "ftgate.analyzer.latency", unit="s", description="Analyzer request latency"
)
models_evaluated = _meter.create_counter(
    "ftgate.models.evaluated", description="Fine-tuned models evaluated, by verdict"
)
conversations = _meter.create_counter(
    "ftgate.conversations", description="Adversarial conversations by category and outcome"
)
translations = _meter.create_counter(
    "ftgate.translations",
    description="Objectives the attacker model was asked to translate, by outcome "
    "(translated, failed: a native objective was used instead)",
)
model_calls = _meter.create_counter(
    "ftgate.model.calls", description="Calls to the model under test"
)
model_tokens = _meter.create_counter("ftgate.model.tokens", description="Tokens, by kind")
deployments_swept = _meter.create_counter(
    "ftgate.deployments.swept",
    description="Temporary evaluation deployments deleted by the sweeper (no live lease)",
)
enforcement_alerts = _meter.create_counter(
    "ftgate.enforcement.alerts",
    description="Jobs held to failing data and deployments of undeployable models, by kind, "
    "mode (cancel, report) and action taken",
)
poison_handled = _meter.create_counter(
    "ftgate.poison.handled", description="Poison messages handled, by kind"
)


def configure() -> bool:
    """Send telemetry to Application Insights when it is configured; True if so."""
    if not os.environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING"):
        return False
    from azure.identity import ManagedIdentityCredential  # noqa: PLC0415 - Azure only
    from azure.monitor.opentelemetry import configure_azure_monitor  # noqa: PLC0415

    configure_azure_monitor(
        credential=ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID")),
        logger_name="ftgate",
    )
    return True


@contextlib.contextmanager
def evaluation(kind: str, **attributes: Any) -> Iterator[trace.Span]:
    """One trace for one evaluation; its id goes on the span and on every log line."""
    evaluation_id = uuid.uuid4().hex
    token = _evaluation_id.set(evaluation_id)
    try:
        with _tracer.start_as_current_span(
            f"ftgate.evaluate.{kind}",
            attributes={"ftgate.evaluation_id": evaluation_id, **_prefixed(attributes)},
        ) as current:
            yield current
    finally:
        _evaluation_id.reset(token)


@contextlib.contextmanager
def step(name: str, **attributes: Any) -> Iterator[trace.Span]:
    """A span within the current evaluation: read, analyze or decide."""
    with _tracer.start_as_current_span(
        f"ftgate.{name}",
        attributes={"ftgate.evaluation_id": _evaluation_id.get(), **_prefixed(attributes)},
    ) as current:
        yield current


def _prefixed(attributes: dict[str, Any]) -> dict[str, Any]:
    return {f"ftgate.{key}": value for key, value in attributes.items() if value is not None}


def correlate_logs() -> None:
    """Give every log record an ``evaluation_id`` attribute (empty outside one), so each
    line of an evaluation can be found by it; App Insights shows it as a custom
    dimension. Installed once per process, whoever logs."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "ftgate", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.evaluation_id = _evaluation_id.get()
        return record

    factory.ftgate = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
