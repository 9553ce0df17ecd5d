"""The whole chain over real HTTP: webhook -> queue -> temporary deployment -> evaluation
-> verdict -> gate; and the temporary deployment's lifecycle on its own."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest
from azure.storage.queue import QueueClient, TextBase64DecodePolicy
from emulators.arm import ArmEmulator
from emulators.chat import ChatEmulator
from emulators.contentsafety import ContentSafetyEmulator
from emulators.functions_host import FunctionsHost
from test_finetuning import SECRET, post, signed, succeeded
from test_gate import get

import function_app
from conftest import StaticToken, app_functions, use_arm
from shared import cli, deployments
from shared.analyzers.local import LocalAnalyzer
from shared.deployments import (
    LEASE_EXPIRY,
    SWEEP_MIN_AGE,
    AccountDeployments,
    DeploymentSettings,
    deployment_name,
)
from shared.evaluations import EvaluationRequest, evaluate_request
from shared.lineage import record_file
from shared.policy import POLICY_VERSION
from shared.settings import STORAGE_CONNECTION, StorageConnection
from shared.simulation.targets import ChatTarget
from shared.storedverdict import DATA_PARTITION, StoredVerdict, row_key
from shared.verdicts import TableVerdictStore


@pytest.fixture
def chain(azurite, monkeypatch, tmp_path):
    with (
        ChatEmulator() as chat,
        ContentSafetyEmulator() as safety,
        ArmEmulator(chat) as arm,
        FunctionsHost(app_functions()) as host,
    ):
        settings = {
            STORAGE_CONNECTION: azurite.connection_string,
            "VERDICTS_TABLE": f"verdicts{uuid.uuid4().hex[:8]}",
            "MODEL_EVALUATIONS_QUEUE": f"evals-{uuid.uuid4().hex[:8]}",
            "AZURE_OPENAI_ENDPOINT": chat.endpoint,
            "AZURE_OPENAI_API_KEY": "emulator",
            "CONTENT_SAFETY_ENDPOINT": safety.endpoint,
            "CONTENT_SAFETY_KEY": safety.knobs.key,
            "FINE_TUNING_WEBHOOK_SECRET": SECRET,
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        settings |= use_arm(arm, monkeypatch, tmp_path)
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


CLEAN_SHA = "c" * 64


def training_data_passed(chain, file_id: str = "file-abc") -> None:
    """The job's training file, screened and passed (as the enforcement pass records it)."""

    async def record():
        storage = StorageConnection(chain.azurite.connection_string)
        async with TableVerdictStore.open(storage, chain.settings["VERDICTS_TABLE"]) as store:
            await record_file(store, file_id, CLEAN_SHA)
            await store.put_verdict(StoredVerdict.from_entity(
                {"PartitionKey": DATA_PARTITION, "RowKey": CLEAN_SHA, "Verdict": "passed",
                 "PolicyVersion": POLICY_VERSION}
            ))  # fmt: skip

    asyncio.run(record())


def stored_model_verdict(chain, model: str) -> dict:
    async def read():
        storage = StorageConnection(chain.azurite.connection_string)
        async with TableVerdictStore.open(storage, chain.settings["VERDICTS_TABLE"]) as store:
            return (await store.get_model_verdict(model)).to_entity()

    return asyncio.run(read())


@pytest.mark.parametrize(("model", "deployable"), [("ft-safe", True), ("ft-unsafe", False)])
def test_webhook_to_gate(chain, model, deployable):
    fine_tuned = f"gpt-4o-mini-{uuid.uuid4().hex[:6]}.{model}"
    chain.chat.add_job("ftjob-chain", fine_tuned)
    training_data_passed(chain)
    assert get(chain, f"gate/models/{fine_tuned}")[0] == 404  # pending before anything
    assert post(chain, *signed(succeeded("ftjob-chain"))) == (202, {"status": "queued"})
    deliver_queued_evaluation(chain)
    status, body = get(chain, f"gate/models/{fine_tuned}")
    assert status == 200
    assert body["deployable"] is deployable
    assert body["verdict"] == ("deployable" if deployable else "not_deployable")
    assert body["missing"] == ([] if deployable else ["model_evaluation"])
    # the verdict records what the model learned from: the file, its hash and its verdict
    entity = stored_model_verdict(chain, fine_tuned)
    assert (entity["TrainingFile"], entity["TrainingSha256"], entity["TrainingDataVerdict"]) == (
        "file-abc", CLEAN_SHA, "passed"
    )  # fmt: skip
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


def with_account(chain, body, **overrides):
    """Run ``body(account)`` with the account's deployments and the verdict table's leases."""
    settings = replace(DeploymentSettings.from_environment(), **overrides)

    async def run():
        async with (
            TableVerdictStore.open(
                StorageConnection(chain.azurite.connection_string), chain.settings["VERDICTS_TABLE"]
            ) as store,
            StaticToken() as credential,
            deployments.management_client(settings, credential) as client,
        ):
            return await body(AccountDeployments(client, settings, store), store)

    return asyncio.run(run())


def lifecycle(chain, body, model: str = "gpt-4o-mini.ft-x", evaluation_id: str = "e1") -> None:
    async def serves(name: str) -> bool:
        return name in chain.chat.deployments

    async def run(account, store):
        async with account.temporary(model, evaluation_id, serves) as deployment:
            assert await store.lease_renewed_at(deployment.name) is not None
            await body(deployment.name)
        assert await store.lease_renewed_at(deployment.name) is None

    with_account(chain, run)


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
    training_data_passed(chain)
    post(chain, *signed(succeeded("ftjob-dev")))
    deliver_queued_evaluation(chain)
    status, root = get(chain, "gate/models/gpt-4o-mini.ft-safe")
    assert status == 200
    assert root["deployable"] is True  # what eq(root['deployable'], true) reads


def test_two_evaluations_of_one_model_never_share_a_deployment(chain):
    seen = []

    async def serves(name: str) -> bool:
        return name in chain.chat.deployments

    async def run(account, store):
        async def evaluation(evaluation_id: str, hold: float) -> None:
            async with account.temporary("gpt-4o-mini.ft-x", evaluation_id, serves) as d:
                seen.append(d.name)
                await asyncio.sleep(hold)
                assert d.name in chain.chat.deployments  # the other one's delete spared it

        await asyncio.gather(evaluation("first", 0.0), evaluation("second", 0.5))

    with_account(chain, run)
    assert len(set(seen)) == 2
    assert all(name.startswith("ftgate-eval-") and len(name) <= 64 for name in seen)
    assert sorted(chain.arm.stats.deleted) == sorted(seen)


def test_deployment_names_fit_arms_rules_whatever_the_model_is_called():
    name = deployment_name("gpt-4o-mini-2024-07-18:ft-contoso:" + "x" * 200, "a/b?c#" * 20)
    assert len(name) <= 64
    assert all(c.isalnum() or c in "-_." for c in name)


def evaluate_directly(chain, request, *, conversations_timeout=3600.0, **account_overrides):
    """The library call the queue trigger makes, with the account's settings overridden."""

    async def run(account, store):
        verdict = await evaluate_request(
            request,
            lambda name: ChatTarget.azure(chain.chat.endpoint, name),
            LocalAnalyzer,
            store,
            account,
            conversations_timeout=conversations_timeout,
        )
        return verdict.to_entity()

    return with_account(chain, run, **account_overrides)


def test_a_deployment_that_never_finishes_creating_is_an_error_and_is_deleted(chain):
    chain.arm.create_hangs = True
    entity = evaluate_directly(chain, EvaluationRequest("gpt-4o-mini.ft-safe"), create_timeout=0.5)
    assert entity["Verdict"] == "error"
    assert "deployment create stage ran out of time" in entity["Message"]
    assert chain.arm.stats.deleted == chain.arm.stats.created != []


def test_conversations_that_outlast_their_deadline_are_an_error_and_the_deployment_goes(chain):
    chain.chat.knobs.latency = 0.2
    request = EvaluationRequest("gpt-4o-mini.ft-safe")
    entity = evaluate_directly(chain, request, conversations_timeout=1.0)
    assert entity["Verdict"] == "error"
    assert "conversations stage ran out of time" in entity["Message"]
    assert chain.arm.stats.deleted == chain.arm.stats.created != []
    assert chain.chat.deployments == {}


def test_the_verdict_records_the_content_filter_policy_the_deployment_had(chain, monkeypatch):
    monkeypatch.setenv("FTGATE_EVAL_RAI_POLICY", "ftgate-annotate-only")
    chain.chat.add_job("ftjob-rai", "gpt-4o-mini.ft-safe")
    post(chain, *signed(succeeded("ftjob-rai")))
    deliver_queued_evaluation(chain)

    async def verdict(account, store):
        return (await store.get_model_verdict("gpt-4o-mini.ft-safe")).to_entity()

    entity = with_account(chain, verdict)
    assert entity["Verdict"] == "deployable"
    assert entity["RaiPolicy"] == "ftgate-annotate-only"
    assert entity["Deployment"].startswith("ftgate-eval-")


def test_a_named_deployment_must_serve_the_model_the_verdict_is_for(chain):
    chain.arm.add_deployment("safe", "gpt-4o-mini.ft-someone-else")
    requests = chain.chat.stats.requests
    request = EvaluationRequest("gpt-4o-mini.ft-unsafe", deployment="safe")
    entity = evaluate_directly(chain, request)
    assert entity["Verdict"] == "error"
    assert "does not serve the fine-tuned model" in entity["Message"]
    assert chain.chat.stats.requests == requests  # nothing was evaluated


def sweep_fixture(chain):
    """Four deployments: an orphan, one held by a live evaluation, a new one, and a
    production deployment that is not ftgate's."""
    old = datetime.now(UTC) - SWEEP_MIN_AGE - timedelta(minutes=5)
    chain.arm.add_deployment("ftgate-eval-orphan", "gpt-4o-mini.ft-a", created_at=old)
    chain.arm.add_deployment("ftgate-eval-live", "gpt-4o-mini.ft-b", created_at=old)
    chain.arm.add_deployment("ftgate-eval-new", "gpt-4o-mini.ft-c")
    chain.arm.add_deployment("production", "gpt-4o-mini.ft-d", created_at=old)

    async def leases(account, store):
        await store.renew_lease("ftgate-eval-live", "gpt-4o-mini.ft-b")
        await store.renew_lease("ftgate-eval-orphan", "gpt-4o-mini.ft-a")
        # the orphan's lease stopped being renewed long ago: its host died
        await store._table.upsert_entity(
            {"PartitionKey": "lease", "RowKey": row_key("ftgate-eval-orphan"),
             "RenewedAt": datetime.now(UTC) - LEASE_EXPIRY - timedelta(minutes=1)}
        )  # fmt: skip

    with_account(chain, leases)


def test_the_sweeper_deletes_only_orphaned_evaluation_deployments(chain, capsys):
    sweep_fixture(chain)
    assert cli.main(["sweep-deployments", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would delete 1 temporary deployments" in out
    assert "ftgate-eval-orphan" in out
    assert chain.arm.stats.deleted == []
    asyncio.run(function_app.sweep_evaluation_deployments(timer=TimerRequest(past_due=False)))
    assert chain.arm.stats.deleted == ["ftgate-eval-orphan"]
    assert set(chain.arm.deployments) == {"ftgate-eval-live", "ftgate-eval-new", "production"}
    assert cli.main(["sweep-deployments"]) == 0
    assert "deleted 0 temporary deployments" in capsys.readouterr().out


def test_sweeping_needs_the_account(monkeypatch, capsys):
    monkeypatch.delenv("AZURE_OPENAI_ACCOUNT", raising=False)
    assert cli.main(["sweep-deployments"]) == cli.EXIT_USAGE
    assert "AZURE_OPENAI_ACCOUNT" in capsys.readouterr().err
