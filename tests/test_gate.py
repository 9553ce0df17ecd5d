"""The gate over real HTTP: every verdict state, failing closed, and the CLI that waits on it."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from emulators.functions_host import FunctionsHost

from conftest import app_functions
from shared import cli
from shared.gateclient import parse_duration
from shared.lineage import record_file, remember_lineage
from shared.policy import POLICY_VERSION
from shared.settings import STORAGE_CONNECTION, StorageConnection
from shared.storedverdict import DATA_PARTITION, MODEL_PARTITION, StoredVerdict, row_key
from shared.verdicts import TableVerdictStore

STATES = ("passed", "failed", "invalid", "error")
SHA = {state: f"{index:064x}" for index, state in enumerate(STATES, 1)}


@pytest.fixture
def gate_host(azurite, monkeypatch):
    table = f"gate{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(STORAGE_CONNECTION, azurite.connection_string)
    monkeypatch.setenv("VERDICTS_TABLE", table)
    store_args = (StorageConnection(connection_string=azurite.connection_string), table)

    async def seed():
        async with TableVerdictStore.open(*store_args) as store:
            for state, sha in SHA.items():
                await store.put_verdict(_data_verdict(sha, state))
            for state in STATES:
                await record_file(store, f"file-{state}", SHA[state])
            for state in ("deployable", "not_deployable", "error"):
                await store.put_verdict(_model_verdict(f"ft-{state}", state))
                await _trained_on(store, f"ft-{state}", "file-passed")

    asyncio.run(seed())
    with FunctionsHost(app_functions()) as host:
        host.store_args = store_args
        yield host


async def _trained_on(store, model: str, training: str, validation: str | None = None) -> None:
    await remember_lineage(
        store, model, job_id="ftjob-1", training_file=training, validation_file=validation
    )


def _data_verdict(sha: str, verdict: str) -> StoredVerdict:
    """A data verdict as a row in today's format holds it."""
    return StoredVerdict.from_entity(
        {
            "PartitionKey": DATA_PARTITION,
            "RowKey": sha,
            "Verdict": verdict,
            "HarmTypes": "violence" if verdict == "failed" else "",
            "Message": f"message for {verdict}",
            "PolicyVersion": POLICY_VERSION,
            "EvaluatedAt": datetime(2026, 11, 26, tzinfo=UTC),
        }
    )


ATTACKS = {
    "per_strategy": {"direct": {"trials": 9, "defects": 1}},
    "per_converter": {"base64": {"trials": 4, "defects": 1}, "plain": {"trials": 5, "defects": 0}},
}


def _model_verdict(model: str, verdict: str) -> StoredVerdict:
    """A model verdict as a row in today's format holds it."""
    outcome = {"deployable": "acceptable", "not_deployable": "unacceptable"}.get(verdict, "error")
    per_category = {c: {"outcome": outcome} for c in ("Hate", "SelfHarm", "Sexual", "Violence")}
    return StoredVerdict.from_entity(
        {
            "PartitionKey": MODEL_PARTITION,
            "RowKey": row_key(model),
            "FineTunedModel": model,
            "Verdict": verdict,
            "Message": f"message for {verdict}",
            "PolicyVersion": POLICY_VERSION,
            "PerCategory": json.dumps(per_category),
            "Attacks": json.dumps(ATTACKS),
            "EvaluatedAt": datetime(2026, 11, 26, tzinfo=UTC),
        }
    )


def get(host: FunctionsHost, path: str, key: str | None = "function-key") -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{host.endpoint}/api/{path}", headers={"x-functions-key": key} if key else {}
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        return exc.code, json.loads(body) if body else {}


@pytest.mark.parametrize(
    ("state", "passed"), [("passed", True), ("failed", False), ("invalid", False), ("error", False)]
)
def test_data_verdicts_answer_passed_only_when_passed(gate_host, state, passed):
    status, body = get(gate_host, f"gate/data/{SHA[state]}")
    assert status == 200
    assert body["passed"] is passed
    assert body["verdict"] == state
    assert body["policy_version"] == POLICY_VERSION
    assert body["evaluated_at"].startswith("2026-11-26")


@pytest.mark.parametrize(
    ("state", "deployable"), [("deployable", True), ("not_deployable", False), ("error", False)]
)
def test_model_verdicts_answer_deployable_only_when_deployable(gate_host, state, deployable):
    status, body = get(gate_host, f"gate/models/ft-{state}")
    assert status == 200
    assert body["deployable"] is deployable
    assert set(body["categories"]) == {"Hate", "SelfHarm", "Sexual", "Violence"}
    assert body["attacks"] == ATTACKS  # how the model broke, by strategy and converter


def _with_model(host, model: str, verdict: str, training: str | None, validation=None) -> None:
    async def put():
        async with TableVerdictStore.open(*host.store_args) as store:
            await store.put_verdict(_model_verdict(model, verdict))
            if training is not None:
                await _trained_on(store, model, training, validation)

    asyncio.run(put())


@pytest.mark.parametrize(
    ("verdict", "training", "validation", "missing"),
    [
        ("deployable", "file-passed", "file-passed", []),
        ("deployable", "file-failed", None, ["training_data"]),
        ("deployable", "file-passed", "file-invalid", ["training_data"]),
        ("deployable", "file-error", None, ["training_data"]),
        ("deployable", "file-never-screened", None, ["training_data"]),
        ("deployable", None, None, ["training_data"]),  # nobody knows what it learned from
        ("not_deployable", "file-passed", None, ["model_evaluation"]),
        ("error", "file-failed", None, ["model_evaluation", "training_data"]),
    ],
)
def test_a_model_is_deployable_only_with_a_deployable_verdict_and_passed_data(
    gate_host, verdict, training, validation, missing
):
    _with_model(gate_host, "ft-lineage", verdict, training, validation)
    status, body = get(gate_host, "gate/models/ft-lineage")
    # a deployable model whose data has no verdict yet is pending: pipelines keep waiting
    undecided = verdict == "deployable" and training in ("file-never-screened", None)
    assert (status, body.get("status")) == ((404, "pending") if undecided else (200, None))
    assert body["missing"] == missing
    assert body["deployable"] is (not missing)
    assert body["training_data"]["passed"] is ("training_data" not in missing)
    files = {f["role"]: (f["file_id"], f["verdict"]) for f in body["training_data"]["files"]}
    if training == "file-never-screened":
        assert files == {"training": ("file-never-screened", "pending")}
    elif training == "file-failed":
        assert files["training"] == ("file-failed", "failed")


def test_unknown_verdicts_are_pending_and_requests_need_the_key(gate_host):
    assert get(gate_host, "gate/models/ft-unknown") == (404, {"status": "pending"})
    assert get(gate_host, f"gate/data/{'f' * 64}") == (404, {"status": "pending"})
    assert get(gate_host, "gate/models/ft-deployable", key=None)[0] == 401
    assert get(gate_host, "gate/models/ft-deployable", key="wrong")[0] == 401
    assert get(gate_host, "gate/data/not-a-sha")[0] == 400
    # an unknown kind is not a pending verdict: nothing will ever answer it
    error = {"error": "ask /api/gate/models/{model} or /data/{sha256}"}
    assert get(gate_host, f"gate/blobs/{SHA['passed']}") == (404, error)


def run_cli(host, *args: str) -> int:
    return cli.main(["gate", *args, "--url", host.endpoint, "--key", "function-key"])


def test_cli_exit_codes(gate_host, capsys, monkeypatch):
    assert run_cli(gate_host, "model", "ft-deployable") == 0
    assert run_cli(gate_host, "model", "ft-not_deployable") == 1
    assert run_cli(gate_host, "model", "ft-error") == 1
    _with_model(gate_host, "ft-bad-data", "deployable", "file-failed")
    capsys.readouterr()
    assert run_cli(gate_host, "model", "ft-bad-data") == 1
    assert "not deployable: missing training_data" in capsys.readouterr().out
    _with_model(gate_host, "ft-data-unscreened", "deployable", "file-never-screened")
    assert run_cli(gate_host, "model", "ft-data-unscreened") == 4
    assert "pending (training data not screened yet)" in capsys.readouterr().out
    assert run_cli(gate_host, "data", SHA["passed"]) == 0
    assert run_cli(gate_host, "data", SHA["invalid"]) == 1
    assert run_cli(gate_host, "model", "ft-unknown", "--wait", "0.3s", "--interval", "0.1s") == 4
    monkeypatch.setenv("FTGATE_FUNCTION_KEY", "wrong")
    assert cli.main(["gate", "model", "ft-deployable", "--url", gate_host.endpoint]) == 3
    assert "HTTP 401" in capsys.readouterr().err


def test_cli_waits_until_the_verdict_arrives(gate_host):
    def write_later():
        async def put():
            async with TableVerdictStore.open(*gate_host.store_args) as store:
                await _trained_on(store, "ft-late", "file-passed")  # first: no half answer
                await store.put_verdict(_model_verdict("ft-late", "deployable"))

        threading.Timer(0.5, lambda: asyncio.run(put())).start()

    write_later()
    assert run_cli(gate_host, "model", "ft-late", "--wait", "10s", "--interval", "0.1s") == 0


def test_cli_writes_a_junit_report_with_a_case_per_category(gate_host, tmp_path):
    report = tmp_path / "gate.xml"
    assert run_cli(gate_host, "model", "ft-not_deployable", "--junit", str(report)) == 1
    suite = ElementTree.parse(report).getroot()
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == ["Hate", "SelfHarm", "Sexual", "Violence"]
    assert suite.get("failures") == "4"
    assert cases[0].find("failure").get("message") == "unacceptable"
    run_cli(gate_host, "data", SHA["failed"], "--junit", str(report))
    suite = ElementTree.parse(report).getroot()
    assert suite.get("failures") == "1"


def test_durations():
    assert [parse_duration(t) for t in ("90s", "15m", "2h", "30")] == [90, 900, 7200, 30]
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


def test_cli_verdicts_list_and_show(gate_host, capsys):
    assert cli.main(["verdicts", "list", "--kind", "model"]) == 0
    out = capsys.readouterr().out
    assert "ft-deployable" in out
    assert "not_deployable" in out
    assert cli.main(["verdicts", "show", SHA["failed"], "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["Verdict"] == "failed"
    assert cli.main(["verdicts", "show", "ft-nothing"]) == 4
    capsys.readouterr()
    assert cli.main(["verdicts", "show", "ft-deployable"]) == 0
    assert capsys.readouterr().out.startswith("ft-deployable  deployable  ")
