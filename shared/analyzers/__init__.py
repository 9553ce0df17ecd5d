"""Text analyzers: one interface, an embedded offline one and (later) Azure AI Content Safety."""

from shared.analyzers.base import SAFE, Analyzer, AnalyzerError, Severities
from shared.analyzers.local import LocalAnalyzer

__all__ = ["ANALYZERS", "SAFE", "Analyzer", "AnalyzerError", "Severities", "create_analyzer"]


ANALYZERS = ("local", "contentsafety")


def create_analyzer(name: str) -> Analyzer:
    """The analyzer called ``name`` on the command line.

    ``contentsafety`` reads its settings from the environment and raises
    ``SettingsError`` if they are missing or malformed.
    """
    if name == "local":
        return LocalAnalyzer()
    if name == "contentsafety":
        # Imported here so that offline runs never pay for loading the Azure SDKs.
        from shared.analyzers.contentsafety import ContentSafetyAnalyzer  # noqa: PLC0415
        from shared.settings import ContentSafetySettings  # noqa: PLC0415

        return ContentSafetyAnalyzer(ContentSafetySettings.from_environment())
    raise ValueError(f"unknown analyzer {name!r}; available: {', '.join(ANALYZERS)}")
