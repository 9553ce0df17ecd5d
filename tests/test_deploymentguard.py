"""Deployments written by hand through ARM, announced as Event Grid announces them,
judged by the app's Event Grid function: undeployable fine-tuned models are deleted
(cancel) or reported (report); everything else is left alone. Deployments no event
announced (made before ftgate) are judged by the same rule from the timer and
``ftgate enforce --once``."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime

import azure.functions as func
import pytest
from azure.data.tables import TableClient
from azure.functions.timer import TimerRequest
from emulators.arm import ArmEmulator
from emulators.chat import ChatEmulator
from test_gate import _data_verdict, _model_verdict, _trained_on
from test_telemetry import points

import function_app
from conftest import StaticToken, app_functions, install_telemetry_readers, use_arm
from shared import cli, deployments
from shared.deployments import DeploymentSettings, deployment_name
from shared.enforcement import ENFORCEMENT_PARTITION
from shared.lineage import record_file
from shared.settings import STORAGE_CONNECTION, StorageConnection
from shared.storedverdict import row_key
from shared.verdicts import TableVerdictStore

FAILED_SHA, PASSED_SHA = "f" * 64, "a" * 64


@pytest.fixture
def account(azurite, monkeypatch, tmp_path):
    install_telemetry_readers()  # the alert metric is read back
    with ChatEmulator() as chat, ArmEmulator(chat) as arm:
        table = f"guard{uuid.uuid4().hex[:8]}"
        monkeypatch.setenv(STORAGE_CONNECTION, azurite.connection_string)
        monkeypatch.setenv("VERDICTS_TABLE", table)
        monkeypatch.delenv("ENFORCEMENT", raising=False)
        use_arm(arm, monkeypatch, tmp_path)
        arm.store_args = (StorageConnection(azurite.connection_string), table)
        arm.table = TableClient.from_connection_string(azurite.connection_string, table)
        asyncio.run(_seed(arm))
        yield arm


async def _seed(arm) -> None:
    async with TableVerdictStore.open(*arm.store_args) as store:
        for sha, verdict in ((PASSED_SHA, "passed"), (FAILED_SHA, "failed")):
            await store.put_verdict(_data_verdict(sha, verdict))
        await record_file(store, "file-clean", PASSED_SHA)
        await record_file(store, "file-harmful", FAILED_SHA)
        for model, verdict, data in (
            ("gpt-4o-mini.ft-good", "deployable", "file-clean"),
            ("gpt-4o-mini.ft-bad-data", "deployable", "file-harmful"),
            ("gpt-4o-mini.ft-harmful", "not_deployable", "file-clean"),
        ):
            await store.put_verdict(_model_verdict(model, verdict))
            await _trained_on(store, model, data)


def deploy_by_hand(arm, name: str, model: str) -> None:
    """A PUT through the management SDK, as the portal or a pipeline would make it."""
    settings = DeploymentSettings.from_environment()

    async def put():
        async with (
            StaticToken() as credential,
            deployments.management_client(settings, credential) as client,
        ):
            deployment = deployments.Deployment(
                sku=deployments.Sku(name="Standard", capacity=1),
                properties=deployments.DeploymentProperties(
                    model=deployments.DeploymentModel(format="OpenAI", name=model, version="1")
                ),
            )
            poller = await client.deployments.begin_create_or_update(
                settings.resource_group, settings.account, name, deployment, polling_interval=0
            )
            await poller.result()

    asyncio.run(put())


def deliver(arm, event: dict | None = None) -> None:
    """What Event Grid does with the write: invoke the function with the event."""
    event = event or arm.events[-1]
    grid_event = func.EventGridEvent(
        id=event["id"], data=event["data"], topic=event["topic"], subject=event["subject"],
        event_type=event["eventType"], event_time=datetime.fromisoformat(event["eventTime"]),
        data_version=event["dataVersion"],
    )  # fmt: skip
    asyncio.run(function_app.undo_undeployable_deployment(event=grid_event))


def decision(arm, name: str) -> dict | None:
    entities = arm.table.query_entities(
        "PartitionKey eq @p and RowKey eq @r",
        parameters={"p": ENFORCEMENT_PARTITION, "r": row_key(f"deployment:{name}")},
    )
    return next(iter(entities), None)


def alerts(mode: str, action: str) -> float:
    key = (
        "ftgate.enforcement.alerts",
        (("action", action), ("kind", "deployment"), ("mode", mode)),
    )
    return points().get(key, 0)


@pytest.mark.parametrize(
    ("model", "missing"),
    [
        ("gpt-4o-mini.ft-never-evaluated", "model_evaluation,training_data"),  # pending
        ("gpt-4o-mini.ft-harmful", "model_evaluation"),
        ("gpt-4o-mini.ft-bad-data", "training_data"),
    ],
)
def test_an_undeployable_fine_tuned_model_deployed_by_hand_is_deleted(account, model, missing):
    before = alerts("cancel", "deleted")
    deploy_by_hand(account, "prod-chat", model)
    deliver(account)
    assert "prod-chat" not in account.deployments
    assert account.stats.deleted == ["prod-chat"]
    deliver(account)  # the delete is announced too: not a write, nothing more to do
    assert account.events[-1]["eventType"] == "Microsoft.Resources.ResourceDeleteSuccess"
    assert account.stats.deleted == ["prod-chat"]
    recorded = decision(account, "prod-chat")
    assert (recorded["Mode"], recorded["Action"], recorded["Model"]) == ("cancel", "deleted", model)
    assert recorded["Missing"] == missing
    assert recorded["Message"].startswith("The fine-tuned model is not available for deployment")
    assert alerts("cancel", "deleted") == before + 1


def test_report_mode_leaves_the_deployment_and_raises_the_alert(account, monkeypatch):
    monkeypatch.setenv("ENFORCEMENT", "report")
    before = alerts("report", "reported")
    deploy_by_hand(account, "prod-chat", "gpt-4o-mini.ft-harmful")
    deliver(account)
    assert "prod-chat" in account.deployments
    assert account.stats.deleted == []
    assert decision(account, "prod-chat")["Action"] == "reported"
    assert alerts("report", "reported") == before + 1


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("prod-chat", "gpt-4o-mini.ft-good"),  # deployable, and its data passed
        ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),  # a base model
    ],
)
def test_deployable_models_and_base_models_are_left_alone(account, name, model):
    deploy_by_hand(account, name, model)
    deliver(account)
    assert name in account.deployments
    assert account.stats.deleted == []
    assert decision(account, name) is None


def test_ftgates_own_evaluation_deployment_is_recognised_by_its_live_lease(account):
    own = deployment_name("gpt-4o-mini.ft-harmful", "evaluation-1")

    async def lease():
        async with TableVerdictStore.open(*account.store_args) as store:
            await store.renew_lease(own, "gpt-4o-mini.ft-harmful")

    asyncio.run(lease())
    deploy_by_hand(account, own, "gpt-4o-mini.ft-harmful")
    deliver(account)
    assert own in account.deployments
    # the same kind of name without a lease is nobody's evaluation: judged like any other
    impostor = deployment_name("gpt-4o-mini.ft-harmful", "not-an-evaluation")
    deploy_by_hand(account, impostor, "gpt-4o-mini.ft-harmful")
    deliver(account)
    assert account.stats.deleted == [impostor]


def test_events_about_other_resources_are_ignored(account):
    deploy_by_hand(account, "prod-chat", "gpt-4o-mini.ft-harmful")
    event = account.events[-1]
    other = event["subject"].replace("/accounts/aoai-ftgate/", "/accounts/someone-else/")
    deliver(account, {**event, "subject": other})
    deliver(account, {**event, "eventType": "Microsoft.Resources.ResourceDeleteSuccess"})
    assert "prod-chat" in account.deployments
    assert account.stats.deleted == []


def test_the_guard_is_an_event_grid_function():
    (trigger,) = json.loads(app_functions()["undo_undeployable_deployment"].get_function_json())[
        "bindings"
    ]
    assert (trigger["type"], trigger["direction"]) == ("eventGridTrigger", "IN")


def lease(arm, deployment: str, model: str) -> None:
    """A live evaluation's lease on ``deployment``, as ftgate's evaluator renews it."""

    async def renew():
        async with TableVerdictStore.open(*arm.store_args) as store:
            await store.renew_lease(deployment, model)

    asyncio.run(renew())


def legacy(arm) -> str:
    """Deployments made before ftgate was installed (no event ever announced them);
    returns the name of ftgate's own live evaluation deployment among them."""
    own = deployment_name("gpt-4o-mini.ft-harmful", "evaluation-2")
    lease(arm, own, "gpt-4o-mini.ft-harmful")
    for name, model in (
        ("old-harmful", "gpt-4o-mini.ft-harmful"),
        ("old-unevaluated", "gpt-4o-mini.ft-never-evaluated"),
        ("old-good", "gpt-4o-mini.ft-good"),
        ("old-base", "gpt-4o-mini-2024-07-18"),
        (own, "gpt-4o-mini.ft-harmful"),
    ):
        arm.add_deployment(name, model)
    assert arm.events == []
    return own


def run_guard_timer() -> None:
    asyncio.run(function_app.guard_existing_deployments(timer=TimerRequest(past_due=False)))


def test_the_timer_judges_deployments_no_event_announced(account):
    own = legacy(account)
    before = alerts("cancel", "deleted")
    run_guard_timer()
    assert sorted(account.stats.deleted) == ["old-harmful", "old-unevaluated"]
    assert set(account.deployments) == {"old-good", "old-base", own}
    assert decision(account, "old-unevaluated")["Missing"] == "model_evaluation,training_data"
    assert decision(account, "old-good") is None
    assert alerts("cancel", "deleted") == before + 2
    run_guard_timer()  # nothing left to undo
    assert len(account.stats.deleted) == 2


def test_the_timer_in_report_mode_alerts_once_and_deletes_nothing(account, monkeypatch):
    monkeypatch.setenv("ENFORCEMENT", "report")
    legacy(account)
    before = alerts("report", "reported")
    run_guard_timer()
    run_guard_timer()  # the next pass: recorded already, not alerted again
    assert account.stats.deleted == []
    assert alerts("report", "reported") == before + 2
    assert decision(account, "old-harmful")["Action"] == "reported"


def test_a_refused_delete_is_recorded_and_tried_again_by_the_next_pass(account):
    account.add_deployment("old-harmful", "gpt-4o-mini.ft-harmful")
    account.add_deployment("old-bad-data", "gpt-4o-mini.ft-bad-data")
    account.delete_refused = True  # e.g. a delete lock on the account
    before = alerts("cancel", "delete_failed")
    run_guard_timer()  # one refusal does not stop the pass
    assert set(account.deployments) == {"old-harmful", "old-bad-data"}
    assert decision(account, "old-harmful")["Action"] == "delete_failed"
    assert alerts("cancel", "delete_failed") == before + 2
    account.delete_refused = False
    run_guard_timer()
    assert account.deployments == {}
    assert decision(account, "old-bad-data")["Action"] == "deleted"


def test_enforce_once_judges_the_accounts_deployments(account, capsys):
    legacy(account)
    args = ["enforce", "--once", "--base-url", f"{account.chat.endpoint}/v1", "--analyzer", "local"]
    assert cli.main([*args, "--json", "--dry-run"]) == 1
    judged = {
        d["deployment"]: d["action"] for d in json.loads(capsys.readouterr().out)["deployments"]
    }
    assert judged["old-harmful"] == judged["old-unevaluated"] == "would_delete"
    assert judged["old-good"] == judged["old-base"] == "left_alone"
    assert account.stats.deleted == []
    assert decision(account, "old-harmful") is None  # a dry run records nothing
    assert cli.main(args) == 1
    text = capsys.readouterr().out
    assert "5 deployments checked, 2 held" in text
    assert "deployment old-harmful (gpt-4o-mini.ft-harmful): deleted" in text
    assert sorted(account.stats.deleted) == ["old-harmful", "old-unevaluated"]
    assert cli.main(args) == 0  # nothing left to hold


def test_without_the_account_neither_the_timer_nor_the_cli_judges_deployments(
    account, monkeypatch, capsys, caplog
):
    account.add_deployment("old-harmful", "gpt-4o-mini.ft-harmful")
    monkeypatch.delenv("AZURE_OPENAI_ACCOUNT")
    run_guard_timer()
    assert "deployment guard skipped" in caplog.text
    args = ["enforce", "--once", "--base-url", f"{account.chat.endpoint}/v1", "--analyzer", "local"]
    assert cli.main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deployments"] is None  # not checked
    assert "old-harmful" in account.deployments


def test_the_deployment_guard_timer_runs_on_the_enforcement_schedule():
    (timer,) = json.loads(app_functions()["guard_existing_deployments"].get_function_json())[
        "bindings"
    ]
    assert (timer["type"], timer["schedule"]) == ("timerTrigger", "%ENFORCEMENT_SCHEDULE%")
