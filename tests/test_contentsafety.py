"""The Content Safety analyzer through the real SDK, over HTTP, against the local emulator."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque

import aiohttp
import pytest
from azure.core.exceptions import ClientAuthenticationError
from emulators.contentsafety import MAX_TEXT_CHARS, ContentSafetyEmulator

from conftest import chat, clean_file, jsonl
from shared import cli
from shared.analyzers import AnalyzerError
from shared.analyzers.contentsafety import ContentSafetyAnalyzer, windows
from shared.analyzers.local import score
from shared.policy import Category
from shared.screening import Outcome, ScreeningLimits, screen
from shared.settings import ContentSafetySettings, SettingsError

CANARY = "CANARY-9c2e41-NOT-IN-ERRORS"
THREAT = "I will kill you and your whole family."
TEXTS = ["hello there", THREAT, "kill the process", "You should just kill yourself."]


@pytest.fixture
def emulator():
    with ContentSafetyEmulator() as running:
        yield running


def settings_for(emulator: ContentSafetyEmulator, **overrides) -> ContentSafetySettings:
    options = {"key": emulator.knobs.key, "backoff_base": 0.01, "max_attempts": 4}
    return ContentSafetySettings(endpoint=emulator.endpoint, **options | overrides)


def analyze(settings: ContentSafetySettings, texts: list[str]):
    async def run():
        async with ContentSafetyAnalyzer(settings) as analyzer:
            return await analyzer.analyze(texts), analyzer

    return asyncio.run(run())


def test_scores_come_back_per_text_in_order(emulator):
    results, analyzer = analyze(settings_for(emulator), TEXTS)
    assert results == [score(text) for text in TEXTS]
    assert results[1].of(Category.VIOLENCE) >= 4
    assert emulator.stats.api_versions == {"2024-09-01": len(TEXTS)}
    assert analyzer.requests == len(TEXTS)


def test_a_wrong_key_is_an_error_without_retries(emulator):
    with pytest.raises(AnalyzerError, match="HTTP 401") as raised:
        analyze(settings_for(emulator, key="wrong"), [CANARY])
    assert emulator.stats.requests == 1
    assert CANARY not in str(raised.value)


def test_429_waits_for_retry_after_and_then_succeeds(emulator):
    emulator.knobs.quota_rps = 5
    started = time.monotonic()
    results, analyzer = analyze(settings_for(emulator, max_rps=50, max_attempts=6), TEXTS * 3)
    assert results == [score(text) for text in TEXTS * 3]
    assert analyzer.throttled > 0
    assert emulator.stats.statuses[429] == analyzer.throttled
    assert time.monotonic() - started >= 1.0  # Retry-After: 1 was honoured


def test_5xx_is_retried_with_backoff(emulator):
    emulator.knobs.fail_next = deque([503, 500])
    results, analyzer = analyze(settings_for(emulator), [THREAT])
    assert results == [score(THREAT)]
    assert analyzer.retries == 2
    assert emulator.stats.statuses == {503: 1, 500: 1, 200: 1}


def test_persistent_outage_gives_up_with_an_error(emulator):
    emulator.knobs.fail_every = 1
    with pytest.raises(AnalyzerError, match="failed 3 attempts; last: HTTP 503") as raised:
        analyze(settings_for(emulator, max_attempts=3), [CANARY])
    assert emulator.stats.requests == 3
    assert CANARY not in str(raised.value)


def test_a_hung_service_times_out_and_is_retried(emulator):
    emulator.knobs.hang_seconds = 5
    started = time.monotonic()
    with pytest.raises(AnalyzerError, match="TimeoutError"):
        analyze(settings_for(emulator, request_timeout=0.3, max_attempts=2), [CANARY])
    assert time.monotonic() - started < 3
    assert emulator.stats.requests == 2


def test_the_file_deadline_bounds_all_retries(emulator):
    emulator.knobs.hang_seconds = 5
    started = time.monotonic()
    with pytest.raises(AnalyzerError, match="deadline"):
        analyze(settings_for(emulator, request_timeout=0.2, max_attempts=50, deadline=0.7), ["x"])
    assert time.monotonic() - started < 2.5


def test_a_missing_category_is_an_error_not_a_zero(emulator):
    emulator.knobs.drop_category = "SelfHarm"
    with pytest.raises(AnalyzerError, match="no severity for SelfHarm"):
        analyze(settings_for(emulator), ["hello"])


def test_long_texts_are_split_into_overlapping_windows(emulator):
    text = "Ordinary words about the weather. " * 900 + THREAT  # ~31,000 characters
    results, analyzer = analyze(settings_for(emulator), [text])
    assert results[0].of(Category.VIOLENCE) >= 4
    assert analyzer.requests == len(windows(text)) == 4
    assert emulator.stats.statuses == {200: 4}  # every window within the service's limit


def test_windows_cover_the_text_and_overlap():
    text = "".join(chr(ord("a") + i % 26) for i in range(25_000))
    parts = windows(text)
    assert all(len(part) <= MAX_TEXT_CHARS for part in parts)
    assert parts[0] == text[:10_000]
    assert parts[-1].endswith(text[-100:])
    assert parts[1].startswith(text[9_000:9_100])  # 1,000 characters shared
    assert windows("short") == ["short"]


def test_request_rate_stays_at_the_configured_limit(emulator):
    started = time.monotonic()
    analyze(settings_for(emulator, max_rps=20), ["hello"] * 30)
    assert time.monotonic() - started >= 29 / 20 * 0.95
    assert emulator.stats.statuses == {200: 30}


def test_screening_a_file_through_content_safety(emulator):
    rows = [chat() for _ in range(12)]
    rows[5] = chat(assistant=THREAT)

    async def run(data: bytes):
        async with ContentSafetyAnalyzer(settings_for(emulator)) as analyzer:
            return await screen([data], analyzer, limits=ScreeningLimits(batch_texts=8))

    failed = asyncio.run(run(jsonl(rows)))
    assert failed.verdict is Outcome.FAILED
    assert failed.analyzer == "contentsafety"
    assert [(f.line, f.category) for f in failed.findings] == [(6, Category.VIOLENCE)]
    assert asyncio.run(run(clean_file())).verdict is Outcome.PASSED
    emulator.knobs.fail_every = 1
    outage = asyncio.run(run(clean_file()))
    assert outage.verdict is Outcome.ERROR
    assert "503" in outage.message


def test_cli_uses_content_safety_when_an_endpoint_is_set(emulator, write_file, capsys, monkeypatch):
    monkeypatch.setenv("CONTENT_SAFETY_ENDPOINT", emulator.endpoint)
    monkeypatch.setenv("CONTENT_SAFETY_KEY", emulator.knobs.key)
    code = cli.main(["scan-data", str(write_file(jsonl([chat(assistant=THREAT)] * 10))), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["analyzer"] == "contentsafety"
    assert emulator.stats.requests == 3  # system, user and assistant texts, de-duplicated


def test_cli_without_an_endpoint_says_what_to_set(write_file, capsys, monkeypatch):
    monkeypatch.delenv("CONTENT_SAFETY_ENDPOINT", raising=False)
    code = cli.main(["scan-data", str(write_file(clean_file())), "--analyzer", "contentsafety"])
    assert code == cli.EXIT_USAGE
    assert "CONTENT_SAFETY_ENDPOINT is not set" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CONTENT_SAFETY_ENDPOINT", "ftp://x", "must be an http"),
        ("CONTENT_SAFETY_MAX_RPS", "fast", "must be a number"),
        ("CONTENT_SAFETY_MAX_RPS", "0", "from 1 to 10000"),
        ("CONTENT_SAFETY_MAX_RPS", "0.0001", "from 1 to 10000"),
        ("CONTENT_SAFETY_MAX_RPS", "inf", "from 1 to 10000"),
        ("CONTENT_SAFETY_MAX_RPS", "nan", "from 1 to 10000"),
        ("CONTENT_SAFETY_MAX_CONCURRENCY", "inf", "whole number from 1 to 1024"),
        ("CONTENT_SAFETY_MAX_CONCURRENCY", "0.5", "whole number from 1 to 1024"),
        ("CONTENT_SAFETY_MAX_CONCURRENCY", "2.5", "whole number from 1 to 1024"),
        ("CONTENT_SAFETY_DEADLINE_SECONDS", "nan", "from 1 to 604800"),
        ("CONTENT_SAFETY_DEADLINE_SECONDS", "-5", "from 1 to 604800"),
    ],
)
def test_malformed_settings_are_named(name, value, message):
    environ = {"CONTENT_SAFETY_ENDPOINT": "https://x.cognitiveservices.azure.com", name: value}
    with pytest.raises(SettingsError, match=message) as raised:
        ContentSafetySettings.from_environment(environ)
    assert name in str(raised.value) or "ENDPOINT" in name


def test_a_keyless_http_endpoint_says_the_sdk_refuses_bearer_tokens_over_http():
    environ = {"CONTENT_SAFETY_ENDPOINT": "http://127.0.0.1:5000"}
    with pytest.raises(SettingsError, match="refuses to send an Entra ID bearer token") as raised:
        ContentSafetySettings.from_environment(environ)
    assert "use the https endpoint, or set CONTENT_SAFETY_KEY" in str(raised.value)
    keyed = ContentSafetySettings.from_environment({**environ, "CONTENT_SAFETY_KEY": "k"})
    assert keyed.endpoint == "http://127.0.0.1:5000"


def test_an_unreachable_endpoint_names_the_failed_connection_and_its_reason():
    with ContentSafetyEmulator() as gone:
        endpoint = gone.endpoint  # a port nothing listens on once the emulator is gone
    settings = ContentSafetySettings(endpoint, key="k", backoff_base=0.01, max_attempts=2)
    with pytest.raises(AnalyzerError) as raised:
        analyze(settings, [CANARY])
    assert str(raised.value) == (
        "Content Safety failed 2 attempts; last: connection failed (ClientConnectorError)"
    )


class _NoToken:
    """A credential with nothing to sign in with, as DefaultAzureCredential on a laptop."""

    async def get_token(self, *scopes, **options):
        raise ClientAuthenticationError("no credential available")

    get_token_info = get_token

    async def close(self) -> None:
        return None


def test_a_credential_that_fails_says_so_not_http_0():
    settings = ContentSafetySettings("https://127.0.0.1:9", backoff_base=0.01)

    async def run() -> None:
        async with ContentSafetyAnalyzer(settings, credential=_NoToken()) as analyzer:
            await analyzer.analyze([CANARY])

    with pytest.raises(AnalyzerError) as raised:
        asyncio.run(run())
    assert "no Entra ID token (ClientAuthenticationError)" in str(raised.value)
    assert "HTTP 0" not in str(raised.value)


def test_the_emulator_accepts_a_bearer_token_and_rejects_no_auth(emulator):
    """Managed identity sends a bearer token; the SDK sends it only over TLS, so this is
    checked with a plain HTTP client."""

    async def post(headers: dict) -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{emulator.endpoint}/contentsafety/text:analyze?api-version=2024-09-01",
                json={"text": "hello", "outputType": "EightSeverityLevels"},
                headers=headers,
            ) as response,
        ):
            return response.status

    assert asyncio.run(post({"Authorization": "Bearer eyJ0eXAi.token"})) == 200
    assert asyncio.run(post({})) == 401
