"""Deployments: what a deployment serves, and temporary ones made for an evaluation.

A fine-tuned model can be called only through a deployment. Before anything is
evaluated, the deployment is read through Azure Resource Manager and must serve
the fine-tuned model itself: a request cannot point ftgate at another model's
deployment and have the verdict recorded for this one.

When a request names no deployment, ftgate deploys the model itself (Developer
tier where the region offers it, otherwise Standard with capacity 1) under a
name unique to the evaluation, with the content-filter (RAI) policy named in
``FTGATE_EVAL_RAI_POLICY`` when set, waits until it answers, evaluates, and
deletes it in every outcome. Each stage has a deadline. While it lives, the
evaluation renews a lease on it in the verdict table; a host killed mid-way
cannot run its ``finally``, so :meth:`AccountDeployments.sweep` deletes ``ftgate-eval-*``
deployments whose lease has gone quiet. Uses azure-mgmt-cognitiveservices with
the function's managed identity on the account named in settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.cognitiveservices.aio import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    Sku,
)

from shared import telemetry
from shared.errors import FtgateError
from shared.settings import SettingsError, number_setting

log = logging.getLogger(__name__)

SKUS: Final = (Sku(name="DeveloperTier", capacity=1), Sku(name="Standard", capacity=1))
PREFIX: Final = "ftgate-eval-"
# A live evaluation renews its lease this often; a lease not renewed for
# LEASE_EXPIRY belongs to a host that died, and its deployment may be swept.
LEASE_RENEWAL: Final = timedelta(minutes=1)
LEASE_EXPIRY: Final = timedelta(minutes=10)
# Never sweep a deployment younger than this, lease or not: its evaluation may
# still be writing its first lease.
SWEEP_MIN_AGE: Final = timedelta(minutes=30)


class StageTimeout(FtgateError):
    """A stage of an evaluation ran out of time; the message names the stage."""

    def __init__(self, stage: str, seconds: float) -> None:
        super().__init__(f"the {stage} stage ran out of time after {seconds:.0f} s")
        self.stage = stage


class DeploymentMismatch(FtgateError):
    """The deployment does not serve the model the verdict would be recorded for."""


@contextlib.asynccontextmanager
async def stage(name: str, seconds: float) -> AsyncIterator[None]:
    """Run a stage under its deadline; running out raises :class:`StageTimeout`."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise StageTimeout(name, seconds) from None


@dataclass(frozen=True, slots=True)
class DeploymentInfo:
    """What Azure Resource Manager says a deployment is."""

    name: str
    model: str
    model_format: str
    rai_policy: str
    created_at: datetime | None = None

    def check_serves(self, model: str) -> None:
        """Raise :class:`DeploymentMismatch` unless this deployment serves ``model``."""
        if self.model_format != "OpenAI" or self.model != model:
            raise DeploymentMismatch(
                f"deployment {self.name} does not serve the fine-tuned model being evaluated"
            )


class Leases(Protocol):
    """Where evaluations record that a temporary deployment is in use (the verdict table)."""

    async def renew_lease(self, deployment: str, model: str) -> None: ...

    async def lease_renewed_at(self, deployment: str) -> datetime | None: ...

    async def drop_lease(self, deployment: str) -> None: ...


@dataclass(frozen=True, slots=True)
class DeploymentSettings:
    """The Azure OpenAI account temporary deployments are made in."""

    subscription_id: str
    resource_group: str
    account: str
    resource_manager_url: str | None = None  # another cloud, or an emulator in tests
    rai_policy: str | None = None  # the content-filter policy temporary deployments get
    create_timeout: float = 1200.0
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
        return cls(
            *(environ[name] for name in names),
            resource_manager_url=environ.get("AZURE_RESOURCE_MANAGER_URL") or None,
            rai_policy=environ.get("FTGATE_EVAL_RAI_POLICY") or None,
            poll_interval=number_setting(
                environ, "FTGATE_DEPLOYMENT_POLL_SECONDS", 10.0, minimum=0.01, maximum=3600
            ),
        )


_UNSAFE_NAME: Final = re.compile(r"[^A-Za-z0-9_.-]")


def configured_account() -> DeploymentSettings | None:
    """The account from the environment, or None when it is not configured."""
    try:
        return DeploymentSettings.from_environment()
    except SettingsError:
        return None


def deployment_name(model: str, evaluation_id: str) -> str:
    """A deployment name unique to one evaluation of one model.

    ARM allows letters, digits, ``-``, ``_`` and ``.`` up to 64 characters; the
    model is hashed (its name may be longer or hold other characters) and the
    evaluation id keeps two evaluations of one model apart.
    """
    digest = hashlib.sha256(model.encode()).hexdigest()[:12]
    return f"{PREFIX}{digest}-{_UNSAFE_NAME.sub('', evaluation_id)[:32]}"


def _info(deployment: Deployment) -> DeploymentInfo:
    properties = deployment.properties or DeploymentProperties()
    model = properties.model or DeploymentModel()
    system = deployment.system_data
    return DeploymentInfo(
        name=deployment.name or "",
        model=model.name or "",
        model_format=model.format or "",
        rai_policy=properties.rai_policy_name or "",
        created_at=system.created_at if system is not None else None,
    )


async def _renew(leases: Leases, name: str, model: str) -> None:
    while True:
        await asyncio.sleep(LEASE_RENEWAL.total_seconds())
        try:
            await leases.renew_lease(name, model)
        except Exception:  # a missed renewal is retried; LEASE_EXPIRY allows for several
            log.warning("could not renew the lease on deployment %s", name)


async def _create(
    client: CognitiveServicesManagementClient, settings: DeploymentSettings, name: str, model: str
) -> None:
    for sku in SKUS:
        deployment = Deployment(
            sku=sku,
            properties=DeploymentProperties(
                model=DeploymentModel(format="OpenAI", name=model, version="1"),
                rai_policy_name=settings.rai_policy,
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
    while True:
        if await serves(name):
            return
        await asyncio.sleep(settings.poll_interval)


async def _delete(
    client: CognitiveServicesManagementClient, settings: DeploymentSettings, name: str
) -> None:
    try:
        poller = await client.deployments.begin_delete(
            settings.resource_group, settings.account, name, polling_interval=settings.poll_interval
        )
        await poller.result()
        log.info("deployment %s deleted", name)
    except ResourceNotFoundError:
        pass


class AccountDeployments:
    """The deployments of the Azure OpenAI account in settings, through one ARM client."""

    def __init__(
        self,
        client: CognitiveServicesManagementClient,
        settings: DeploymentSettings,
        leases: Leases,
    ) -> None:
        self.client = client
        self.settings = settings
        self.leases = leases

    async def serving(self, name: str, model: str) -> DeploymentInfo:
        """The deployment ``name``, checked to serve ``model`` (else DeploymentMismatch)."""
        try:
            info = await self.describe(name)
        except ResourceNotFoundError:
            raise DeploymentMismatch(f"deployment {name} does not exist") from None
        info.check_serves(model)
        return info

    @contextlib.asynccontextmanager
    async def temporary(
        self, model: str, evaluation_id: str, serves: Callable[[str], Awaitable[bool]]
    ) -> AsyncIterator[DeploymentInfo]:
        """Deploy ``model`` for one evaluation; yield it once it serves; always delete it.

        The lease is taken before the deployment exists and renewed while it lives,
        so the sweeper never deletes it under a live evaluation.
        """
        client, settings, leases = self.client, self.settings, self.leases
        name = deployment_name(model, evaluation_id)
        await leases.renew_lease(name, model)
        renewing = asyncio.ensure_future(_renew(leases, name, model))
        try:
            async with stage("deployment create", settings.create_timeout):
                await _create(client, settings, name, model)
            async with stage("deployment readiness", settings.ready_timeout):
                await _until_serving(settings, name, serves)
            yield await self.describe(name)
        finally:
            renewing.cancel()
            # Shielded: a cancelled evaluation must still not leave a deployment behind.
            await asyncio.shield(_delete(client, settings, name))
            await asyncio.shield(leases.drop_lease(name))

    async def sweep(self, *, dry_run: bool = False) -> SweepReport:
        """Delete ``ftgate-eval-*`` deployments that no live evaluation holds.

        A deployment is left alone while its lease was renewed within LEASE_EXPIRY,
        or while it is younger than SWEEP_MIN_AGE. Other deployments are never
        touched. ``dry_run`` reports what would be deleted and deletes nothing.
        """
        now = datetime.now(UTC)
        report = SweepReport()
        async for info in self.all():
            if not info.name.startswith(PREFIX):
                continue
            if await self.held_by_live_evaluation(info.name, now):
                report.live.append(info.name)
            elif info.created_at is not None and now - info.created_at < SWEEP_MIN_AGE:
                report.young.append(info.name)
            else:
                report.deleted.append(info.name)
        if not dry_run:
            for name in report.deleted:
                await self.delete(name)
                await self.leases.drop_lease(name)
            telemetry.deployments_swept.add(len(report.deleted))
        return report

    async def all(self) -> AsyncIterator[DeploymentInfo]:
        """Every deployment on the account, as ARM lists it (all pages)."""
        settings = self.settings
        async for deployment in self.client.deployments.list(
            settings.resource_group, settings.account
        ):
            yield _info(deployment)

    async def held_by_live_evaluation(self, name: str, now: datetime) -> bool:
        """An ``ftgate-eval-*`` deployment whose lease was renewed within LEASE_EXPIRY:
        ftgate's own, in use. The name alone proves nothing (anyone may choose it)."""
        if not name.startswith(PREFIX):
            return False
        renewed = await self.leases.lease_renewed_at(name)
        return renewed is not None and now - renewed < LEASE_EXPIRY

    async def delete(self, name: str) -> None:
        """Delete a deployment (gone already: nothing to do)."""
        await _delete(self.client, self.settings, name)

    async def describe(self, name: str) -> DeploymentInfo:
        """A deployment as ARM reports it (``ResourceNotFoundError`` if there is none)."""
        settings = self.settings
        return _info(
            await self.client.deployments.get(settings.resource_group, settings.account, name)
        )


@contextlib.asynccontextmanager
async def account_deployments(
    leases: Leases, settings: DeploymentSettings | None
) -> AsyncIterator[AccountDeployments | None]:
    """The account's deployments with the function's identity; None without settings
    (then nothing can be checked or deployed)."""
    if settings is None:
        yield None
        return
    async with (
        management_credential() as credential,
        management_client(settings, credential) as client,
    ):
        yield AccountDeployments(client, settings, leases)


@dataclass(slots=True)
class SweepReport:
    """What a sweep found: temporary deployments deleted, and those left alone."""

    deleted: list[str] = field(default_factory=list)
    live: list[str] = field(default_factory=list)  # a lease renewed recently
    young: list[str] = field(default_factory=list)  # too new to judge


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
