"""Where verdicts are kept: Azure Table Storage.

Data and model verdicts (partitions ``data`` and ``model``) are read and written
as :class:`shared.storedverdict.StoredVerdict`, which alone knows their columns.
A second, small entity per blob name (partition ``blob``) remembers which content
and ETag a name last had, so a redelivered event does no work twice. Partition
``lease`` holds one entity per temporary evaluation deployment in use, renewed
while its evaluation lives (see ``shared.deployments.AccountDeployments.sweep``).
Partition ``poisoned`` keeps work that failed on every retry (:class:`PoisonedWork`)
for ``ftgate replay-poison``.
Small entities keyed by a name (:meth:`TableVerdictStore.put_named`): once-only
markers (``webhook``, ``pending``), a model's training files (``lineage``) and an
Azure OpenAI file id's content hash (``file``), see ``shared.lineage``. Every
entity keyed by a name (blob, model, deployment, file id, marker) has the name's
SHA-256 as its row key (:func:`row_key`) and the name as a property.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal, Protocol, Self

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables.aio import TableClient

from shared.closing import AsyncClosing
from shared.settings import StorageConnection
from shared.storedverdict import (
    DATA_PARTITION,
    MODEL_PARTITION,
    StoredVerdict,
    VerdictKind,
    row_key,
)

BLOB_PARTITION: Final = "blob"
POISONED_PARTITION: Final = "poisoned"  # what failed for good, kept for replay
LEASE_PARTITION: Final = "lease"  # temporary deployments held by a live evaluation


@dataclass(frozen=True, slots=True)
class PoisonedWork:
    """Work that failed on every retry, kept for ``ftgate replay-poison``: a training
    file's blob name (``data``) or a fine-tuned model (``model``). The only code that
    knows the ``poisoned`` partition's columns."""

    kind: Literal["data", "model"]
    key: str

    @property
    def row_key(self) -> str:
        return row_key(f"{self.kind}:{self.key}")

    def to_entity(self) -> dict[str, Any]:
        return {
            "PartitionKey": POISONED_PARTITION,
            "RowKey": self.row_key,
            "Kind": self.kind,
            "Key": self.key,
            "At": datetime.now(UTC),
        }

    @classmethod
    def from_entity(cls, entity: dict[str, Any]) -> PoisonedWork:
        return cls(entity["Kind"], entity["Key"])


@dataclass(frozen=True, slots=True)
class BlobState:
    """What the store last saw of a blob name: its ETag and content hash."""

    etag: str
    sha256: str


class VerdictStore(Protocol):
    """Where verdicts are kept (the seam the upload flow and later the gate use)."""

    async def get_data_verdict(self, sha256: str) -> StoredVerdict | None: ...

    async def put_verdict(self, verdict: StoredVerdict) -> None: ...

    async def get_blob_state(self, name: str) -> BlobState | None: ...

    async def put_blob_state(self, name: str, state: BlobState) -> None: ...

    async def get_model_verdict(self, model: str) -> StoredVerdict | None: ...

    async def get_named(self, partition: str, name: str) -> dict[str, Any] | None: ...

    async def list_verdicts(self, kind: VerdictKind, limit: int) -> list[StoredVerdict]: ...

    async def list_named(self, partition: str, limit: int) -> list[dict[str, Any]]: ...

    async def put_named(self, partition: str, name: str, **properties: Any) -> None: ...

    async def record_poisoned(self, kind: Literal["data", "model"], key: str) -> None: ...


class TableVerdictStore(AsyncClosing):
    """Verdicts in an Azure Table (Azurite in tests), through the async SDK."""

    def __init__(self, table: TableClient, credential: Any = None) -> None:
        self._table = table
        self._credential = credential  # closed with the store: it holds connections too

    @classmethod
    def open(cls, storage: StorageConnection, table_name: str) -> TableVerdictStore:
        """From a connection string (Azurite) or a managed identity and the table URI."""
        if storage.connection_string:
            return cls(TableClient.from_connection_string(storage.connection_string, table_name))
        credential = storage.credential()
        table = TableClient(str(storage.table_service_uri), table_name, credential=credential)
        return cls(table, credential)

    async def __aenter__(self) -> Self:
        with contextlib.suppress(ResourceExistsError):
            await self._table.create_table()
        return self

    async def aclose(self) -> None:
        await self._table.close()
        if self._credential is not None:
            await self._credential.close()

    async def get_data_verdict(self, sha256: str) -> StoredVerdict | None:
        entity = await self._get(DATA_PARTITION, sha256)
        return StoredVerdict.from_entity(entity) if entity else None

    async def put_verdict(self, verdict: StoredVerdict) -> None:
        """Record a data or model verdict, replacing the one its content or model had."""
        await self._table.upsert_entity(verdict.to_entity())

    async def get_blob_state(self, name: str) -> BlobState | None:
        entity = await self._get(BLOB_PARTITION, row_key(name))
        return BlobState(entity["ETag"], entity["Sha256"]) if entity else None

    async def put_blob_state(self, name: str, state: BlobState) -> None:
        await self._table.upsert_entity(
            {
                "PartitionKey": BLOB_PARTITION,
                "RowKey": row_key(name),
                "Name": name,
                "ETag": state.etag,
                "Sha256": state.sha256,
            }
        )

    async def get_model_verdict(self, model: str) -> StoredVerdict | None:
        entity = await self._get(MODEL_PARTITION, row_key(model))
        return StoredVerdict.from_entity(entity) if entity else None

    async def list_verdicts(self, kind: VerdictKind, limit: int) -> list[StoredVerdict]:
        """Up to ``limit`` verdicts of one kind (``data`` or ``model``)."""
        return [StoredVerdict.from_entity(e) for e in await self.list_named(kind, limit)]

    async def list_named(self, partition: str, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` entities of one partition (``poisoned``, ``pending``...)."""
        found: list[dict[str, Any]] = []
        async for entity in self._table.query_entities(
            "PartitionKey eq @partition", parameters={"partition": partition}
        ):
            found.append(dict(entity))
            if len(found) >= limit:
                break
        return found

    async def record_poisoned(self, kind: Literal["data", "model"], key: str) -> None:
        """Remember a blob name or model (``kind`` data or model) whose work was poisoned."""
        await self._table.upsert_entity(PoisonedWork(kind, key).to_entity())

    async def list_poisoned(self, limit: int) -> list[PoisonedWork]:
        """Up to ``limit`` pieces of poisoned work, for replay."""
        return [
            PoisonedWork.from_entity(e) for e in await self.list_named(POISONED_PARTITION, limit)
        ]

    async def renew_lease(self, deployment: str, model: str) -> None:
        """Record that a live evaluation holds ``deployment`` now."""
        await self._table.upsert_entity(
            {
                "PartitionKey": LEASE_PARTITION,
                "RowKey": row_key(deployment),
                "Deployment": deployment,
                "FineTunedModel": model,
                "RenewedAt": datetime.now(UTC),
            }
        )

    async def lease_renewed_at(self, deployment: str) -> datetime | None:
        entity = await self._get(LEASE_PARTITION, row_key(deployment))
        return entity["RenewedAt"] if entity else None

    async def drop_lease(self, deployment: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            await self._table.delete_entity(LEASE_PARTITION, row_key(deployment))

    async def forget_poisoned(self, work: PoisonedWork) -> None:
        await self._table.delete_entity(POISONED_PARTITION, work.row_key)

    async def get_named(self, partition: str, name: str) -> dict[str, Any] | None:
        """The entity recorded for ``name`` in ``partition`` (its ``At`` and properties),
        or None: a once-only marker, a model's lineage, a file id's content hash."""
        return await self._get(partition, row_key(name))

    async def put_named(self, partition: str, name: str, **properties: Any) -> None:
        """Record (or refresh) the entity for ``name`` in ``partition``, stamped now.

        Once-only markers are written only after the work they stand for is done (a
        message queued, an event handled), so a failure in between leaves no marker
        and a redelivery does the work again rather than being taken for a duplicate.
        """
        await self._table.upsert_entity(
            {
                "PartitionKey": partition,
                "RowKey": row_key(name),
                "Name": name,
                "At": datetime.now(UTC),
                **properties,
            }
        )

    async def _get(self, partition: str, row: str) -> dict[str, Any] | None:
        try:
            return dict(await self._table.get_entity(partition, row))
        except ResourceNotFoundError:
            return None
