"""A base for clients used as ``async with``: enter returns the client, exit closes it."""

from __future__ import annotations

from typing import Self


class AsyncClosing:
    """``async with client:`` yields the client and awaits :meth:`aclose` on the way out."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release what the client holds (connections, processes); nothing by default."""
