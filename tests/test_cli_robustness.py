"""The command line under crashes, signals and closed pipes: one line, the right code."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulators.contentsafety import ContentSafetyEmulator
from emulators.fixedanswer import FixedAnswer

import shared
from conftest import clean_file
from shared import cli
from shared.analyzers import AnalyzerError, LocalAnalyzer
from shared.commands import analyze as analyze_command
from shared.commands.model import MODEL_EXIT_CODES
from shared.deployments import StageTimeout
from shared.errors import FtgateError
from shared.gateclient import GateError
from shared.modeleval import ModelOutcome
from shared.settings import SettingsError
from shared.simulation.targets import MAX_UNANSWERED_CONNECTIONS, TargetError
from shared.trainingdata import MAX_LINE_BYTES

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


def _crash(args: object) -> int:
    raise ValueError("a bug, whose message may quote training text")


def test_a_crash_exits_70_with_one_line_naming_the_exception(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_run", _crash)
    code = cli.main(["verdicts", "list"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_SOFTWARE
    assert out == ""
    assert len(err.splitlines()) == 1
    assert "internal error (ValueError)" in err
    assert "Traceback" not in err
    assert "training text" not in err


@pytest.mark.parametrize(("argv", "debug_env"), [(["--debug"], ""), ([], "1")])
def test_debug_shows_the_traceback_of_a_crash(monkeypatch, capsys, argv, debug_env):
    monkeypatch.setattr(cli, "_run", _crash)
    monkeypatch.setenv("FTGATE_DEBUG", debug_env)
    code = cli.main([*argv, "verdicts", "list"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_SOFTWARE
    assert "Traceback" in err
    assert "ValueError" in err


@pytest.mark.parametrize(
    "value", ["not-a-connection-string", "AccountName=acct", "AccountKey=c2VjcmV0;x"]
)
def test_a_malformed_storage_connection_string_is_a_usage_error_naming_it(value):
    result = ftgate("verdicts", "list", env={"TRAINING_STORAGE": value})
    assert result.returncode == cli.EXIT_USAGE
    assert result.stderr.startswith("ftgate: TRAINING_STORAGE ")
    assert len(result.stderr.splitlines()) == 1
    assert "c2VjcmV0" not in result.stderr  # the value holds the account key: never quoted


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


@pytest.fixture
def interruptible() -> Iterator[None]:
    """Children started meanwhile take Ctrl-C as at a terminal. A shell starts a
    background job with SIGINT ignored, and an ignored signal stays ignored in every
    child, so a suite run as one would see the CLI ignore the signal these tests send;
    a handler (Python's own here) reverts to the default in the child instead."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("interruptible")
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


def _living_children(parent: int) -> set[int]:
    """Processes whose parent is ``parent`` and that have not exited (zombies aside)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # it exited while we looked
        if int(fields[1]) == parent and fields[0] != "Z":
            children.add(int(stat.parent.name))
    return children


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds workers through /proc")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="--workers 2 needs two CPUs")
def test_workers_die_with_their_parent():
    with subprocess.Popen(
        [FTGATE, "scan-data", "-", "--workers", "2", "--analyzer", "local"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as process:
        assert process.stdin is not None
        process.stdin.write(clean_file(20_000))  # over a read (1 MiB); stdin stays open
        process.stdin.flush()
        deadline = time.monotonic() + 30
        while not (workers := _living_children(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers, "no worker started"
        process.kill()
        process.wait(10)
        deadline = time.monotonic() + 5
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = [pid for pid in workers if _alive(pid)]
        for pid in survivors:  # leave no orphan behind when the test fails
            os.kill(pid, signal.SIGKILL)
        assert survivors == []


def test_eval_model_stops_early_when_the_model_cannot_be_reached():
    with FixedAnswer(b"{}") as server:
        url = f"{server.endpoint}/v1"  # a port nothing listens on once the server is gone
    started = time.monotonic()
    result = ftgate(
        "eval-model", "--base-url", url, "--model", "ft-x", "--analyzer", "local", "--json"
    )
    seconds = time.monotonic() - started
    report = json.loads(result.stdout)
    assert result.returncode == MODEL_EXIT_CODES[ModelOutcome.ERROR]
    assert report["verdict"] == "error"
    assert "ft-x could not be reached" in report["message"]
    assert "APIConnectionError" in report["message"]
    concurrency = 8  # calls already sent when the bound was reached may still fail
    assert report["model_calls"] < MAX_UNANSWERED_CONNECTIONS + concurrency
    assert seconds < 30


# --------------------------------------------------------------------------- analyze

SEVERITY_KEYS = {"line", "Hate", "SelfHarm", "Sexual", "Violence"}


def test_analyze_answers_every_line_when_content_safety_refuses_one(write_file):
    path = write_file(b"hello there\n\nkill the process\n", "texts.txt")
    with ContentSafetyEmulator() as emulator:
        env = {"CONTENT_SAFETY_ENDPOINT": emulator.endpoint, "CONTENT_SAFETY_KEY": "emulator-key"}
        result = ftgate("analyze", str(path), "--analyzer", "contentsafety", env=env)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == cli.EXIT_CODES[cli.Outcome.ERROR]
    assert [row["line"] for row in rows] == [1, 2, 3]
    assert set(rows[0]) == set(rows[2]) == SEVERITY_KEYS
    assert set(rows[1]) == {"line", "error"}
    assert "HTTP 400" in rows[1]["error"]
    assert result.stderr == ""


def _peak_memory(pid: int) -> int:
    """The process's peak resident memory so far, in bytes (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) * 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_analyze_refuses_a_200_mb_line_without_holding_it_and_answers_the_rest():
    with subprocess.Popen(
        [FTGATE, "analyze", "-", "--analyzer", "local"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(b"hello\n")
        process.stdin.flush()
        rows = [json.loads(process.stdout.readline())]
        before = _peak_memory(process.pid)
        megabyte = b"kill " * (2**20 // 5)
        for _ in range(200):
            process.stdin.write(megabyte)
        process.stdin.write(b"\nworld\n")
        process.stdin.flush()
        rows += [json.loads(process.stdout.readline()) for _ in range(2)]
        grown = _peak_memory(process.pid) - before
        process.stdin.close()
        code = process.wait(30)
    assert code == cli.EXIT_CODES[cli.Outcome.INVALID]
    assert [row["line"] for row in rows] == [1, 2, 3]
    assert set(rows[0]) == set(rows[2]) == SEVERITY_KEYS
    assert rows[1] == {
        "line": 2,
        "error": f"the line is {200 * len(megabyte)} bytes; a line may hold at most "
        f"{MAX_LINE_BYTES} bytes",
    }
    assert grown < 4 * MAX_LINE_BYTES  # a line is held up to the limit, never past it


@pytest.mark.usefixtures("interruptible")
def test_ctrl_c_stops_analyze_on_an_endless_stdin_at_once():
    with subprocess.Popen(
        [FTGATE, "analyze", "-", "--analyzer", "local"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(b"hello there\n")
        process.stdin.flush()
        assert json.loads(process.stdout.readline())["line"] == 1  # answered before more input
        process.send_signal(signal.SIGINT)  # stdin stays open: the input never ends
        code = process.wait(10)
        stderr = process.stderr.read() if process.stderr else b""
    assert code == cli.EXIT_INTERRUPTED
    assert stderr.decode().strip() == "ftgate: interrupted"


# --------------------------------------------------------------------------- the gate client


def gate(url: str, *args: str, kind: str = "model") -> subprocess.CompletedProcess[str]:
    return ftgate("gate", kind, "ft-x" if kind == "model" else "f" * 64, "--url", url, *args)


@pytest.mark.parametrize(
    ("kind", "answer", "reason"),
    [
        ("model", b"[1, 2, 3]", "JSON list, not an object"),
        ("model", b"true", "JSON bool, not an object"),
        ("model", b"<html>busy</html>", "answered something that is not JSON (HTTP 200)"),
        ("model", b'{"passed": true, "verdict": "passed"}', "no boolean 'deployable'"),
        ("model", b'{"deployable": "yes"}', "no boolean 'deployable'"),
        ("data", b'{"deployable": true, "verdict": "deployable"}', "no boolean 'passed'"),
        ("model", b'{"deployable": true, "pad": "' + b"x" * 2_000_000 + b'"}', "over 1048576"),
    ],
)
def test_a_malformed_answer_exits_3_with_the_reason(kind, answer, reason):
    with FixedAnswer(answer) as server:
        result = gate(server.endpoint, kind=kind)
    assert result.returncode == 3
    assert reason in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("status", [404, 502])
def test_an_error_page_that_is_not_json_is_reported_with_its_status(status):
    with FixedAnswer(b"<html>Not here</html>", status=status) as server:
        result = gate(server.endpoint, "--wait", "0s")
    assert result.returncode == 3
    assert f"the gate answered something that is not JSON (HTTP {status})" in result.stderr


def test_an_answer_that_is_not_http_is_reported_not_a_crash():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def answer_garbage() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(4096)
                connection.sendall(b"hello, this is not HTTP\r\n\r\n")

        thread = threading.Thread(target=answer_garbage, daemon=True)
        thread.start()
        result = gate(f"http://127.0.0.1:{port}")
        thread.join(10)
    assert result.returncode == 3
    assert "the gate answered something that is not HTTP (BadStatusLine)" in result.stderr


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("not-a-url", "must be https"),
        ("http://gate.example.com", "must use https"),
        ("https://user:pw@gate.example.com", "no credentials"),
        ("https://gate.example.com:99999", "not a URL"),
    ],
)
def test_a_bad_url_is_a_usage_error(url, reason):
    result = gate(url)
    assert result.returncode == cli.EXIT_USAGE
    assert reason in result.stderr


def test_the_key_never_follows_a_redirect_to_another_host():
    with FixedAnswer(b'{"deployable": true}') as elsewhere:
        moved = {"Location": f"{elsewhere.endpoint}/api/gate/models/ft-x"}
        with FixedAnswer(b"", status=302, headers=moved) as server:
            result = gate(server.endpoint, "--key", "secret")
        followed = elsewhere.requests
    assert result.returncode == 3
    assert "redirected (HTTP 302) to another host" in result.stderr
    assert followed == 0


def test_an_unreachable_gate_is_asked_again_until_the_wait_ends():
    with FixedAnswer(b"{}") as server:
        url = server.endpoint  # a port nothing listens on once the server is gone
    started = time.monotonic()
    result = gate(url, "--wait", "2.5s")
    assert result.returncode == 3
    assert "could not be reached" in result.stderr
    assert time.monotonic() - started >= 2.5


def test_the_poll_interval_has_a_floor():
    with FixedAnswer(b'{"status": "pending"}', status=404) as server:
        result = gate(server.endpoint, "--wait", "2s", "--interval", "0")
        asked = server.requests
    assert result.returncode == 4
    assert asked <= 4


def _raise(error: BaseException):
    def run(args: object) -> int:
        raise error

    return run


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (SettingsError("TRAINING_STORAGE is not set"), cli.EXIT_USAGE),
        (cli.UsageError("--base-url needs --model"), cli.EXIT_USAGE),
        (GateError("the gate answered HTTP 500"), 3),
        (TargetError("the model failed 6 attempts"), 3),
        (StageTimeout("deploy", 60), 3),
        (AnalyzerError("Content Safety answered HTTP 401"), 3),
    ],
)
def test_each_ftgate_error_exits_with_its_mapped_code_and_its_message(
    monkeypatch, capsys, error, code
):
    monkeypatch.setattr(cli, "_run", _raise(error))
    assert cli.main(["verdicts", "list"]) == code
    assert capsys.readouterr().err == f"ftgate: {error}\n"


@pytest.mark.parametrize(
    "error",
    [ValueError("x"), KeyError("x"), RuntimeError("x"), OSError("x"), AssertionError("x")],
)
def test_a_crash_never_exits_with_a_verdicts_code(monkeypatch, capsys, error):
    monkeypatch.setattr(cli, "_run", _raise(error))
    code = cli.main(["verdicts", "list"])
    capsys.readouterr()
    assert code == cli.EXIT_SOFTWARE
    assert code not in set(cli.EXIT_CODES.values()) | set(MODEL_EXIT_CODES.values())


def test_an_analyzer_that_cannot_start_exits_3_not_as_a_crash(monkeypatch, capsys, tmp_path):
    """No verdict catches a failure to open the analyzer: it must still exit 3 with its
    reason, never 70 (a bug) nor a verdict's code."""

    class CannotStart(LocalAnalyzer):
        async def __aenter__(self):
            raise AnalyzerError("Content Safety answered HTTP 401")

    monkeypatch.setattr(analyze_command, "create_analyzer", lambda name, **options: CannotStart())
    texts = tmp_path / "texts.txt"
    texts.write_text("hello\n")
    # Content Safety is the analyzer that is opened (the local one scores in-process).
    code = cli.main(["analyze", str(texts), "--analyzer", "contentsafety"])
    assert code == cli.EXIT_CODES[cli.Outcome.ERROR]
    assert capsys.readouterr().err == "ftgate: Content Safety answered HTTP 401\n"


def test_every_error_code_is_neither_a_pass_nor_a_fail():
    verdict_codes = {cli.EXIT_CODES[cli.Outcome.PASSED], cli.EXIT_CODES[cli.Outcome.FAILED]}
    assert {code for _, code in cli.ERROR_EXIT_CODES}.isdisjoint(verdict_codes)


def test_every_exception_the_library_defines_derives_from_ftgate_error():
    """One base: a new exception class anywhere in shared/ is found here, not listed."""
    defined = []
    for info in pkgutil.walk_packages(shared.__path__, "shared."):
        module = importlib.import_module(info.name)
        defined += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, BaseException)
            and value.__module__ == module.__name__
        ]
    assert len(defined) >= 15  # the walk found the library's errors
    assert [kind for kind in defined if not issubclass(kind, FtgateError)] == []
