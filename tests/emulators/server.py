"""An aiohttp server on a free loopback port, run from a background thread.

The emulators subclass it: they add routes and reuse its quota window and its
shutdown-aware pause (so a simulated hang never delays a test's teardown).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Self

from aiohttp import web


@dataclass
class RequestStats:
    """What an emulator saw: counts and times, never the content."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    first_request: float | None = None
    last_request: float | None = None

    def arrived(self) -> float:
        now = time.monotonic()
        self.requests += 1
        self.first_request = self.first_request or now
        self.last_request = now
        return now


class BackgroundServer:
    def __init__(self) -> None:
        self.port = 0
        self._window: deque[float] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closing: asyncio.Event | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        started = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(started,), daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._closing is not None:
            self._loop.call_soon_threadsafe(self._closing.set)  # wake hung requests
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def _serve(self, started: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._closing = asyncio.Event()
        app = web.Application()
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self.ssl_context())
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        started.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(runner.cleanup())
            self._loop.close()

    def ssl_context(self) -> ssl.SSLContext | None:
        """TLS for servers whose clients insist on https; plain HTTP by default."""
        return None

    async def pause(self, seconds: float) -> None:
        """Sleep, but wake when the server closes."""
        assert self._closing is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    def admit(self, now: float, quota: float, window: float) -> float | None:
        """A sliding window of admitted requests, as services meter them: None when
        admitted, else the seconds until a slot frees."""
        while self._window and self._window[0] <= now - window:
            self._window.popleft()
        if len(self._window) >= quota:
            return self._window[0] + window - now
        self._window.append(now)
        return None
