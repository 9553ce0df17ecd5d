"""Environment -> typed settings, validated once, with errors that name the variable.

Only operational settings live here (where services are, how hard to push them).
Nothing here touches the policy: thresholds are constants of ``shared.policy``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from shared.errors import FtgateError

DEFAULT_MAX_RPS: Final = 100.0  # the S0 tier's 1,000 requests per 10 seconds
MAX_RPM_LIMIT: Final = 10_000_000  # above any Azure OpenAI deployment's quota


class SettingsError(FtgateError, ValueError):
    """A setting is missing or malformed; the message names it and says what to do."""


@dataclass(frozen=True, slots=True)
class ContentSafetySettings:
    """How to reach Azure AI Content Safety and how hard to drive it."""

    endpoint: str
    key: str | None = None  # opt-in; DefaultAzureCredential (managed identity) otherwise
    max_rps: float = DEFAULT_MAX_RPS
    max_concurrency: int = 32
    max_attempts: int = 6
    request_timeout: float = 30.0  # seconds, per attempt
    deadline: float = 3600.0  # seconds for one file, all retries included
    backoff_base: float = 0.5  # seconds; doubles per attempt, with full jitter, up to 30
    image_origins: frozenset[str] = frozenset()  # where URL images may be fetched from

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> ContentSafetySettings:
        endpoint = environ.get("CONTENT_SAFETY_ENDPOINT", "").strip()
        if not endpoint:
            raise SettingsError(
                "CONTENT_SAFETY_ENDPOINT is not set: set it to your Azure AI Content Safety "
                "endpoint, e.g. https://<resource>.cognitiveservices.azure.com"
            )
        if not endpoint.startswith(("https://", "http://")):
            raise SettingsError(f"CONTENT_SAFETY_ENDPOINT must be an http(s) URL, not {endpoint!r}")
        key = environ.get("CONTENT_SAFETY_KEY") or None
        if endpoint.startswith("http://") and key is None:
            # Without a key the token is Entra ID's, which would only fail on every request.
            raise SettingsError(
                "CONTENT_SAFETY_ENDPOINT is http:// and CONTENT_SAFETY_KEY is not set: the "
                "Azure SDK refuses to send an Entra ID bearer token over plain http; use the "
                "https endpoint, or set CONTENT_SAFETY_KEY"
            )
        concurrency = number_setting(
            environ, "CONTENT_SAFETY_MAX_CONCURRENCY", 32, minimum=1, maximum=1024, integer=True
        )
        return cls(
            endpoint=endpoint.rstrip("/"),
            key=key,
            max_rps=number_setting(
                environ, "CONTENT_SAFETY_MAX_RPS", DEFAULT_MAX_RPS, minimum=1, maximum=10_000
            ),
            max_concurrency=int(concurrency),
            deadline=number_setting(
                environ, "CONTENT_SAFETY_DEADLINE_SECONDS", 3600.0, minimum=1, maximum=7 * 86_400
            ),
            image_origins=_origins(environ.get("IMAGE_URL_ORIGINS", "")),
        )


def _origins(raw: str) -> frozenset[str]:
    """Comma-separated ``https://host[:port]`` origins, nothing after the host."""
    origins = set()
    for entry in filter(None, (part.strip().rstrip("/").lower() for part in raw.split(","))):
        scheme, _, host = entry.partition("://")
        if scheme not in ("https", "http") or not host or "/" in host or "@" in host:
            raise SettingsError(
                f"IMAGE_URL_ORIGINS must list origins like https://images.contoso.com, "
                f"not {entry!r}"
            )
        origins.add(entry)
    return frozenset(origins)


def content_safety_configured(environ: Mapping[str, str] = os.environ) -> bool:
    return bool(environ.get("CONTENT_SAFETY_ENDPOINT", "").strip())


def number_setting(
    environ: Mapping[str, str],
    name: str,
    default: float,
    *,
    minimum: float,
    maximum: float,
    integer: bool = False,
) -> float:
    """``environ[name]`` as a finite number within ``[minimum, maximum]``, else ``default``.

    Every bound is there because a value outside it once hung or crashed a run:
    ``inf`` and ``nan`` overflow or silently disable a deadline, and a rate or a
    concurrency near zero waits forever. ``integer`` refuses fractions (a
    concurrency of 0.5 is no concurrency at all).
    """
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    kind = "a whole number" if integer else "a number"
    if not (minimum <= value <= maximum) or (integer and not value.is_integer()):
        # Also refuses nan, which compares false with everything.
        raise SettingsError(f"{name} must be {kind} from {minimum:g} to {maximum:g}, not {raw!r}")
    return int(value) if integer else value


ENFORCEMENT_MODES: Final = ("cancel", "report")


def enforcement_mode(environ: Mapping[str, str] = os.environ) -> str:
    """``ENFORCEMENT``: ``cancel`` (the default, as the platform does: jobs trained on
    failing data are cancelled, undeployable deployments deleted) or ``report``
    (decisions recorded and alerted, nothing stopped: for a trial period)."""
    raw = environ.get("ENFORCEMENT", "")
    mode = raw.strip().lower() or "cancel"
    if mode not in ENFORCEMENT_MODES:
        raise SettingsError(f"ENFORCEMENT must be cancel or report, not {raw!r}")
    return mode


STORAGE_CONNECTION: Final = "TRAINING_STORAGE"  # the app-setting prefix the bindings use


@dataclass(frozen=True, slots=True)
class StorageConnection:
    """A storage account as Functions connections describe one.

    Either a connection string in ``<NAME>`` (Azurite: UseDevelopmentStorage=true
    or an explicit one), or identity-based settings ``<NAME>__blobServiceUri``,
    ``__queueServiceUri``, ``__tableServiceUri`` with ``__credential`` =
    managedidentity and an optional ``__clientId`` for a user-assigned identity.
    """

    connection_string: str | None = None
    blob_service_uri: str | None = None
    queue_service_uri: str | None = None
    table_service_uri: str | None = None
    client_id: str | None = None

    @classmethod
    def from_environment(
        cls, name: str = STORAGE_CONNECTION, environ: Mapping[str, str] = os.environ
    ) -> StorageConnection:
        if environ.get(name):
            return cls(connection_string=_connection_string(name, environ[name]))
        uris = {
            field: environ.get(f"{name}__{setting}") or None
            for field, setting in (
                ("blob_service_uri", "blobServiceUri"),
                ("queue_service_uri", "queueServiceUri"),
                ("table_service_uri", "tableServiceUri"),
            )
        }
        if not uris["table_service_uri"]:
            raise SettingsError(
                f"{name} is not configured: set {name} to a connection string, or "
                f"{name}__blobServiceUri, {name}__queueServiceUri and {name}__tableServiceUri "
                "for a managed identity"
            )
        return cls(**uris, client_id=environ.get(f"{name}__clientId") or None)

    def credential(self, *, asynchronous: bool = True) -> Any:
        """The identity for the service URIs: the user-assigned one when ``client_id``
        names it (managed identity in Azure, your ``az login`` locally)."""
        if asynchronous:
            from azure.identity.aio import DefaultAzureCredential  # noqa: PLC0415
        else:
            from azure.identity import DefaultAzureCredential  # noqa: PLC0415
        return DefaultAzureCredential(managed_identity_client_id=self.client_id)


def _connection_string(name: str, value: str) -> str:
    """``value`` if it has the shape of a storage connection string, else a SettingsError.

    The storage SDKs refuse a malformed one with a ValueError deep inside the first
    command that opens a client, which read as a crash. The value is never quoted:
    it holds the account key.
    """
    problem = _connection_string_problem(value)
    if problem is None:
        return value
    raise SettingsError(
        f"{name} {problem}: set it to UseDevelopmentStorage=true for Azurite or to the "
        "storage account's connection string, or unset it and set "
        f"{name}__blobServiceUri, {name}__queueServiceUri and {name}__tableServiceUri "
        "for a managed identity"
    )


def _connection_string_problem(value: str) -> str | None:
    """What a connection string lacks, by the rules the storage SDKs parse it with."""
    pairs = [part.partition("=") for part in value.strip().rstrip(";").split(";")]
    if any(not key.strip() or not equals for key, equals, _ in pairs):
        return "is not a storage connection string (Key=Value pairs separated by ';')"
    keys = {key.strip().lower(): setting.strip().lower() for key, _, setting in pairs}
    if keys.get("usedevelopmentstorage") == "true":
        return None
    if "accountname" not in keys and not keys.keys() >= _ENDPOINT_KEYS:
        return "names no account (AccountName, or the three service endpoints)"
    if not {"accountkey", "sharedaccesssignature"} & keys.keys():
        return "holds no credential (AccountKey or SharedAccessSignature)"
    return None


_ENDPOINT_KEYS: Final = frozenset({"blobendpoint", "queueendpoint", "tableendpoint"})


@dataclass(frozen=True, slots=True)
class AppSettings:
    """The function app's settings."""

    storage: StorageConnection
    training_container: str = "training-data"
    verdicts_table: str = "verdicts"
    openai_endpoint: str | None = None  # the Azure OpenAI resource serving fine-tuned models
    openai_max_rpm: float | None = None  # the evaluation deployment's requests/minute quota
    # A deployment on the same account that writes crescendo follow-ups; None: scripted only.
    attacker_deployment: str | None = None
    model_queue: str = "model-evaluations"
    rescreen_queue: str = "data-rescreens"
    webhook_secret: str | None = None  # whsec_..., from Key Vault in Azure
    enforcement: str = "cancel"  # see enforcement_mode

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> AppSettings:
        return cls(
            storage=StorageConnection.from_environment(environ=environ),
            training_container=environ.get("TRAINING_CONTAINER") or "training-data",
            verdicts_table=environ.get("VERDICTS_TABLE") or "verdicts",
            openai_endpoint=environ.get("AZURE_OPENAI_ENDPOINT") or None,
            attacker_deployment=environ.get("EVALUATION_ATTACKER_DEPLOYMENT") or None,
            model_queue=environ.get("MODEL_EVALUATIONS_QUEUE") or "model-evaluations",
            rescreen_queue=environ.get("DATA_RESCREEN_QUEUE") or "data-rescreens",
            webhook_secret=environ.get("FINE_TUNING_WEBHOOK_SECRET") or None,
            enforcement=enforcement_mode(environ),
            openai_max_rpm=(
                number_setting(
                    environ, "AZURE_OPENAI_MAX_RPM", 1.0, minimum=1, maximum=MAX_RPM_LIMIT
                )
                if environ.get("AZURE_OPENAI_MAX_RPM")
                else None
            ),
        )

    def require_openai_endpoint(self) -> str:
        if not self.openai_endpoint:
            raise SettingsError(
                "AZURE_OPENAI_ENDPOINT is not set: set it to the Azure OpenAI resource that "
                "serves your fine-tuned models, e.g. https://<resource>.openai.azure.com"
            )
        return self.openai_endpoint
