"""The analyzer interface every text analyzer implements, and its result type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol, Self, runtime_checkable

from shared.errors import FtgateError
from shared.policy import Category


class Severities(NamedTuple):
    """One text's severity (0-7) per harm category, in ``policy.CATEGORIES`` order."""

    hate: int = 0
    self_harm: int = 0
    sexual: int = 0
    violence: int = 0

    def of(self, category: Category) -> int:
        return self[_INDEX[category]]

    def as_dict(self) -> dict[str, int]:
        """Keyed as Azure AI Content Safety names the categories."""
        return {category.value: self.of(category) for category in Category}


_INDEX = {category: index for index, category in enumerate(Category)}
SAFE = Severities()


class AnalyzerError(FtgateError):
    """The analyzer could not score a text; the screening outcome is then ``error``.

    Messages describe the failure (status codes, retries, timeouts) and never the
    text being analyzed. An ftgate error, so one that escapes every verdict (an
    analyzer that cannot even start) exits 3 with its reason, not 70 as a bug would.
    """


@runtime_checkable
class Analyzer(Protocol):
    """Scores texts in the four harm categories.

    ``analyze`` returns one :class:`Severities` per text, in order, or raises
    :class:`AnalyzerError`. Analyzers are async context managers so that those
    holding network clients can release them.
    """

    name: str

    async def analyze(self, texts: Sequence[str]) -> list[Severities]: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...


@runtime_checkable
class ImageAnalyzer(Protocol):
    """An analyzer that also scores images (Content Safety's image analysis).

    ``analyze_images`` returns one :class:`Severities` per image, in order, or
    raises :class:`AnalyzerError`. Images an analyzer cannot score are counted
    as unscreened, never as clean.
    """

    async def analyze_images(self, images: Sequence[bytes]) -> list[Severities]: ...

    async def fetch_image(self, url: str) -> bytes | None:
        """The image at ``url`` if the analyzer may fetch it (its allow-list), else None."""
        ...
