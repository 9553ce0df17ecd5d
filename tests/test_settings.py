"""Settings from the environment: connection styles and errors that name the variable."""

from __future__ import annotations

import asyncio

import pytest
from azure.core.credentials import AccessToken
from azure.identity import DefaultAzureCredential
from azure.identity.aio import DefaultAzureCredential as AsyncDefaultAzureCredential

from shared.deployments import DeploymentSettings
from shared.queues import JsonQueue
from shared.settings import AppSettings, SettingsError, StorageConnection
from shared.uploads import open_blob
from shared.verdicts import TableVerdictStore

URIS = {
    "TRAINING_STORAGE__blobServiceUri": "https://acct.blob.core.windows.net",
    "TRAINING_STORAGE__queueServiceUri": "https://acct.queue.core.windows.net",
    "TRAINING_STORAGE__tableServiceUri": "https://acct.table.core.windows.net",
    "TRAINING_STORAGE__credential": "managedidentity",
}


def test_identity_based_connection_with_a_user_assigned_identity():
    storage = StorageConnection.from_environment(
        environ={**URIS, "TRAINING_STORAGE__clientId": "00000000-0000-0000-0000-000000000001"}
    )
    assert storage.connection_string is None
    assert storage.table_service_uri == "https://acct.table.core.windows.net"
    assert storage.blob_service_uri == "https://acct.blob.core.windows.net"
    assert storage.client_id == "00000000-0000-0000-0000-000000000001"


def test_a_connection_string_wins_for_local_development():
    storage = StorageConnection.from_environment(
        environ={**URIS, "TRAINING_STORAGE": "UseDevelopmentStorage=true"}
    )
    assert storage.connection_string == "UseDevelopmentStorage=true"


def test_a_missing_connection_names_what_to_set():
    with pytest.raises(SettingsError, match="TRAINING_STORAGE__tableServiceUri"):
        StorageConnection.from_environment(environ={})


def test_app_settings_defaults():
    settings = AppSettings.from_environment({"TRAINING_STORAGE": "UseDevelopmentStorage=true"})
    assert settings.training_container == "training-data"
    assert settings.verdicts_table == "verdicts"
    assert settings.attacker_deployment is None  # scripted strategies only


def test_an_attacker_deployment_is_read_and_an_empty_one_means_none():
    environ = {"TRAINING_STORAGE": "UseDevelopmentStorage=true"}
    attacker = {**environ, "EVALUATION_ATTACKER_DEPLOYMENT": "gpt-4o-attacker"}
    assert AppSettings.from_environment(attacker).attacker_deployment == "gpt-4o-attacker"
    empty = {**environ, "EVALUATION_ATTACKER_DEPLOYMENT": ""}
    assert AppSettings.from_environment(empty).attacker_deployment is None


def test_identity_based_clients_use_the_service_uris_and_the_user_assigned_identity():
    storage = StorageConnection.from_environment(
        environ={**URIS, "TRAINING_STORAGE__clientId": "00000000-0000-0000-0000-000000000002"}
    )
    assert isinstance(storage.credential(), AsyncDefaultAzureCredential)
    assert isinstance(storage.credential(asynchronous=False), DefaultAzureCredential)
    assert open_blob(storage, "training-data", "a.jsonl").url == (
        "https://acct.blob.core.windows.net/training-data/a.jsonl"
    )
    assert TableVerdictStore.open(storage, "verdicts")._table.url.startswith(
        "https://acct.table.core.windows.net"
    )
    assert JsonQueue.open(storage, "model-evaluations")._client.url == (
        "https://acct.queue.core.windows.net/model-evaluations"
    )


def test_identity_based_stores_close_their_credential(monkeypatch):
    closed = []

    class Credential:  # Entra ID cannot run here; this one only records being closed
        async def get_token(self, *scopes, **options) -> AccessToken:
            return AccessToken("unused", 0)

        async def close(self) -> None:
            closed.append(self)

    monkeypatch.setattr(StorageConnection, "credential", lambda self, **_: Credential())
    storage = StorageConnection.from_environment(environ=URIS)

    async def open_and_close() -> None:
        await TableVerdictStore.open(storage, "verdicts").aclose()
        await JsonQueue.open(storage, "model-evaluations").aclose()

    asyncio.run(open_and_close())
    assert len(closed) == 2


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1", "0.5"])
def test_the_openai_quota_must_be_a_sane_number(value):
    environ = {"TRAINING_STORAGE": "UseDevelopmentStorage=true", "AZURE_OPENAI_MAX_RPM": value}
    with pytest.raises(SettingsError, match="AZURE_OPENAI_MAX_RPM must be a number from 1"):
        AppSettings.from_environment(environ)


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1"])
def test_the_deployment_poll_interval_must_be_a_sane_number(value):
    environ = {
        "AZURE_SUBSCRIPTION_ID": "s",
        "AZURE_OPENAI_RESOURCE_GROUP": "g",
        "AZURE_OPENAI_ACCOUNT": "a",
        "FTGATE_DEPLOYMENT_POLL_SECONDS": value,
    }
    with pytest.raises(SettingsError, match="FTGATE_DEPLOYMENT_POLL_SECONDS must be a number"):
        DeploymentSettings.from_environment(environ)
