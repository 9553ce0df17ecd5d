"""Enforcement end to end: files uploaded through the files API, screened, and the
fine-tuning jobs that use them held to the verdict — over real HTTP, on Azurite."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid

import openai
import pytest
from azure.data.tables import TableClient
from azure.functions.timer import TimerRequest
from emulators.chat import ChatEmulator
from emulators.contentsafety import ContentSafetyEmulator
from emulators.images import data_url, png
from test_cli import CANARY, harmful_file
from test_images import image_file
from test_telemetry import points

import function_app
from conftest import app_functions, clean_file, install_telemetry_readers
from shared import cli
from shared.enforcement import ENFORCEMENT_PARTITION
from shared.settings import STORAGE_CONNECTION
from shared.storedverdict import row_key


@pytest.fixture
def account(azurite, monkeypatch):
    """An OpenAI-compatible account (files, jobs) and a fresh verdict table."""
    install_telemetry_readers()  # the alert metric is read back
    with ChatEmulator() as chat:
        table = f"enforce{uuid.uuid4().hex[:8]}"
        monkeypatch.setenv(STORAGE_CONNECTION, azurite.connection_string)
        monkeypatch.setenv("VERDICTS_TABLE", table)
        monkeypatch.delenv("ENFORCEMENT", raising=False)
        chat.table = TableClient.from_connection_string(azurite.connection_string, table)
        chat.sdk = openai.OpenAI(base_url=f"{chat.endpoint}/v1", api_key="emulator")
        yield chat


def upload(chat, content: bytes) -> str:
    """Upload through the files API, as a team that skips the blob container would."""
    return chat.sdk.files.create(file=("train.jsonl", content), purpose="fine-tune").id


def enforce_once(chat, capsys, *extra: str) -> tuple[int, dict]:
    args = ["enforce", "--once", "--base-url", f"{chat.endpoint}/v1", "--analyzer", "local"]
    code = cli.main([*args, "--json", *extra])
    out = capsys.readouterr().out
    assert CANARY not in out
    return code, json.loads(out)


def alerts(mode: str, action: str) -> float:
    key = ("ftgate.enforcement.alerts", (("action", action), ("kind", "job"), ("mode", mode)))
    return points().get(key, 0)


def stored_text(chat) -> str:
    return json.dumps([dict(e) for e in chat.table.list_entities()], default=str)


def test_a_job_on_harmful_data_is_cancelled_within_one_pass(account, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    harmful, clean = upload(account, harmful_file()), upload(account, clean_file())
    account.add_job("ftjob-bad", None, status="running", training_file=harmful)
    account.add_job("ftjob-good", None, status="queued", training_file=clean)
    account.add_job("ftjob-bad-validation", None, status="validating_files",
                    training_file=clean, validation_file=harmful)  # fmt: skip
    code, report = enforce_once(account, capsys)
    assert code == 1
    assert {f["file_id"]: f["verdict"] for f in report["files"]} == {
        harmful: "failed", clean: "passed"
    }  # fmt: skip
    held = {d["job_id"]: d for d in report["decisions"]}
    assert set(held) == {"ftjob-bad", "ftjob-bad-validation"}
    assert held["ftjob-bad"]["action"] == "cancelled"
    assert held["ftjob-bad"]["message"].startswith("The provided training data failed RAI checks")
    assert held["ftjob-bad-validation"]["role"] == "validation"
    assert account.jobs["ftjob-bad"]["status"] == "cancelled"
    assert account.jobs["ftjob-bad-validation"]["status"] == "cancelled"
    assert account.jobs["ftjob-good"]["status"] == "queued"  # clean data: untouched
    decision = account.table.get_entity(ENFORCEMENT_PARTITION, row_key("job:ftjob-bad"))
    assert (decision["Mode"], decision["Action"], decision["FileId"]) == (
        "cancel", "cancelled", harmful
    )  # fmt: skip
    assert decision["Message"] == held["ftjob-bad"]["message"]
    assert CANARY not in stored_text(account) + caplog.text
    # what an operator reads: the decisions, and one by its key
    assert cli.main(["verdicts", "list", "--kind", "enforcement"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert sorted(line.split("  ")[:3] for line in listed) == [
        ["job:ftjob-bad", "cancel", "cancelled"],
        ["job:ftjob-bad-validation", "cancel", "cancelled"],
    ]
    assert cli.main(["verdicts", "show", "job:ftjob-bad", "--kind", "enforcement", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["FileId"] == harmful


def test_a_running_job_beyond_the_first_page_of_jobs_is_held(account, capsys):
    harmful = upload(account, harmful_file())
    account.add_job("ftjob-old-but-running", None, status="running", training_file=harmful)
    for number in range(130):  # newer jobs, all ended: the running one is on page two
        account.add_job(f"ftjob-{number}", f"gpt-4o-mini.ft-{number}")
    _, report = enforce_once(account, capsys)
    assert [d["job_id"] for d in report["decisions"]] == ["ftjob-old-but-running"]


def test_report_mode_leaves_the_job_running_and_raises_the_alert(account, capsys, monkeypatch):
    monkeypatch.setenv("ENFORCEMENT", "report")
    harmful = upload(account, harmful_file())
    account.add_job("ftjob-trial", None, status="running", training_file=harmful)
    before = alerts("report", "reported")
    code, report = enforce_once(account, capsys)
    assert code == 1
    assert report["mode"] == "report"
    assert [d["action"] for d in report["decisions"]] == ["reported"]
    assert account.jobs["ftjob-trial"]["status"] == "running"
    assert alerts("report", "reported") == before + 1
    enforce_once(account, capsys)  # the next pass: recorded already, not alerted again
    assert alerts("report", "reported") == before + 1
    decision = account.table.get_entity(ENFORCEMENT_PARTITION, row_key("job:ftjob-trial"))
    assert decision["Mode"] == "report"


def test_data_not_wholly_screened_holds_the_job_like_an_error(account, capsys, monkeypatch):
    """Images the local analyzer cannot screen: the file is incomplete, never a pass —
    the job is cancelled saying the data could not be fully evaluated; in report mode
    it runs on, recorded and alerted."""
    with_images = upload(account, image_file(*[data_url(png(rgb=(40, 200, 40)))] * 10))
    account.add_job("ftjob-cancel", None, status="running", training_file=with_images)
    code, report = enforce_once(account, capsys)
    assert code == 1
    assert [f["verdict"] for f in report["files"]] == ["incomplete"]
    (held,) = report["decisions"]
    assert (held["job_id"], held["action"], held["data_verdict"]) == (
        "ftjob-cancel", "cancelled", "incomplete"
    )  # fmt: skip
    assert held["message"].startswith("The training data could not be fully evaluated")
    assert account.jobs["ftjob-cancel"]["status"] == "cancelled"
    monkeypatch.setenv("ENFORCEMENT", "report")
    account.add_job("ftjob-report", None, status="running", training_file=with_images)
    before = alerts("report", "reported")
    code, report = enforce_once(account, capsys)
    assert [(d["job_id"], d["action"]) for d in report["decisions"]] == [
        ("ftjob-report", "reported")
    ]  # fmt: skip
    assert account.jobs["ftjob-report"]["status"] == "running"
    assert alerts("report", "reported") == before + 1
    decision = account.table.get_entity(ENFORCEMENT_PARTITION, row_key("job:ftjob-report"))
    assert (decision["Mode"], decision["DataVerdict"]) == ("report", "incomplete")


def test_the_same_content_uploaded_twice_is_screened_once(account, capsys):
    first, second = upload(account, harmful_file()), upload(account, harmful_file())
    _, report = enforce_once(account, capsys)
    by_id = {f["file_id"]: f for f in report["files"]}
    assert by_id[first]["sha256"] == by_id[second]["sha256"]
    assert sorted(f["screened"] for f in by_id.values()) == [False, True]
    reads = dict(account.content_reads)
    _, again = enforce_once(account, capsys)  # a later pass reads no content at all
    assert [f["screened"] for f in again["files"]] == [False, False]
    assert dict(account.content_reads) == reads


def test_dry_run_cancels_nothing_and_records_no_decision(account, capsys):
    harmful = upload(account, harmful_file())
    account.add_job("ftjob-dry", None, status="running", training_file=harmful)
    code, report = enforce_once(account, capsys, "--dry-run")
    assert code == 1
    assert [d["action"] for d in report["decisions"]] == ["would_cancel"]
    assert account.jobs["ftjob-dry"]["status"] == "running"
    assert not list(account.table.query_entities(f"PartitionKey eq '{ENFORCEMENT_PARTITION}'"))
    args = ["enforce", "--once", "--dry-run", "--base-url", f"{account.endpoint}/v1"]
    assert cli.main([*args, "--analyzer", "local"]) == 1
    text = capsys.readouterr().out
    assert text.startswith("enforcement (dry run), mode cancel\n")
    assert f"job ftjob-dry: would_cancel — training file {harmful} failed" in text


def test_an_unreadable_file_holds_no_job_and_is_tried_again(account, capsys):
    missing = "file-gone"  # the job names a file the account no longer serves
    account.add_job("ftjob-orphan", None, status="running", training_file=missing)
    code, report = enforce_once(account, capsys)
    assert (code, report["unreadable"], report["decisions"]) == (3, [missing], [])
    assert account.jobs["ftjob-orphan"]["status"] == "running"


def test_a_download_cut_mid_way_holds_nothing_and_is_read_again(account, capsys):
    harmful = upload(account, harmful_file())
    account.add_job("ftjob-later", None, status="running", training_file=harmful)
    account.cut_content_after = 100
    code, report = enforce_once(account, capsys)
    assert (code, report["unreadable"], report["decisions"]) == (3, [harmful], [])
    assert account.jobs["ftjob-later"]["status"] == "running"
    account.cut_content_after = None  # the network recovered: the next pass decides
    code, report = enforce_once(account, capsys)
    assert [d["job_id"] for d in report["decisions"]] == ["ftjob-later"]
    assert account.jobs["ftjob-later"]["status"] == "cancelled"


def test_an_invalid_enforcement_setting_is_refused_by_name(account, capsys, monkeypatch):
    monkeypatch.setenv("ENFORCEMENT", "warn")
    args = ["enforce", "--once", "--base-url", f"{account.endpoint}/v1"]
    assert cli.main(args) == cli.EXIT_USAGE
    assert "ENFORCEMENT must be cancel or report" in capsys.readouterr().err


def on_azure(chat, safety, monkeypatch, *, key: str | None = None) -> None:
    """The app's settings: Azure OpenAI paths on the chat emulator, Content Safety."""
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", chat.endpoint)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "emulator")
    monkeypatch.setenv("CONTENT_SAFETY_ENDPOINT", safety.endpoint)
    monkeypatch.setenv("CONTENT_SAFETY_KEY", key or safety.knobs.key)


def run_timer() -> None:
    asyncio.run(function_app.enforce_fine_tuning_data(timer=TimerRequest(past_due=False)))


def test_the_enforcement_timer_binding():
    (timer,) = json.loads(app_functions()["enforce_fine_tuning_data"].get_function_json())[
        "bindings"
    ]
    assert timer["schedule"] == "%ENFORCEMENT_SCHEDULE%"


def test_the_timer_enforces_on_azure_openai_with_content_safety(account, monkeypatch):
    with ContentSafetyEmulator() as safety:
        on_azure(account, safety, monkeypatch)
        harmful = account.add_file(harmful_file())
        account.add_job("ftjob-azure", None, status="running", training_file=harmful)
        run_timer()
    assert account.jobs["ftjob-azure"]["status"] == "cancelled"
    assert safety.stats.requests > 0  # screened by Content Safety, as the blob path is


def test_data_that_could_not_be_screened_is_never_a_pass(account, monkeypatch):
    """Content Safety refuses every call: the file's verdict is error, and the job is
    cancelled with a message saying the data could not be evaluated."""
    with ContentSafetyEmulator() as safety:
        on_azure(account, safety, monkeypatch, key="revoked")
        unscreened = account.add_file(clean_file())
        account.add_job("ftjob-unscreened", None, status="queued", training_file=unscreened)
        run_timer()
    assert account.jobs["ftjob-unscreened"]["status"] == "cancelled"
    decision = account.table.get_entity(ENFORCEMENT_PARTITION, row_key("job:ftjob-unscreened"))
    assert decision["DataVerdict"] == "error"
    assert decision["Message"].startswith("The training data could not be screened")
