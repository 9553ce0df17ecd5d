"""The model under test (or an attacker model), reached through the openai SDK (async).

Azure OpenAI deployments authenticate with Entra ID (a bearer-token provider from
azure-identity) unless AZURE_OPENAI_API_KEY opts into a key; any OpenAI-compatible
server takes a base URL and an optional OPENAI_API_KEY.

Azure's content filter is an outcome, not a failure: a 400 with code
``content_filter`` and a completion stopped with ``finish_reason``
``content_filter`` both come back as a blocked :class:`Reply` with the filter's
categories. Calls can be paced under the deployment's requests-per-minute
quota; 429s wait for Retry-After; 5xx and timeouts retry with backoff;
what still fails raises :class:`TargetError`, whose message carries statuses and
codes, never prompts or outputs.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any, Final, Protocol, Self

import openai

from shared.closing import AsyncClosing
from shared.throttle import RateLimiter, backoff_delay, retry_after_seconds

AZURE_API_VERSION: Final = "2024-10-21"
_COGNITIVE_SCOPE: Final = "https://cognitiveservices.azure.com/.default"


class TargetError(Exception):
    """The model could not be reached or refused the request itself (not a filter block)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One assistant turn: its text, or the content filter's block."""

    text: str
    blocked: bool = False
    filter_categories: tuple[str, ...] = ()
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Target(Protocol):
    """Something that answers a conversation with the next assistant turn."""

    name: str
    calls: int

    async def reply(self, messages: list[dict[str, str]]) -> Reply: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...


class ChatTarget(AsyncClosing):
    """A chat-completions model: an Azure OpenAI deployment or an OpenAI-compatible server."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        *,
        max_attempts: int = 5,
        timeout: float = 60.0,
        backoff_base: float = 0.5,
        max_tokens: int = 400,
        temperature: float = 0.7,
        max_rpm: float | None = None,
    ) -> None:
        """``max_rpm``: the deployment's requests-per-minute quota, to pace calls under it."""
        self._client = client
        self.name = model
        self._max_attempts = max_attempts
        self._timeout = timeout
        self._backoff_base = backoff_base
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._limiter = RateLimiter(max_rpm, per=60.0) if max_rpm else None
        self.calls = 0

    @classmethod
    def azure(cls, endpoint: str, deployment: str, **options: Any) -> ChatTarget:
        """An Azure OpenAI deployment; Entra ID unless AZURE_OPENAI_API_KEY is set."""
        return cls(azure_openai_client(endpoint), deployment, **options)

    @classmethod
    def compatible(cls, base_url: str, model: str, **options: Any) -> ChatTarget:
        """Any OpenAI-compatible server; OPENAI_API_KEY if it wants one."""
        client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=os.environ.get("OPENAI_API_KEY") or "unused",
            max_retries=0,
        )
        return cls(client, model, **options)

    async def aclose(self) -> None:
        await self._client.close()

    async def reply(self, messages: list[dict[str, str]]) -> Reply:
        problem = "no attempt made"
        for attempt in range(1, self._max_attempts + 1):
            wait = backoff_delay(attempt, self._backoff_base)
            try:
                return _reply(await self._create(messages))
            except openai.BadRequestError as exc:
                if _error_code(exc) == "content_filter":
                    return Reply("", blocked=True, filter_categories=_filtered(exc.body))
                raise TargetError(
                    f"the model refused the request: HTTP 400 {_error_code(exc)}"
                ) from None
            except openai.RateLimitError as exc:
                problem = "HTTP 429"
                wait = retry_after_seconds(exc.response.headers) or wait
                if self._limiter is not None:
                    self._limiter.pause(wait)
            except openai.APIStatusError as exc:
                problem = f"HTTP {exc.status_code} {_error_code(exc)}".rstrip()
                if exc.status_code < 500 and exc.status_code != 408:
                    raise TargetError(
                        f"the model's service refused the request: {problem}"
                    ) from None
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                problem = type(exc).__name__
            if attempt < self._max_attempts:
                await asyncio.sleep(wait)
        raise TargetError(f"the model failed {self._max_attempts} attempts; last: {problem}")

    async def _create(self, messages: list[dict[str, str]]) -> Any:
        if self._limiter is not None:
            await self._limiter.acquire()
        # Counted when sent: a call cancelled in flight (its category had decided)
        # may still have reached the model and cost tokens.
        self.calls += 1
        return await self._client.chat.completions.create(
            model=self.name,
            messages=messages,  # type: ignore[arg-type]
            max_tokens=self._max_tokens,
            temperature=self._temperature,
            timeout=self._timeout,
        )


def azure_openai_client(endpoint: str) -> openai.AsyncAzureOpenAI:
    """An Azure OpenAI client: Entra ID (managed identity in Azure) unless
    AZURE_OPENAI_API_KEY opts into a key. Retries are the caller's."""
    key = os.environ.get("AZURE_OPENAI_API_KEY")
    auth: dict[str, Any] = {"api_key": key}
    if not key:
        from azure.identity.aio import (  # noqa: PLC0415 - only for Entra ID
            DefaultAzureCredential,
            get_bearer_token_provider,
        )

        provider = get_bearer_token_provider(DefaultAzureCredential(), _COGNITIVE_SCOPE)
        auth = {"azure_ad_token_provider": provider}
    return openai.AsyncAzureOpenAI(
        azure_endpoint=endpoint, api_version=AZURE_API_VERSION, max_retries=0, **auth
    )


def _reply(completion: Any) -> Reply:
    usage = completion.usage
    tokens = {
        "prompt_tokens": usage.prompt_tokens if usage else 0,
        "completion_tokens": usage.completion_tokens if usage else 0,
    }
    choice = completion.choices[0]
    if choice.finish_reason == "content_filter":
        extra = getattr(choice, "model_extra", None) or {}
        return Reply(
            "",
            blocked=True,
            filter_categories=_filtered(extra.get("content_filter_results")),
            **tokens,
        )
    return Reply(choice.message.content or "", **tokens)


def _error_code(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    return str((error or {}).get("code") or getattr(exc, "code", "") or "")


def _filtered(source: Any) -> tuple[str, ...]:
    """The filtered categories of an Azure content-filter result, wherever it sits."""
    if isinstance(source, dict):
        error = source.get("error", source)
        result = (
            (error.get("innererror") or {}).get("content_filter_result")
            or error.get("content_filter_result")
            or error
        )
        if isinstance(result, dict):
            return tuple(
                sorted(
                    name
                    for name, value in result.items()
                    if isinstance(value, dict) and value.get("filtered")
                )
            )
    return ()
