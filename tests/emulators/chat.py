"""A local emulator of the chat-completions API (OpenAI and Azure OpenAI paths).

The model name (or Azure deployment) picks a scripted behaviour:

- ``safe``: refuses or answers harmlessly;
- ``unsafe``: answers with content harmful in all four categories;
- ``rate-<p>`` (e.g. ``rate-0.08``): a conversation's first answer is harmful with
  probability p (seeded RNG), later answers are harmless: p defects per conversation;
- ``borderline``: mentions harm (news-like, below the threshold), never a defect;
- ``filtered``: Azure's content filter rejects the prompt (400, code content_filter);
- ``filtered-output``: the completion stops with finish_reason content_filter.

Knobs add latency, a requests-per-minute quota answered with 429 and Retry-After,
injected 5xx, and hangs. Stats count requests and statuses, never messages.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from emulators.server import BackgroundServer, RequestStats

HARMFUL = (
    "Sure. I will kill you and your whole family. You should just kill yourself. "
    "Immigrants are vermin. She sucked his cock."
)
BENIGN = "I can't help with that, but I'm happy to talk about staying safe."
BORDERLINE = (
    "News reports said the soldiers were killed in the attack; experts discussed "
    "suicide prevention."
)
FILTER_RESULT = {
    "hate": {"filtered": False, "severity": "safe"},
    "self_harm": {"filtered": False, "severity": "safe"},
    "sexual": {"filtered": False, "severity": "safe"},
    "violence": {"filtered": True, "severity": "medium"},
}


@dataclass
class ChatKnobs:
    latency: float = 0.0
    quota_rpm: float | None = None
    fail_next: deque[int] = field(default_factory=deque)
    fail_every: int = 0
    hang_seconds: float = 0.0
    seed: int = 7


class ChatEmulator(BackgroundServer):
    def __init__(self, knobs: ChatKnobs | None = None) -> None:
        super().__init__()
        self.knobs = knobs or ChatKnobs()
        self.stats = RequestStats()
        self.jobs: dict[str, dict[str, Any]] = {}
        # Azure deployments made through the ARM emulator: name -> model served.
        self.deployments: dict[str, str] = {}
        self._rng = random.Random(self.knobs.seed)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._openai)
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", self._azure)
        for prefix in ("/v1", "/openai"):
            app.router.add_get(f"{prefix}/fine_tuning/jobs", self._list_jobs)
            app.router.add_get(f"{prefix}/fine_tuning/jobs/{{job_id}}", self._get_job)

    def add_job(self, job_id: str, fine_tuned_model: str | None, status: str = "succeeded") -> None:
        """A fine-tuning job the jobs API will report."""
        self.jobs[job_id] = {
            "id": job_id,
            "object": "fine_tuning.job",
            "model": "gpt-4o-mini-2024-07-18",
            "fine_tuned_model": fine_tuned_model,
            "status": status,
            "created_at": int(time.time()),
            "training_file": "file-abc",
            "hyperparameters": {"n_epochs": 3},
            "result_files": [],
            "organization_id": "org",
            "seed": 1,
        }

    async def _list_jobs(self, request: web.Request) -> web.Response:
        jobs = list(reversed(self.jobs.values()))[: int(request.query.get("limit", 20))]
        return web.json_response({"object": "list", "data": jobs, "has_more": False})

    async def _get_job(self, request: web.Request) -> web.Response:
        job = self.jobs.get(request.match_info["job_id"])
        if job is None:
            return _error(404, "not_found", "No such job.")
        return web.json_response(job)

    async def _openai(self, request: web.Request) -> web.Response:
        body = await _body(request)
        return await self._complete(str(body.get("model", "")), body)

    async def _azure(self, request: web.Request) -> web.Response:
        deployment = request.match_info["deployment"]
        body = await _body(request)
        if deployment.startswith("ftgate-eval-"):
            model = self.deployments.get(deployment)
            if model is None:
                return _error(404, "DeploymentNotFound", "The deployment does not exist.")
            deployment = model.rpartition("ft-")[2]  # "base.ft-unsafe" behaves as "unsafe"
        return await self._complete(deployment, body)

    async def _complete(self, model: str, body: dict[str, Any]) -> web.Response:
        now = self.stats.arrived()
        response = await self._respond(model, body, self.knobs, now)
        self.stats.statuses[response.status] += 1
        return response

    async def _respond(
        self, model: str, body: dict[str, Any], knobs: ChatKnobs, now: float
    ) -> web.Response:
        if knobs.quota_rpm is not None:
            wait = self.admit(now, knobs.quota_rpm, window=60.0)
            if wait is not None:
                return _error(429, "429", "Rate limit exceeded.", retry_after=math.ceil(wait))
        if knobs.hang_seconds:
            await self.pause(knobs.hang_seconds)
        if knobs.latency:
            await self.pause(knobs.latency)
        if knobs.fail_next:
            status = knobs.fail_next.popleft()
            retry_after = 1 if status == 429 else None
            return _error(status, str(status), "Injected failure.", retry_after=retry_after)
        if knobs.fail_every and self.stats.requests % knobs.fail_every == 0:
            return _error(503, "server_error", "Injected failure.")
        if model == "filtered":
            return _error(
                400,
                "content_filter",
                "The response was filtered.",
                innererror={
                    "code": "ResponsibleAIPolicyViolation",
                    "content_filter_result": FILTER_RESULT,
                },
            )
        text, finish = self._answer(model, first_turn=len(body["messages"]) == 1)
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
        choice: dict[str, Any] = {
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "finish_reason": finish,
        }
        if finish == "content_filter":
            choice["content_filter_results"] = FILTER_RESULT
        return web.json_response(
            {
                "id": f"chatcmpl-{self.stats.requests}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [choice],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(text.split()),
                    "total_tokens": prompt_tokens + len(text.split()),
                },
            }
        )

    def _answer(self, model: str, *, first_turn: bool) -> tuple[str, str]:
        if model == "unsafe":
            return HARMFUL, "stop"
        if model == "borderline":
            return BORDERLINE, "stop"
        if model == "filtered-output":
            return "", "content_filter"
        if model.startswith("rate-"):
            harmful = first_turn and self._rng.random() < float(model.removeprefix("rate-"))
            return (HARMFUL if harmful else BENIGN), "stop"
        return BENIGN, "stop"


async def _body(request: web.Request) -> dict[str, Any]:
    """The request's JSON; a client that hung up (a cancelled conversation) sent none."""
    try:
        return await request.json()
    except ConnectionResetError:
        raise web.HTTPBadRequest from None


def _error(status: int, code: str, message: str, *, retry_after: int | None = None,
           innererror: dict[str, Any] | None = None) -> web.Response:  # fmt: skip
    error: dict[str, Any] = {"message": message, "type": None, "param": None, "code": code}
    if innererror is not None:
        error["innererror"] = innererror
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return web.json_response({"error": error}, status=status, headers=headers)
