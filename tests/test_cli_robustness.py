"""The command line under crashes, signals and closed pipes: one line, the right code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from emulators.fixedanswer import FixedAnswer

from conftest import clean_file
from shared import cli

FTGATE = str(Path(sys.executable).parent / "ftgate")


def ftgate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FTGATE, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_a_crash_exits_70_with_one_line_naming_the_exception():
    with FixedAnswer(b"[1, 2, 3]") as gate:
        result = ftgate("gate", "model", "ft-x", "--url", gate.endpoint)
    assert result.returncode == cli.EXIT_SOFTWARE
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "internal error (AttributeError)" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback_of_a_crash():
    with FixedAnswer(b"[1, 2, 3]") as gate:
        flag = ftgate("--debug", "gate", "model", "ft-x", "--url", gate.endpoint)
        env = ftgate("gate", "model", "ft-x", "--url", gate.endpoint, env={"FTGATE_DEBUG": "1"})
    for result in (flag, env):
        assert result.returncode == cli.EXIT_SOFTWARE
        assert "Traceback" in result.stderr
        assert "AttributeError" in result.stderr


def test_a_closed_stdout_exits_141_quietly_and_never_blames_the_input(write_file):
    path = write_file(clean_file(5000))  # far more output than a pipe buffers
    with subprocess.Popen(
        [FTGATE, "analyze", str(path), "--analyzer", "local"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.readline().startswith(b'{"line": 1')
        process.stdout.close()  # what `| head -1` does
        stderr = process.stderr.read()
        code = process.wait(60)
    assert code == cli.EXIT_BROKEN_PIPE
    assert stderr == b""


def test_ctrl_c_exits_130_with_one_line():
    with (
        FixedAnswer(b'{"status": "pending"}', status=404) as gate,
        subprocess.Popen(
            [FTGATE, "gate", "model", "ft-x", "--url", gate.endpoint, "--wait", "60s"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process,
    ):
        deadline = time.monotonic() + 30
        while gate.requests == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gate.requests > 0, "the gate was never asked"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == cli.EXIT_INTERRUPTED
    assert stdout == ""
    assert stderr.strip() == "ftgate: interrupted"


def test_help_documents_the_exit_codes():
    text = ftgate("--help").stdout
    for code in ("64", "70", "130", "141"):
        assert code in text


def test_an_integer_beyond_the_int_string_limit_is_invalid_not_a_crash(write_file):
    huge = b'{"messages": [{"role": "user", "content": "Q"}], "n": ' + b"7" * 5000 + b"}"
    path = write_file(clean_file(10) + huge + b"\n")
    result = ftgate("scan-data", str(path), "--json", "--analyzer", "local")
    assert result.returncode == cli.EXIT_CODES[cli.Outcome.INVALID]
    report = json.loads(result.stdout)
    assert [(e["line"], e["rule"]) for e in report["errors"]] == [(11, "not_json")]
    assert "7777" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONTENT_SAFETY_MAX_RPS", "inf"),
        ("CONTENT_SAFETY_MAX_RPS", "0.0001"),
        ("CONTENT_SAFETY_MAX_CONCURRENCY", "0.5"),
        ("CONTENT_SAFETY_MAX_CONCURRENCY", "inf"),
        ("CONTENT_SAFETY_DEADLINE_SECONDS", "nan"),
    ],
)
def test_a_setting_out_of_range_is_a_usage_error_naming_it(write_file, name, value):
    env = {"CONTENT_SAFETY_ENDPOINT": "https://cs.invalid", name: value}
    path = str(write_file(clean_file()))
    result = ftgate("scan-data", path, "--analyzer", "contentsafety", env=env)
    assert result.returncode == cli.EXIT_USAGE
    assert name in result.stderr
    assert "Traceback" not in result.stderr


def test_more_workers_than_cpus_is_refused(write_file):
    too_many = str((os.cpu_count() or 1) + 1)
    result = ftgate("scan-data", str(write_file(clean_file())), "--workers", too_many)
    assert result.returncode == cli.EXIT_USAGE
    assert "--workers" in result.stderr
    assert f"from 1 to {os.cpu_count()}" in result.stderr


@pytest.mark.parametrize(
    ("flag", "value"), [("--concurrency", "0"), ("--concurrency", "100000"), ("--max-rpm", "x")]
)
def test_eval_model_flags_out_of_range_are_usage_errors(flag, value):
    result = ftgate("eval-model", "--base-url", "http://127.0.0.1:9", "--model", "m", flag, value)
    assert result.returncode == cli.EXIT_USAGE
    assert flag in result.stderr


@pytest.mark.parametrize("where", ["missing/gate.xml", "."])
def test_junit_into_a_missing_directory_or_onto_one_is_a_usage_error(tmp_path, where):
    with FixedAnswer(b'{"deployable": true, "verdict": "deployable"}') as gate:
        result = ftgate(
            "gate", "model", "ft-x", "--url", gate.endpoint, "--junit", str(tmp_path / where)
        )
        asked = gate.requests
    assert result.returncode == cli.EXIT_USAGE
    assert "cannot write --junit" in result.stderr
    assert asked == 0  # refused before a wait that could last hours
