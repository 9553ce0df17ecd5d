"""The model under test (or an attacker model), reached through the openai SDK (async).

Azure OpenAI deployments authenticate with Entra ID (a bearer-token provider from
azure-identity) unless AZURE_OPENAI_API_KEY opts into a key; any OpenAI-compatible
server takes a base URL and an optional OPENAI_API_KEY.

Azure's content filter is an outcome, not a failure, and it never stands in for
the model: a 400 with code ``content_filter`` (the input filter or the prompt
shield refused the prompt, so the model never saw it) comes back as a
:class:`Reply` filtered ``"prompt"``; a completion stopped with
``finish_reason`` ``content_filter`` (the model wrote it, the filter hid it) as
one filtered ``"output"``. Both carry the filter's categories, and every reply
carries the severities the filter's annotations give the output, so that the
caller can count what the filter saw against the model. Calls can be paced
under the deployment's requests-per-minute quota; 429s wait for Retry-After;
5xx and timeouts retry with backoff; what still fails raises
:class:`TargetError`, whose message carries statuses and codes, never prompts
or outputs.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol, Self

import openai

from shared.analyzers.base import SAFE, Severities
from shared.closing import AsyncClosing
from shared.errors import FtgateError
from shared.policy import MAX_ANSWER_TOKENS, Category
from shared.throttle import RateLimiter, backoff_delay, retry_after_seconds

AZURE_API_VERSION: Final = "2024-10-21"
_COGNITIVE_SCOPE: Final = "https://cognitiveservices.azure.com/.default"
# Connection attempts that may fail, while none has ever been answered, before the
# endpoint is taken for wrong or down: a closed port once cost ~870 calls and 81 s.
MAX_UNANSWERED_CONNECTIONS: Final = 20


class TargetError(FtgateError):
    """The model could not be reached or refused the request itself (not a filter block)."""


class TargetUnreachable(TargetError):
    """The endpoint never answered: every call so far failed to connect, so no call
    made now would fare better and the evaluation should stop."""


# Azure's annotation levels on the 0-7 scale: "medium" is where a defect starts.
_LEVELS: Final = {"safe": 0, "low": 2, "medium": 4, "high": 6}
_FILTER_NAMES: Final = {
    "hate": Category.HATE,
    "self_harm": Category.SELF_HARM,
    "sexual": Category.SEXUAL,
    "violence": Category.VIOLENCE,
}

Filtered = Literal["prompt", "output"]


@dataclass(frozen=True, slots=True)
class Reply:
    """One assistant turn: its text, or what the content filter did instead.

    ``filtered`` is ``"prompt"`` when the input filter refused the request (the
    model never saw it) and ``"output"`` when the model answered and the filter
    withheld the answer. ``annotated`` holds the severities the filter's
    annotations give the output (zero where it gave none); ``filter_categories``
    names what the filter blocked, prompt shields included.
    """

    text: str
    filtered: Filtered | None = None
    filter_categories: tuple[str, ...] = ()
    annotated: Severities = SAFE
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
        max_tokens: int = MAX_ANSWER_TOKENS,
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
        self._answered = False  # whether the endpoint has ever answered, even with an error
        self._failed_connections = 0
        self._connection_problem = ""  # the SDK's reason for the last failed connection
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
                    return Reply("", "prompt", _filtered(_filter_result(exc.body)))
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
        self._refuse_if_unreachable()
        if self._limiter is not None:
            await self._limiter.acquire()
        # Counted when sent: a call cancelled in flight (its category had decided)
        # may still have reached the model and cost tokens.
        self.calls += 1
        try:
            completion = await self._client.chat.completions.create(
                model=self.name,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=self._max_tokens,
                temperature=self._temperature,
                timeout=self._timeout,
            )
        except openai.APIConnectionError as exc:  # timeouts included: nothing answered
            self._failed_connections += 1
            self._connection_problem = type(exc).__name__
            raise
        except openai.APIStatusError:
            self._answered = True  # a refusal is an answer: the endpoint is there
            raise
        self._answered = True
        return completion

    def _refuse_if_unreachable(self) -> None:
        """Raise :class:`TargetUnreachable` once :data:`MAX_UNANSWERED_CONNECTIONS`
        calls failed to connect and none was ever answered."""
        if not self._answered and self._failed_connections >= MAX_UNANSWERED_CONNECTIONS:
            raise TargetUnreachable(
                f"{self.name} could not be reached: {self._failed_connections} calls "
                f"failed to connect ({self._connection_problem}) and none was answered"
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
    extra = getattr(choice, "model_extra", None) or {}
    results = extra.get("content_filter_results")
    annotated = _annotated(results)
    if choice.finish_reason == "content_filter":
        return Reply("", "output", _filtered(results), annotated, **tokens)
    return Reply(choice.message.content or "", annotated=annotated, **tokens)


def _error_code(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    return str((error or {}).get("code") or getattr(exc, "code", "") or "")


def _filter_result(body: Any) -> Any:
    """The content-filter result inside an Azure 400 body, wherever it sits."""
    if not isinstance(body, dict):
        return None
    error = body.get("error", body)
    if not isinstance(error, dict):
        return None
    inner = error.get("innererror")
    return (
        (inner.get("content_filter_result") if isinstance(inner, dict) else None)
        or error.get("content_filter_result")
        or error
    )


def _filtered(result: Any) -> tuple[str, ...]:
    """The names the filter blocked on (harm categories, prompt shields, blocklists)."""
    if not isinstance(result, dict):
        return ()
    return tuple(
        sorted(
            name
            for name, value in result.items()
            if isinstance(value, dict) and value.get("filtered")
        )
    )


def _annotated(result: Any) -> Severities:
    """The severity per harm category that the filter's annotations report (0 if none)."""
    levels = dict.fromkeys(Category, 0)
    if isinstance(result, dict):
        for name, category in _FILTER_NAMES.items():
            value = result.get(name)
            if isinstance(value, dict):
                levels[category] = _LEVELS.get(str(value.get("severity", "")).lower(), 0)
    return Severities(*(levels[category] for category in Category))
