"""A web host for generated images, to test fetching URL images for screening.

``/img/{name}`` serves an image by name (404 if unknown), ``/slow`` stalls
until the server closes, ``/moved`` redirects to ``/img/clean``.
"""

from __future__ import annotations

from aiohttp import web

from emulators.server import BackgroundServer


class ImageHost(BackgroundServer):
    def __init__(self, images: dict[str, bytes]) -> None:
        super().__init__()
        self.images = images
        self.served = 0

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/img/{name}", self._image)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/moved", self._moved)

    async def _image(self, request: web.Request) -> web.Response:
        self.served += 1
        image = self.images.get(request.match_info["name"])
        if image is None:
            return web.Response(status=404)
        return web.Response(body=image, content_type="image/png")

    async def _slow(self, request: web.Request) -> web.Response:
        await self.pause(30)
        return web.Response(body=b"")

    async def _moved(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/img/clean")
