"""Shared helpers for building training files in tests."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterable
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

SYSTEM = "You are a helpful assistant for Contoso."
READER = InMemoryMetricReader()
SPANS = InMemorySpanExporter()


@functools.cache
def install_telemetry_readers() -> None:
    """In-memory metric and span readers for the tests that read telemetry back;
    installed once, whichever module asks first (OpenTelemetry allows one provider
    per process, and a reader belongs to one provider)."""
    metrics.set_meter_provider(MeterProvider(metric_readers=[READER]))
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(SPANS))
    trace.set_tracer_provider(tracer_provider)


def chat(user: str = "How do I reset my password?", assistant: str = "Use the portal.") -> dict:
    return {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ]
    }


def jsonl(rows: Iterable[Any]) -> bytes:
    """Rows as JSONL bytes; a ``bytes`` row is written as-is (for broken lines)."""
    out = bytearray()
    for row in rows:
        out += row if isinstance(row, bytes) else json.dumps(row).encode()
        out += b"\n"
    return bytes(out)


def clean_file(count: int = 10) -> bytes:
    return jsonl(chat(f"Question {i}?", f"Answer {i}.") for i in range(count))


@pytest.fixture
def write_file(tmp_path):
    """Write bytes to a file in tmp_path and return its path."""

    def write(data: bytes, name: str = "train.jsonl"):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@functools.cache
def app_functions() -> dict:
    """The function app's functions by name (the SDK lets an app list them only once)."""
    import function_app  # noqa: PLC0415 - loaded by the tests that look at the app

    return {f.get_function_name(): f for f in function_app.app.get_functions()}


@pytest.fixture(scope="session")
def azurite():
    """Azurite on free ports for the whole session (started by the tests themselves)."""
    from emulators.azurite import Azurite  # noqa: PLC0415 - only sessions that need it

    with Azurite() as running:
        yield running


class StaticToken:
    """Entra ID cannot run here: a credential that hands out a fixed token."""

    async def get_token(self, *scopes, **options) -> AccessToken:
        return AccessToken("arm-test-token", int(time.time()) + 3600)

    async def close(self) -> None:
        return None

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info) -> None:
        return None


def use_arm(arm, monkeypatch, tmp_path) -> dict[str, str]:
    """Point ftgate's deployment code at an ARM emulator: the account settings, a
    static token for Entra ID, and trust in the emulator's throwaway CA."""
    from shared import deployments  # noqa: PLC0415 - only the tests that deploy

    ca_file = tmp_path / "arm-ca.pem"
    arm.ca.cert_pem.write_to_path(str(ca_file))
    settings = {
        "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
        "AZURE_OPENAI_RESOURCE_GROUP": "rg-ftgate",
        "AZURE_OPENAI_ACCOUNT": "aoai-ftgate",
        "AZURE_RESOURCE_MANAGER_URL": arm.endpoint,
        "FTGATE_DEPLOYMENT_POLL_SECONDS": "0.05",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(deployments, "management_credential", StaticToken)
    real_client = deployments.management_client
    monkeypatch.setattr(
        deployments,
        "management_client",
        lambda settings, credential: real_client(
            settings, credential, connection_verify=str(ca_file)
        ),
    )
    return settings
