"""`pip install .` gives a working `ftgate`: the wheel, installed alone into a fresh
virtual environment, pulls every dependency it imports and ships its data files.

The development environment installs the project with ``--no-deps`` next to
requirements files, which would hide a dependency missing from pyproject.toml;
this test installs the wheel the way a user does, from the package index (or
pip's cache), and runs the offline commands.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ("--analyzer", "local")


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=900, check=False
    )


def test_the_wheel_installs_into_a_fresh_environment_and_runs_offline(tmp_path):
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp_path, ".")
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("ftgate-*.whl")
    venv.create(tmp_path / "env", with_pip=True)
    python = tmp_path / "env" / "bin" / "python"
    installed = run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
    assert installed.returncode == 0, installed.stderr[-2000:]
    ftgate = tmp_path / "env" / "bin" / "ftgate"
    elsewhere = tmp_path  # not the repository: nothing is imported from the source tree

    helped = run(ftgate, "--help", cwd=elsewhere)
    assert helped.returncode == 0, helped.stderr[-2000:]
    assert "scan-data" in helped.stdout

    examples = ROOT / "examples"
    clean = run(ftgate, "scan-data", examples / "chat-clean.jsonl", *LOCAL, cwd=elsewhere)
    assert clean.returncode == 0, clean.stderr[-2000:]
    assert "PASSED" in clean.stdout
    harmful = run(ftgate, "scan-data", examples / "chat-harmful.jsonl", *LOCAL, cwd=elsewhere)
    assert harmful.returncode == 1, harmful.stderr[-2000:]
    assert "FAILED" in harmful.stdout
