"""The Azure AI Content Safety analyzer: the production scorer, over the async SDK.

One request per text (per window of a long text), api-version 2024-09-01, eight
severity levels, all four categories; one request per image (image analysis,
four severity levels, all four categories). Throughput is shaped on the client: a
request-rate limit just under the resource's quota and a bound on requests in flight,
so a large file runs at the quota rather than into a storm of 429s. Faults are
retried here, not by azure-core, so that every wait is accounted for: 429 waits
for Retry-After (and pauses every request, since the quota is shared), 5xx and
timeouts back off exponentially with jitter, and nothing outlives the file's
deadline. When retries run out the analyzer raises :class:`AnalyzerError`, so
the verdict is ``error``, never ``passed``.

Error messages carry statuses, error codes and counts; never the text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, Self

import aiohttp
from azure.ai.contentsafety.aio import ContentSafetyClient
from azure.ai.contentsafety.models import (
    AnalyzeImageOptions,
    AnalyzeImageOutputType,
    AnalyzeImageResult,
    AnalyzeTextOptions,
    AnalyzeTextOutputType,
    AnalyzeTextResult,
    ImageData,
)
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from shared import telemetry
from shared.analyzers.base import AnalyzerError, Severities
from shared.closing import AsyncClosing
from shared.imagefetch import fetch_image, origin
from shared.policy import CATEGORIES
from shared.settings import ContentSafetySettings
from shared.throttle import RateLimiter, backoff_delay, retry_after_seconds

API_VERSION: Final = "2024-09-01"
MAX_TEXT_CHARS: Final = 10_000  # the service's limit per request
MAX_IMAGE_BYTES: Final = 4 * 1024 * 1024  # the service's limit per image
WINDOW_OVERLAP: Final = 1_000  # so a phrase cut by one window's edge is whole in the next
_RETRIED_STATUSES: Final = frozenset({408, 500, 502, 503, 504})
_CATEGORY_NAMES: Final = [category.value for category in CATEGORIES]


def windows(text: str, size: int = MAX_TEXT_CHARS, overlap: int = WINDOW_OVERLAP) -> list[str]:
    """Overlapping slices of at most ``size`` characters covering ``text``."""
    if len(text) <= size:
        return [text]
    step = size - overlap
    return [text[start : start + size] for start in range(0, len(text) - overlap, step)]


class ContentSafetyAnalyzer(AsyncClosing):
    """Scores texts with Azure AI Content Safety (``name`` ``contentsafety``)."""

    name = "contentsafety"

    def __init__(
        self,
        settings: ContentSafetySettings,
        *,
        credential: Any = None,
        **client_options: Any,
    ) -> None:
        """``credential`` defaults to the key when set, else DefaultAzureCredential."""
        self._settings = settings
        self._owned_credential = None
        if credential is None and settings.key:
            credential = AzureKeyCredential(settings.key)
        if credential is None:
            from azure.identity.aio import DefaultAzureCredential  # noqa: PLC0415 - only if used

            credential = self._owned_credential = DefaultAzureCredential()
        self._client = ContentSafetyClient(
            settings.endpoint,
            credential,
            api_version=API_VERSION,
            retry_total=0,  # retries are ours: see the module docstring
            **client_options,
        )
        self._images: aiohttp.ClientSession | None = None  # for URL images, made when needed
        self._limiter = RateLimiter(settings.max_rps)
        self._slots = asyncio.Semaphore(settings.max_concurrency)
        self._deadline = time.monotonic() + settings.deadline
        self.requests = 0
        self.throttled = 0
        self.retries = 0

    async def __aenter__(self) -> Self:
        self._deadline = time.monotonic() + self._settings.deadline
        return self

    async def aclose(self) -> None:
        await self._client.close()
        if self._images is not None:
            await self._images.close()
        if self._owned_credential is not None:
            await self._owned_credential.close()

    async def analyze(self, texts: Sequence[str]) -> list[Severities]:
        return list(await asyncio.gather(*(self._score(text) for text in texts)))

    async def analyze_images(self, images: Sequence[bytes]) -> list[Severities]:
        """Image analysis: the same four categories, quota, retries, deadline and
        fail-closed rules as text; the service grades images 0, 2, 4 or 6."""
        return list(await asyncio.gather(*(self._request(self._image_call(i)) for i in images)))

    async def fetch_image(self, url: str) -> bytes | None:
        """A URL image from an origin in IMAGE_URL_ORIGINS (``shared.imagefetch``)."""
        if origin(url) not in self._settings.image_origins:
            return None
        if self._images is None:
            self._images = aiohttp.ClientSession()
        return await fetch_image(self._images, url, self._settings.image_origins, MAX_IMAGE_BYTES)

    async def _score(self, text: str) -> Severities:
        calls = [self._text_call(part) for part in windows(text)]
        results = await asyncio.gather(*(self._request(call) for call in calls))
        return results[0] if len(results) == 1 else Severities(*map(max, *results))

    def _text_call(self, text: str) -> Callable[[], Awaitable[Any]]:
        options = AnalyzeTextOptions(
            text=text,
            categories=_CATEGORY_NAMES,
            output_type=AnalyzeTextOutputType.EIGHT_SEVERITY_LEVELS,
        )
        return lambda: self._client.analyze_text(options)

    def _image_call(self, image: bytes) -> Callable[[], Awaitable[Any]]:
        options = AnalyzeImageOptions(
            image=ImageData(content=image),
            categories=_CATEGORY_NAMES,
            output_type=AnalyzeImageOutputType.FOUR_SEVERITY_LEVELS,
        )
        return lambda: self._client.analyze_image(options)

    async def _request(self, send: Callable[[], Awaitable[Any]]) -> Severities:
        problem = "no attempt made"
        for attempt in range(1, self._settings.max_attempts + 1):
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise AnalyzerError(f"the file's deadline passed; last problem: {problem}")
            async with self._slots:
                await self._limiter.acquire()
                self.requests += 1
                sent = time.monotonic()
                try:
                    async with asyncio.timeout(min(self._settings.request_timeout, remaining)):
                        result = await send()
                    telemetry.analyzer_latency.record(time.monotonic() - sent)
                    telemetry.analyzer_requests.add(1, {"outcome": "ok"})
                    return _severities(result)
                except HttpResponseError as exc:
                    if exc.status_code is None:  # no answer at all: the credential failed
                        raise AnalyzerError(_no_token(exc)) from None
                    status = exc.status_code
                    problem = f"HTTP {status} {_error_code(exc)}".rstrip()
                    if status == 429:
                        self.throttled += 1
                        telemetry.analyzer_requests.add(1, {"outcome": "throttled"})
                        wait = self._retry_after(exc) or self._backoff(attempt)
                        self._limiter.pause(wait)
                    elif status in _RETRIED_STATUSES:
                        wait = self._backoff(attempt)
                    else:
                        raise AnalyzerError(
                            f"Content Safety refused the request: {problem}"
                        ) from None
                except TimeoutError:
                    problem = (
                        f"no answer within {self._settings.request_timeout:g} s (TimeoutError)"
                    )
                    wait = self._backoff(attempt)
                except (ServiceRequestError, ServiceResponseError) as exc:
                    problem = _no_answer(exc)
                    wait = self._backoff(attempt)
            if attempt < self._settings.max_attempts:
                self.retries += 1
                telemetry.analyzer_requests.add(1, {"outcome": "retried"})
                await asyncio.sleep(min(wait, max(0.0, self._deadline - time.monotonic())))
        telemetry.analyzer_requests.add(1, {"outcome": "failed"})
        raise AnalyzerError(
            f"Content Safety failed {self._settings.max_attempts} attempts; last: {problem}"
        )

    @staticmethod
    def _retry_after(exc: HttpResponseError) -> float | None:
        return retry_after_seconds(exc.response.headers) if exc.response is not None else None

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self._settings.backoff_base)


def _severities(result: AnalyzeTextResult | AnalyzeImageResult) -> Severities:
    by_name = {item.category: item.severity for item in result.categories_analysis or []}
    missing = [name for name in _CATEGORY_NAMES if by_name.get(name) is None]
    if missing:
        raise AnalyzerError(f"Content Safety's answer has no severity for {', '.join(missing)}")
    return Severities(*(int(by_name[name]) for name in _CATEGORY_NAMES))


def _no_token(exc: HttpResponseError) -> str:
    """A credential's failure: the service was never asked, so there is no status."""
    return (
        f"Content Safety could not be asked: no Entra ID token ({type(exc).__name__}); "
        "sign in (az login, a managed identity) or set CONTENT_SAFETY_KEY"
    )


def _no_answer(exc: ServiceRequestError | ServiceResponseError) -> str:
    """What kept a request from its answer, by the HTTP library's reason (its class:
    ``ClientConnectorDNSError``, ``ClientConnectorError``, ``ServerDisconnectedError``)."""
    what = "connection failed" if isinstance(exc, ServiceRequestError) else "connection lost"
    reason = type(exc.inner_exception or exc).__name__
    return f"{what} ({reason})"


def _error_code(exc: HttpResponseError) -> str:
    error = getattr(exc, "error", None)
    return str(getattr(error, "code", "") or "")
