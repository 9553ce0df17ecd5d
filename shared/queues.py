"""Storage queues that ftgate writes: JSON in the base64 encoding queue triggers expect."""

from __future__ import annotations

import contextlib
from typing import Any, Self

from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import TextBase64EncodePolicy
from azure.storage.queue.aio import QueueClient

from shared.closing import AsyncClosing
from shared.settings import StorageConnection


class JsonQueue(AsyncClosing):
    """A queue in the storage account of ``storage``; created on first use."""

    def __init__(self, client: QueueClient, credential: Any = None) -> None:
        self._client = client
        self._credential = credential  # closed with the queue: it holds connections too

    @classmethod
    def open(cls, storage: StorageConnection, name: str) -> JsonQueue:
        policy = TextBase64EncodePolicy()
        if storage.connection_string:
            return cls(
                QueueClient.from_connection_string(
                    storage.connection_string, name, message_encode_policy=policy
                )
            )
        credential = storage.credential()
        client = QueueClient(
            str(storage.queue_service_uri),
            name,
            credential=credential,
            message_encode_policy=policy,
        )
        return cls(client, credential)

    async def __aenter__(self) -> Self:
        with contextlib.suppress(ResourceExistsError):
            await self._client.create_queue()
        return self

    async def aclose(self) -> None:
        await self._client.close()
        if self._credential is not None:
            await self._credential.close()

    async def put(self, message: str) -> None:
        await self._client.send_message(message)
