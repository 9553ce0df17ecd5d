"""A local HTTP emulator of Azure AI Content Safety's text and image analysis.

It speaks ``POST /contentsafety/text:analyze?api-version=...`` and
``POST /contentsafety/image:analyze`` with the request and response JSON of the
REST API (images: base64 ``image.content``, four severity levels, scored from
the harm written into the generated PNGs of ``images.py``), authenticates with a key
(``Ocp-Apim-Subscription-Key``) or any bearer token, and scores texts with the
local analyzer. Knobs reproduce what a real deployment does under load and in
outages: latency, a request-rate quota answered with 429 and Retry-After,
injected 500/503s, hangs, and responses that drop a category.

Run it in-process with :class:`ContentSafetyEmulator` (a context manager that
serves on a free loopback port from a background thread, see ``server.py``).
"""

from __future__ import annotations

import asyncio
import base64
import math
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from emulators.images import harm_of
from emulators.server import BackgroundServer, RequestStats
from shared.analyzers.local import score

MAX_TEXT_CHARS = 10_000
MAX_IMAGE_BYTES = 4 * 1024 * 1024  # the service's limit per image
CATEGORIES = ("Hate", "SelfHarm", "Sexual", "Violence")


@dataclass
class Knobs:
    """What the emulator does; tests may change these while it runs."""

    key: str = "emulator-key"
    latency: float = 0.0
    quota_rps: float | None = None  # requests admitted per second, else 429
    fail_next: deque[int] = field(default_factory=deque)  # statuses to answer with, in order
    fail_every: int = 0  # answer 503 to every n-th request (0: never)
    hang_seconds: float = 0.0  # stall every request this long before answering
    drop_category: str | None = None
    # every text scores these (by category name, 0-7) instead of the local analyzer's
    # scores: a model answering at an exact severity, for the thresholds' boundaries
    severities: dict[str, int] | None = None


@dataclass
class Stats(RequestStats):
    """What the emulator saw; never the texts."""

    api_versions: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    peak_in_flight: int = 0
    characters: int = 0
    images: int = 0


class ContentSafetyEmulator(BackgroundServer):
    """Serve the emulator on 127.0.0.1 at a free port while the context is open."""

    def __init__(self, knobs: Knobs | None = None) -> None:
        super().__init__()
        self.knobs = knobs or Knobs()
        self.stats = Stats()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/contentsafety/text:analyze", self._analyze)
        app.router.add_post("/contentsafety/image:analyze", self._analyze)

    # ---- the API

    async def _analyze(self, request: web.Request) -> web.Response:
        stats, knobs = self.stats, self.knobs
        now = stats.arrived()
        stats.api_versions[request.query.get("api-version", "")] += 1
        stats.in_flight += 1
        stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        try:
            response = await self._respond(request, knobs, now)
        finally:
            stats.in_flight -= 1
        stats.statuses[response.status] += 1
        return response

    async def _respond(self, request: web.Request, knobs: Knobs, now: float) -> web.Response:
        if not self._authorized(request, knobs):
            return _error(401, "Unauthorized", "Access denied due to invalid subscription key.")
        if knobs.quota_rps is not None:
            wait = self.admit(now, knobs.quota_rps, window=1.0)
            if wait is not None:
                return _error(429, "TooManyRequests", "Rate limit is exceeded.", math.ceil(wait))
        if knobs.hang_seconds:
            await self.pause(knobs.hang_seconds)
        if knobs.latency:
            await asyncio.sleep(knobs.latency)
        if knobs.fail_next:
            status = knobs.fail_next.popleft()
            return _error(status, "InternalServerError", "Injected failure.")
        if knobs.fail_every and self.stats.requests % knobs.fail_every == 0:
            return _error(503, "ServiceUnavailable", "Injected failure.")
        try:
            body = await request.json()
            if request.path.endswith("image:analyze"):
                return self._image_result(base64.b64decode(body["image"]["content"]), knobs)
            text = body["text"]
        except (ValueError, KeyError, TypeError):
            return _error(400, "InvalidRequestBody", "The request body is invalid.")
        if not isinstance(text, str) or not text or len(text) > MAX_TEXT_CHARS:
            return _error(
                400, "InvalidRequestBody", f"Text length must be 1 to {MAX_TEXT_CHARS} characters."
            )
        self.stats.characters += len(text)
        return web.json_response(self._result(text, body, knobs))

    def _result(self, text: str, body: dict[str, Any], knobs: Knobs) -> dict[str, Any]:
        severities = knobs.severities or score(text).as_dict()
        eight_levels = body.get("outputType") == "EightSeverityLevels"
        wanted = body.get("categories") or list(CATEGORIES)
        analysis = [
            {
                "category": category,
                "severity": severities[category] if eight_levels else severities[category] // 2 * 2,
            }
            for category in wanted
            if category != knobs.drop_category
        ]
        return {"blocklistsMatch": [], "categoriesAnalysis": analysis}

    def _image_result(self, image: bytes, knobs: Knobs) -> web.Response:
        harm = harm_of(image)
        if harm is None or len(image) > MAX_IMAGE_BYTES:
            return _error(400, "InvalidImage", "The image is not a supported image.")
        self.stats.images += 1
        analysis = [
            {"category": category, "severity": harm.get(category, 0) // 2 * 2}
            for category in CATEGORIES
            if category != knobs.drop_category
        ]
        return web.json_response({"categoriesAnalysis": analysis})

    @staticmethod
    def _authorized(request: web.Request, knobs: Knobs) -> bool:
        key = request.headers.get("Ocp-Apim-Subscription-Key")
        bearer = request.headers.get("Authorization", "")
        return key == knobs.key or (bearer.startswith("Bearer ") and len(bearer) > 7)


def _error(status: int, code: str, message: str, retry_after: int | None = None) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )
