"""Serve the app's HTTP-triggered functions over real HTTP, as the Functions host would.

Core Tools cannot be installed here, so this stands in for the host's HTTP front
end: it reads each function's ``httpTrigger`` binding (route, methods, auth
level), checks the function key (``x-functions-key`` header or ``code`` query
parameter) for FUNCTION-level routes, builds the ``azure.functions.HttpRequest``
the worker would pass, and returns the function's ``HttpResponse``.
"""

from __future__ import annotations

import json

import azure.functions as func
from aiohttp import web

from emulators.server import BackgroundServer


class FunctionsHost(BackgroundServer):
    def __init__(self, functions: dict, key: str = "function-key") -> None:
        super().__init__()
        self.key = key
        self._functions = functions

    def add_routes(self, app: web.Application) -> None:
        for function in self._functions.values():
            bindings = json.loads(function.get_function_json())["bindings"]
            trigger = next((b for b in bindings if b["type"] == "httpTrigger"), None)
            if trigger is None:
                continue
            handler = self._handler(function.get_user_function(), trigger)
            for method in trigger.get("methods") or ["GET", "POST"]:
                app.router.add_route(method, f"/api/{trigger['route']}", handler)

    def _handler(self, user_function, trigger: dict):
        async def handle(request: web.Request) -> web.Response:
            if trigger.get("authLevel", "FUNCTION").upper() != "ANONYMOUS":
                given = request.headers.get("x-functions-key") or request.query.get("code")
                if given != self.key:
                    return web.Response(status=401)
            http_request = func.HttpRequest(
                method=request.method,
                url=str(request.url),
                headers=dict(request.headers),
                params=dict(request.query),
                route_params=dict(request.match_info),
                body=await request.read(),
            )
            response: func.HttpResponse = await user_function(**{trigger["name"]: http_request})
            headers = {
                name: value
                for name, value in response.headers.items()
                if name.lower() not in ("content-length", "content-type")
            }
            return web.Response(
                status=response.status_code,
                body=response.get_body(),
                headers=headers,
                content_type=response.mimetype,
            )

        return handle
