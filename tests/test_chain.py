"""The whole chain over real HTTP: webhook -> queue -> temporary deployment -> evaluation
-> verdict -> gate; and the temporary deployment's lifecycle on its own."""

from __future__ import annotations

import asyncio
import time
import uuid

import azure.functions as func
import pytest
from azure.core.credentials import AccessToken
from azure.storage.queue import QueueClient, TextBase64DecodePolicy
from emulators.arm import ArmEmulator
from emulators.chat import ChatEmulator
from emulators.contentsafety import ContentSafetyEmulator
from emulators.functions_host import FunctionsHost
from test_finetuning import SECRET, post, signed, succeeded
from test_gate import get

import function_app
from conftest import app_functions
from shared import deployments
from shared.deployments import DeploymentSettings, temporary_deployment
from shared.settings import STORAGE_CONNECTION


class StaticToken:
    """Entra ID cannot run here: a credential that hands out a fixed token."""

    async def get_token(self, *scopes, **options) -> AccessToken:
        return AccessToken("arm-test-token", int(time.time()) + 3600)

    async def close(self) -> None:
        return None

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info) -> None:
        return None


@pytest.fixture
def chain(azurite, monkeypatch, tmp_path):
    with (
        ChatEmulator() as chat,
        ContentSafetyEmulator() as safety,
        ArmEmulator(chat) as arm,
        FunctionsHost(app_functions()) as host,
    ):
        ca_file = tmp_path / "ca.pem"
        arm.ca.cert_pem.write_to_path(str(ca_file))
        settings = {
            STORAGE_CONNECTION: azurite.connection_string,
            "VERDICTS_TABLE": f"verdicts{uuid.uuid4().hex[:8]}",
            "MODEL_EVALUATIONS_QUEUE": f"evals-{uuid.uuid4().hex[:8]}",
            "AZURE_OPENAI_ENDPOINT": chat.endpoint,
            "AZURE_OPENAI_API_KEY": "emulator",
            "CONTENT_SAFETY_ENDPOINT": safety.endpoint,
            "CONTENT_SAFETY_KEY": safety.knobs.key,
            "FINE_TUNING_WEBHOOK_SECRET": SECRET,
            "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
            "AZURE_OPENAI_RESOURCE_GROUP": "rg-ftgate",
            "AZURE_OPENAI_ACCOUNT": "aoai-ftgate",
            "AZURE_RESOURCE_MANAGER_URL": arm.endpoint,
            "FTGATE_DEPLOYMENT_POLL_SECONDS": "0.05",
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(deployments, "management_credential", StaticToken)
        real_client = deployments.management_client
        monkeypatch.setattr(  # trust the emulator's throwaway CA
            deployments,
            "management_client",
            lambda settings, credential: real_client(
                settings, credential, connection_verify=str(ca_file)
            ),
        )
        host.chat, host.safety, host.arm, host.azurite, host.settings = (
            chat, safety, arm, azurite, settings,
        )  # fmt: skip
        yield host


def deliver_queued_evaluation(chain) -> None:
    """Do what the host does with the queued message: run evaluate_model with it."""
    queue = QueueClient.from_connection_string(
        chain.azurite.connection_string,
        chain.settings["MODEL_EVALUATIONS_QUEUE"],
        message_decode_policy=TextBase64DecodePolicy(),
    )
    (message,) = list(queue.receive_messages(max_messages=32))
    body = message.content.encode()
    asyncio.run(function_app.evaluate_model(message=func.QueueMessage(id=message.id, body=body)))
    queue.delete_message(message)


@pytest.mark.parametrize(("model", "deployable"), [("ft-safe", True), ("ft-unsafe", False)])
def test_webhook_to_gate(chain, model, deployable):
    fine_tuned = f"gpt-4o-mini-{uuid.uuid4().hex[:6]}.{model}"
    chain.chat.add_job("ftjob-chain", fine_tuned)
    assert get(chain, f"gate/models/{fine_tuned}")[0] == 404  # pending before anything
    assert post(chain, *signed(succeeded("ftjob-chain"))) == (202, {"status": "queued"})
    deliver_queued_evaluation(chain)
    status, body = get(chain, f"gate/models/{fine_tuned}")
    assert status == 200
    assert body["deployable"] is deployable
    assert body["verdict"] == ("deployable" if deployable else "not_deployable")
    # the temporary deployment served the evaluation and is gone
    assert chain.arm.stats.created == chain.arm.stats.deleted
    assert len(chain.arm.stats.created) == 1
    assert chain.arm.stats.skus == ["DeveloperTier"]
    assert chain.arm.stats.tokens == {"Bearer arm-test-token"}
    assert chain.chat.deployments == {}


def test_the_deployment_is_deleted_when_the_evaluation_errs(chain, monkeypatch):
    monkeypatch.setenv("CONTENT_SAFETY_KEY", "revoked")  # every analysis fails at once
    chain.chat.add_job("ftjob-err", "gpt-4o-mini.ft-safe")
    post(chain, *signed(succeeded("ftjob-err")))
    deliver_queued_evaluation(chain)
    status, body = get(chain, "gate/models/gpt-4o-mini.ft-safe")
    assert (status, body["deployable"], body["verdict"]) == (200, False, "error")
    assert chain.arm.stats.created == chain.arm.stats.deleted != []


def lifecycle(chain, body) -> None:
    settings = DeploymentSettings.from_environment()

    async def run():
        async with (
            StaticToken() as credential,
            deployments.management_client(settings, credential) as client,
        ):

            async def serves(name: str) -> bool:
                return name in chain.chat.deployments

            async with temporary_deployment(client, settings, "gpt-4o-mini.ft-x", serves) as name:
                await body(name)

    asyncio.run(run())


def test_the_deployment_is_deleted_when_evaluation_raises(chain):
    async def fail(name: str) -> None:
        assert chain.chat.deployments[name] == "gpt-4o-mini.ft-x"
        raise RuntimeError("evaluation crashed")

    with pytest.raises(RuntimeError, match="crashed"):
        lifecycle(chain, fail)
    assert chain.arm.stats.deleted == chain.arm.stats.created
    assert chain.chat.deployments == {}


def test_standard_capacity_one_where_developer_tier_is_not_offered(chain):
    chain.arm.developer_offered = False

    async def evaluate(name: str) -> None:
        return None

    lifecycle(chain, evaluate)
    assert chain.arm.stats.rejected_skus == ["DeveloperTier"]
    assert chain.arm.stats.skus == ["Standard"]
    assert chain.arm.stats.deleted == chain.arm.stats.created


def test_the_gate_answer_is_what_an_azure_devops_check_reads(chain):
    """Invoke Azure Function check: success criteria eq(root['deployable'], true)."""
    chain.chat.add_job("ftjob-dev", "gpt-4o-mini.ft-safe")
    post(chain, *signed(succeeded("ftjob-dev")))
    deliver_queued_evaluation(chain)
    status, root = get(chain, "gate/models/gpt-4o-mini.ft-safe")
    assert status == 200
    assert root["deployable"] is True  # what eq(root['deployable'], true) reads
