"""Text analyzers: one interface, an embedded offline one and (later) Azure AI Content Safety."""

from shared.analyzers.base import SAFE, Analyzer, AnalyzerError, Severities
from shared.analyzers.local import LocalAnalyzer

__all__ = ["SAFE", "Analyzer", "AnalyzerError", "Severities", "create_analyzer"]


def create_analyzer(name: str) -> Analyzer:
    """The analyzer called ``name`` on the command line."""
    if name == "local":
        return LocalAnalyzer()
    raise ValueError(f"unknown analyzer {name!r}; available: local")
