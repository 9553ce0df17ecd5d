"""The ftgate command: exit codes, JSON and text output, progress, and no leaked text."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import chat, clean_file, jsonl
from shared import cli, progress
from shared.analyzers import AnalyzerError
from shared.analyzers.local import LocalAnalyzer
from shared.commands import data as data_command

CANARY = "CANARY-e41b7d-MUST-NOT-APPEAR"
THREAT = "I will kill you and your whole family."
JSON_FIELDS = {
    "verdict", "harm_types", "message", "examples", "texts", "unique_texts", "findings",
    "errors", "policy_version", "sha256",
}  # fmt: skip


def harmful_file() -> bytes:
    """A failing file with the canary in every kind of field ftgate reads."""
    rows = [chat(f"{CANARY} question {i}", f"{CANARY} answer {i}") for i in range(11)]
    rows[2] = chat(f"{CANARY} hi", f"{CANARY} {THREAT}")
    rows[5]["messages"][2] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "1", "type": "function",
             "function": {"name": CANARY, "arguments": f'{{"q": "{CANARY} kys"}}'}}
        ],
    }  # fmt: skip
    return jsonl(rows)


def scan(capsys, path, *flags) -> tuple[int, str, str]:
    code = cli.main(["scan-data", str(path), *flags])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("data", "code", "verdict"),
    [
        (clean_file(10), 0, "passed"),
        (jsonl([chat(assistant=THREAT)] * 10), 1, "failed"),
        (clean_file(9), 2, "invalid"),
    ],
)
def test_exit_code_and_json_follow_the_verdict(capsys, write_file, data, code, verdict):
    exit_code, out, _ = scan(capsys, write_file(data), "--json")
    report = json.loads(out)
    assert exit_code == code
    assert report["verdict"] == verdict
    assert report.keys() >= JSON_FIELDS


def test_analyzer_failure_exits_3(capsys, write_file, monkeypatch):
    class Down(LocalAnalyzer):
        async def analyze(self, texts):
            raise AnalyzerError("service unavailable (HTTP 503)")

    monkeypatch.setattr(data_command, "create_analyzer", lambda name, **options: Down())
    code, out, _ = scan(capsys, write_file(clean_file()), "--json")
    assert code == 3
    assert json.loads(out)["verdict"] == "error"


def test_json_findings_and_errors_have_their_fields(capsys, write_file):
    _, out, _ = scan(capsys, write_file(jsonl([chat(assistant=THREAT)] * 10)), "--json")
    finding = json.loads(out)["findings"][0]
    assert finding == {
        "line": 1,
        "path": "messages[2].content",
        "category": "Violence",
        "severity": finding["severity"],
    }
    _, out, _ = scan(capsys, write_file(jsonl([chat()] * 10 + [b"{oops"])), "--json")
    error = json.loads(out)["errors"][0]
    assert error["line"] == 11
    assert error["rule"] == "not_json"
    assert "line 11" in error["reason"]


def test_text_report_lists_findings(capsys, write_file):
    code, out, _ = scan(capsys, write_file(jsonl([chat(assistant=THREAT)] * 10)))
    assert code == 1
    assert "FAILED" in out
    assert "line 10" in out
    assert "messages[2].content" in out


@pytest.mark.parametrize("flags", [(), ("--json",), ("--progress",)])
def test_canary_never_appears_in_output(capsys, write_file, monkeypatch, flags):
    monkeypatch.setattr(progress.Progress, "DELAY", 0.0)
    monkeypatch.setattr(progress.Progress, "INTERVAL", 0.0)
    code, out, err = scan(capsys, write_file(harmful_file()), *flags)
    assert code == 1
    assert CANARY not in out
    assert CANARY not in err
    assert "violence" in out.lower()
    assert "self" in out.lower()
    if "--progress" in flags:
        assert "MB/s" in err


def test_canary_in_an_invalid_file_never_appears(capsys, write_file):
    data = harmful_file() + f'{{"messages": [{{"role": "{CANARY}"}}]}}\n'.encode()
    for flags in ((), ("--json",)):
        code, out, err = scan(capsys, write_file(data), *flags)
        assert code == 2
        assert CANARY not in out + err


def test_stdin_is_read_with_a_dash(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(clean_file())))
    code, out, _ = scan(capsys, "-", "--json")
    assert code == 0
    assert json.loads(out)["examples"] == 10


def test_usage_errors_and_missing_files_exit_64(capsys, tmp_path):
    assert cli.main(["scan-data", str(tmp_path / "missing.jsonl")]) == cli.EXIT_USAGE
    assert "cannot read" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["scan-data"])
    assert exit_info.value.code == cli.EXIT_USAGE
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["scan-data", "x.jsonl", "--analyzer", "nonexistent"])
    assert exit_info.value.code == cli.EXIT_USAGE


def test_analyze_prints_four_severities_per_line_without_the_text(capsys, write_file):
    path = write_file(f"hello {CANARY}\n{THREAT} {CANARY}\n\n".encode() + b"\xff\n", "t.txt")
    code = cli.main(["analyze", str(path)])
    out, _ = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2  # the last line is not UTF-8
    assert [row["line"] for row in rows] == [1, 2, 3, 4]
    assert set(rows[0]) == {"line", "Hate", "SelfHarm", "Sexual", "Violence"}
    assert rows[0]["Violence"] == 0
    assert rows[1]["Violence"] >= 4
    assert rows[3] == {"line": 4, "error": "not UTF-8"}
    assert CANARY not in out


def test_the_console_script_is_installed(write_file):
    script = Path(sys.executable).parent / "ftgate"
    result = subprocess.run(
        [str(script), "scan-data", str(write_file(harmful_file())), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["harm_types"] == ["self_harm", "violence"]
    assert CANARY not in result.stdout + result.stderr


def test_warnings_are_listed_and_never_change_the_verdict(capsys, write_file):
    no_system = {
        "messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]
    }
    data = jsonl([no_system] * 10)
    code, out, _ = scan(capsys, write_file(data), "--json")
    report = json.loads(out)
    assert code == 0
    assert report["verdict"] == "passed"
    assert [w["code"] for w in report["warnings"]] == ["no_system_message", "repeated_example"]
    code, out, _ = scan(capsys, write_file(data))
    assert code == 0
    assert "warnings (the platform's data-quality notes; they do not decide):" in out
    assert "10 chat examples have no system message (first: line 1)" in out
