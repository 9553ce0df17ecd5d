"""A gate stand-in that gives every request the same answer, for hostile answers."""

from __future__ import annotations

from aiohttp import web

from emulators.server import BackgroundServer


class FixedAnswer(BackgroundServer):
    """Answers every GET with ``status`` and ``body`` (bytes, sent as JSON) and counts
    the requests, so tests can see a client poll, retry or give up."""

    def __init__(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None):
        super().__init__()
        self.body = body
        self.status = status
        self.headers = headers or {}
        self.requests = 0

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/{tail:.*}", self._answer)

    async def _answer(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.Response(
            status=self.status,
            body=self.body,
            headers=self.headers,
            content_type="application/json",
        )
