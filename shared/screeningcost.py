"""What screening a training file would cost in Content Safety requests, without asking it.

The estimate runs the file through :func:`shared.screening.screen` itself, with a
stand-in analyzer that answers every text as clean and counts the requests
Content Safety would have received: one per window of each text
(:func:`shared.analyzers.contentsafety.windows`) and one per image. So the
de-duplication, its bounded memory and the windowing are the pipeline's own
and cannot drift from what a real run sends. What the stand-in cannot know:
retries (429, 5xx, timeouts add requests; a real verdict's ``requests`` counts
them) and whether two URL images hold the same bytes (each distinct URL is
counted, so the estimate can only be higher there).

Prices are the caller's (``price_per_1000``): Azure prices change and differ by
agreement and region, so none is written here.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Self

from shared.analyzers.base import SAFE, Severities
from shared.analyzers.contentsafety import windows
from shared.imagefetch import origin
from shared.screening import DataVerdict, Outcome, screen


class RequestCounter:
    """An analyzer that sends nothing: it counts what Content Safety would receive.

    ``requests`` is the name :func:`shared.screening.screen` reads from any analyzer
    that counts its requests, so the estimate lands where a real run's count does.
    """

    name = "estimate"

    def __init__(self, image_origins: frozenset[str] = frozenset()) -> None:
        """``image_origins``: the origins a real run may fetch URL images from
        (IMAGE_URL_ORIGINS); images elsewhere are unscreened and cost nothing."""
        self._origins = image_origins
        self.text_requests = 0
        self.characters = 0
        self.image_requests = 0

    @property
    def requests(self) -> int:
        return self.text_requests + self.image_requests

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def analyze(self, texts: Sequence[str]) -> list[Severities]:
        for text in texts:
            parts = windows(text)
            self.text_requests += len(parts)
            self.characters += sum(map(len, parts))
        return [SAFE] * len(texts)

    async def analyze_images(self, images: Sequence[bytes]) -> list[Severities]:
        self.image_requests += len(images)
        return [SAFE] * len(images)

    async def fetch_image(self, url: str) -> bytes | None:
        """The URL itself stands in for the image's bytes: the same URL is counted once."""
        return url.encode("utf-8", "surrogatepass") if origin(url) in self._origins else None


@dataclass(frozen=True, slots=True)
class ScreeningEstimate:
    """What a file would cost to screen: counts only, never content."""

    verdict: DataVerdict  # of the dry run: its counts; ``invalid`` means a real run stops early
    text_requests: int
    characters: int
    image_requests: int
    price_per_1000: float | None

    @property
    def requests(self) -> int:
        return self.verdict.requests  # what screen() counted, as a real run's verdict would

    @property
    def price(self) -> float | None:
        return None if self.price_per_1000 is None else self.requests * self.price_per_1000 / 1000

    def as_dict(self) -> dict[str, Any]:
        verdict = self.verdict
        return {
            "estimate": "scan-data",
            "sha256": verdict.sha256,
            "invalid": verdict.verdict is Outcome.INVALID,
            "errors": [error.as_dict() for error in verdict.errors],
            "lines": verdict.lines,
            "examples": verdict.examples,
            "texts": verdict.texts,
            "unique_texts": verdict.unique_texts,
            "images": verdict.images,
            "images_unscreened": verdict.images_unscreened,
            "content_safety_requests": self.requests,
            "text_requests": self.text_requests,
            "characters": self.characters,
            "image_requests": self.image_requests,
            "price_per_1000_requests": self.price_per_1000,
            "price": self.price,
        }


async def estimate_screening(
    chunks: AsyncIterable[bytes] | Iterable[bytes],
    *,
    image_origins: frozenset[str] = frozenset(),
    price_per_1000: float | None = None,
) -> ScreeningEstimate:
    """Screen ``chunks`` with :class:`RequestCounter`: the requests a real run would send."""
    counter = RequestCounter(image_origins)
    verdict = await screen(chunks, counter)
    return ScreeningEstimate(
        verdict,
        counter.text_requests,
        counter.characters,
        counter.image_requests,
        price_per_1000,
    )
