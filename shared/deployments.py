"""Temporary deployments: a fine-tuned model can be called only through a deployment.

When an evaluation request names no deployment, ftgate deploys the fine-tuned
model itself (Developer tier where the region offers it, otherwise Standard with
capacity 1), waits until the deployment answers, evaluates, and deletes it in
every outcome — errors and cancellation included — so nobody pays for an idle
deployment. Uses azure-mgmt-cognitiveservices with the function's managed
identity on the account named in settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.cognitiveservices.aio import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    Sku,
)

from shared.settings import SettingsError

log = logging.getLogger(__name__)

SKUS: Final = (Sku(name="DeveloperTier", capacity=1), Sku(name="Standard", capacity=1))


@dataclass(frozen=True, slots=True)
class DeploymentSettings:
    """The Azure OpenAI account temporary deployments are made in."""

    subscription_id: str
    resource_group: str
    account: str
    resource_manager_url: str | None = None  # another cloud, or an emulator in tests
    ready_timeout: float = 900.0
    poll_interval: float = 10.0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> DeploymentSettings:
        names = ("AZURE_SUBSCRIPTION_ID", "AZURE_OPENAI_RESOURCE_GROUP", "AZURE_OPENAI_ACCOUNT")
        missing = [name for name in names if not environ.get(name)]
        if missing:
            raise SettingsError(
                f"{', '.join(missing)} not set: temporary evaluation deployments need the "
                "Azure OpenAI account's subscription, resource group and name"
            )
        poll = environ.get("FTGATE_DEPLOYMENT_POLL_SECONDS")
        return cls(
            *(environ[name] for name in names),
            resource_manager_url=environ.get("AZURE_RESOURCE_MANAGER_URL") or None,
            poll_interval=float(poll) if poll else 10.0,
        )


def deployment_name(model: str) -> str:
    """A stable, valid deployment name for a model (redeliveries reuse it)."""
    return f"ftgate-eval-{hashlib.sha256(model.encode()).hexdigest()[:16]}"


@contextlib.asynccontextmanager
async def temporary_deployment(
    client: CognitiveServicesManagementClient,
    settings: DeploymentSettings,
    model: str,
    serves: Callable[[str], Awaitable[bool]],
) -> AsyncIterator[str]:
    """Deploy ``model``; yield the deployment's name once it serves; always delete it."""
    name = deployment_name(model)
    try:
        await _create(client, settings, name, model)
        await _until_serving(settings, name, serves)
        yield name
    finally:
        # Shielded: a cancelled evaluation must still not leave a deployment behind.
        await asyncio.shield(_delete(client, settings, name))


async def _create(
    client: CognitiveServicesManagementClient, settings: DeploymentSettings, name: str, model: str
) -> None:
    for sku in SKUS:
        deployment = Deployment(
            sku=sku,
            properties=DeploymentProperties(
                model=DeploymentModel(format="OpenAI", name=model, version="1")
            ),
        )
        try:
            poller = await client.deployments.begin_create_or_update(
                settings.resource_group,
                settings.account,
                name,
                deployment,
                polling_interval=settings.poll_interval,
            )
            await poller.result()
        except HttpResponseError as exc:
            if exc.status_code == 400 and sku is not SKUS[-1]:
                log.info("deployment SKU %s not offered here; trying the next", sku.name)
                continue
            raise
        log.info("temporary deployment %s created with SKU %s", name, sku.name)
        return


async def _until_serving(
    settings: DeploymentSettings, name: str, serves: Callable[[str], Awaitable[bool]]
) -> None:
    deadline = time.monotonic() + settings.ready_timeout
    while not await serves(name):
        if time.monotonic() > deadline:
            raise TimeoutError(f"deployment {name} did not serve within {settings.ready_timeout} s")
        await asyncio.sleep(settings.poll_interval)


async def _delete(
    client: CognitiveServicesManagementClient, settings: DeploymentSettings, name: str
) -> None:
    try:
        poller = await client.deployments.begin_delete(
            settings.resource_group, settings.account, name, polling_interval=settings.poll_interval
        )
        await poller.result()
        log.info("temporary deployment %s deleted", name)
    except ResourceNotFoundError:
        pass


def management_credential() -> Any:
    """The function's identity for Azure Resource Manager (managed identity in Azure)."""
    from azure.identity.aio import DefaultAzureCredential  # noqa: PLC0415 - only when deploying

    return DefaultAzureCredential()


def management_client(
    settings: DeploymentSettings, credential: Any, **transport: Any
) -> CognitiveServicesManagementClient:
    """The management client for the account's subscription (``transport``: azure-core
    options such as ``connection_verify``)."""
    return CognitiveServicesManagementClient(
        credential, settings.subscription_id, base_url=settings.resource_manager_url, **transport
    )
