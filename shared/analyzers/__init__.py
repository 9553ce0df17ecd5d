"""Text analyzers: one interface, an embedded offline one and (later) Azure AI Content Safety."""

from shared.analyzers.base import SAFE, Analyzer, AnalyzerError, Severities
from shared.analyzers.local import LocalAnalyzer

__all__ = ["SAFE", "Analyzer", "AnalyzerError", "Severities", "create_analyzer"]


def create_analyzer(name: str, *, workers: int = 1) -> Analyzer:
    """The analyzer called ``name`` on the command line; ``workers`` processes for local."""
    if name == "local":
        return LocalAnalyzer(workers)
    raise ValueError(f"unknown analyzer {name!r}; available: local")
