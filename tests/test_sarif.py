"""``scan-data --format sarif``: a log the official SARIF 2.1.0 schema accepts, one run
for every file, a result per finding and format error at its file and line, stable
rule ids, the verdict's exit code, and never the training text."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_cli import CANARY, THREAT, harmful_file

from conftest import chat, clean_file, jsonl
from shared import cli
from shared.analyzers import AnalyzerError
from shared.analyzers.local import LocalAnalyzer
from shared.commands import data as data_command
from shared.policy import CATEGORIES, POLICY_VERSION
from shared.sarif import FORMAT_RULES, RULES, format_rule_id, harm_rule_id
from shared.trainingdata import Rule

ROOT = Path(__file__).resolve().parents[1]
# Installed by `make setup` (see the Makefile); CI runs `make test`, so a missing schema
# is a broken setup and must fail here, never skip.
SCHEMA = ROOT / ".sarif/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json"
INVALID = jsonl([chat()] * 10 + [b"{oops", {"messages": []}])
TOO_FEW = clean_file(3)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    assert SCHEMA.is_file(), f"{SCHEMA.relative_to(ROOT)} is missing: run make setup"
    schema = json.loads(SCHEMA.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def sarif(capsys, monkeypatch, cwd: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """``ftgate scan-data ARGS --format sarif`` run from ``cwd``: code, log, stderr."""
    monkeypatch.chdir(cwd)
    code = cli.main(["scan-data", *args, "--analyzer", "local", "--format", "sarif"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def write(tmp_path: Path, **files: bytes) -> None:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)


def test_findings_format_errors_and_a_clean_file_validate(capsys, monkeypatch, tmp_path, validator):
    write(tmp_path, **{"harm.jsonl": harmful_file(), "bad.jsonl": INVALID, "few.jsonl": TOO_FEW})
    write(tmp_path, **{"clean.jsonl": clean_file()})
    for name in ("harm.jsonl", "bad.jsonl", "few.jsonl", "clean.jsonl"):
        _, log, _ = sarif(capsys, monkeypatch, tmp_path, name)
        validator.validate(log)
    _, log, _ = sarif(capsys, monkeypatch, tmp_path, "*.jsonl")
    validator.validate(log)
    assert len(log["runs"]) == 1
    assert len(log["runs"][0]["artifacts"]) == 4


def test_the_validator_rejects_a_log_that_breaks_the_schema(
    capsys, monkeypatch, tmp_path, validator
):
    """The schema check can fail: a result whose line is not a number is refused."""
    write(tmp_path, **{"harm.jsonl": harmful_file()})
    _, log, _ = sarif(capsys, monkeypatch, tmp_path, "harm.jsonl")
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    location["region"]["startLine"] = "three"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(log)


def test_findings_are_results_at_their_file_and_line(capsys, monkeypatch, tmp_path):
    write(tmp_path, **{"train.jsonl": jsonl([chat(assistant=THREAT)] + [chat()] * 9)})
    code, log, _ = sarif(capsys, monkeypatch, tmp_path, "train.jsonl")
    assert code == 1  # the verdict's code: failed
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "ftgate"
    assert run["tool"]["driver"]["properties"] == {"policyVersion": POLICY_VERSION}
    (result,) = run["results"]
    assert result["ruleId"] == "harm/Violence"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "harm/Violence"
    assert result["level"] == "error"
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {
        "uri": "train.jsonl",
        "uriBaseId": "SRCROOT",
        "index": 0,
    }
    assert physical["region"] == {"startLine": 1}
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.as_uri() + "/"
    (artifact,) = run["artifacts"]
    assert artifact["properties"]["verdict"] == "failed"
    assert artifact["location"] == {"uri": "train.jsonl", "uriBaseId": "SRCROOT"}
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_format_errors_are_results_and_a_whole_file_error_has_no_line(
    capsys, monkeypatch, tmp_path
):
    write(tmp_path, **{"bad.jsonl": INVALID, "few.jsonl": TOO_FEW})
    code, log, _ = sarif(capsys, monkeypatch, tmp_path, "bad.jsonl")
    assert code == 2
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]) for r in results] == [
        ("format/not_json", {"startLine": 11}),
        ("format/missing_messages", {"startLine": 12}),
    ]
    assert all(r["level"] == "error" for r in results)
    code, log, _ = sarif(capsys, monkeypatch, tmp_path, "few.jsonl")
    assert code == 2
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "format/too_few_examples"
    assert "region" not in result["locations"][0]["physicalLocation"]


def test_a_clean_file_has_no_results(capsys, monkeypatch, tmp_path):
    write(tmp_path, **{"clean.jsonl": clean_file()})
    code, log, _ = sarif(capsys, monkeypatch, tmp_path, "clean.jsonl")
    assert code == 0
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["artifacts"][0]["properties"]["verdict"] == "passed"


def test_several_files_are_one_run_with_the_worst_exit_code(capsys, monkeypatch, tmp_path):
    (tmp_path / "data").mkdir()
    write(tmp_path / "data", **{"a.jsonl": clean_file(), "b c.jsonl": INVALID})
    outside = tmp_path / "outside.jsonl"
    outside.write_bytes(harmful_file())
    code, log, err = sarif(
        capsys, monkeypatch, tmp_path / "data", "*.jsonl", str(outside), "missing.jsonl"
    )
    assert code == cli.EXIT_USAGE  # the worst: a file could not be read
    assert "missing.jsonl" in err
    (run,) = log["runs"]
    uris = [artifact["location"]["uri"] for artifact in run["artifacts"]]
    assert uris == ["a.jsonl", "b%20c.jsonl", outside.as_uri()]  # relative where possible
    assert "uriBaseId" not in run["artifacts"][2]["location"]
    by_artifact = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["index"] for r in run["results"]
    }
    assert by_artifact == {1, 2}
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert "missing.jsonl" in notification["message"]["text"]


def test_standard_input_has_results_without_a_location(capsys, monkeypatch, tmp_path, validator):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(harmful_file())))
    code, log, _ = sarif(capsys, monkeypatch, tmp_path, "-")
    assert code == 1
    validator.validate(log)
    (run,) = log["runs"]
    assert run["artifacts"][0]["description"] == {"text": "standard input"}
    assert run["results"]
    assert all("locations" not in result for result in run["results"])


def test_an_analyzer_failure_keeps_exit_3_and_says_the_run_did_not_finish(
    capsys, monkeypatch, tmp_path, validator
):
    class Down(LocalAnalyzer):
        async def analyze(self, texts):
            raise AnalyzerError("service unavailable (HTTP 503)")

    monkeypatch.setattr(data_command, "create_analyzer", lambda name, **options: Down())
    write(tmp_path, **{"clean.jsonl": clean_file()})
    code, log, _ = sarif(capsys, monkeypatch, tmp_path, "clean.jsonl")
    assert code == 3
    validator.validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "clean.jsonl: error:" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_the_canary_never_appears_in_the_log(capsys, monkeypatch, tmp_path):
    broken = [
        f'{{"messages": "{CANARY}"'.encode(),
        {"messages": [{"role": CANARY, "content": CANARY}]},
        {CANARY: CANARY, "messages": [{"role": "user", "content": CANARY}]},
    ]
    write(tmp_path, **{"harm.jsonl": harmful_file(), "bad.jsonl": jsonl([chat()] * 10 + broken)})
    code, log, err = sarif(capsys, monkeypatch, tmp_path, "harm.jsonl", "bad.jsonl")
    assert code == 2
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"harm/Violence", "format/not_json"}
    assert CANARY not in json.dumps(log)
    assert CANARY not in err


def test_rule_ids_are_stable_and_cover_every_category_and_format_rule():
    ids = [rule["id"] for rule in RULES]
    assert len(ids) == len(set(ids))
    assert set(FORMAT_RULES) == set(Rule)
    assert ids == [harm_rule_id(c) for c in CATEGORIES] + [format_rule_id(r) for r in Rule]
    assert ids[:2] == ["harm/Hate", "harm/SelfHarm"]
    assert "format/not_json" in ids


def test_sarif_is_only_for_a_data_verdict(capsys):
    code = cli.main(["scan-data", "x.jsonl", "--estimate", "--format", "sarif"])
    assert code == cli.EXIT_USAGE
    assert "--format sarif reports a verdict" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:  # argparse's usage error: not a choice there
        cli.main(["eval-model", "--base-url", "http://localhost:1/v1", "--model", "m",
                  "--format", "sarif"])  # fmt: skip
    assert exited.value.code == cli.EXIT_USAGE
    assert "invalid choice: 'sarif'" in capsys.readouterr().err
