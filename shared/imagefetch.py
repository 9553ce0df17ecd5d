"""Fetching a training file's URL images so they can be screened: only from the
origins an operator allowed, never following redirects, bounded in size and time.

Fine-tuning fetches URL images itself; ftgate screens one only if it can read
the same bytes safely. Any other URL (an origin not allowed, a redirect, an
error, too large, too slow) yields None: the image is counted as unscreened and
the file cannot pass (see ``shared.screening``). Nothing fetched is kept.
"""

from __future__ import annotations

import asyncio
from typing import Final
from urllib.parse import urlsplit

import aiohttp

FETCH_SECONDS: Final = 10.0  # per image, connection and body included
CHUNK_BYTES: Final = 64 * 1024


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased: what an allow-list names."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def fetch_image(
    session: aiohttp.ClientSession, url: str, origins: frozenset[str], max_bytes: int
) -> bytes | None:
    """The image at ``url`` if its origin is allowed and it answers 200 in time with
    at most ``max_bytes``; otherwise None."""
    if origin(url) not in origins:
        return None
    try:
        async with (
            asyncio.timeout(FETCH_SECONDS),
            session.get(url, allow_redirects=False) as response,
        ):
            if response.status != 200 or (response.content_length or 0) > max_bytes:
                return None
            body = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                body += chunk
                if len(body) > max_bytes:
                    return None
            return bytes(body)
    except (TimeoutError, aiohttp.ClientError):
        return None
