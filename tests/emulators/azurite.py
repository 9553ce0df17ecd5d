"""Azurite (the Azure Storage emulator, from npm) on free loopback ports, for tests."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AZURITE = ROOT / ".azurite" / "node_modules" / ".bin" / "azurite"
# Azurite's documented development account: public, not a secret.
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


# Without --disableTelemetry Azurite tries to reach a cloud host this network refuses.
AZURITE_FLAGS = ("--silent", "--disableTelemetry", "--skipApiVersionCheck", "--inMemoryPersistence")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Azurite:
    """Start Azurite (blob, queue, table) in memory; stop it on exit."""

    def __init__(self) -> None:
        self.ports = {"blob": _free_port(), "queue": _free_port(), "table": _free_port()}
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir = tempfile.TemporaryDirectory(prefix="azurite-")

    @property
    def connection_string(self) -> str:
        endpoints = ";".join(
            f"{kind.capitalize()}Endpoint=http://127.0.0.1:{port}/{ACCOUNT}"
            for kind, port in self.ports.items()
        )
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            + endpoints
        )

    def __enter__(self) -> Azurite:
        if not AZURITE.exists():
            raise RuntimeError(f"Azurite is not installed at {AZURITE}; run `make setup`")
        self._process = subprocess.Popen(
            [str(AZURITE), *AZURITE_FLAGS, *self._listen_flags()],
            cwd=self._workdir.name,  # whatever Azurite writes stays out of the repository
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        for port in self.ports.values():
            while not _listening(port):
                if self._process.poll() is not None or time.monotonic() > deadline:
                    error = self._process.stderr.read().decode() if self._process.stderr else ""
                    self.__exit__()
                    raise RuntimeError(f"Azurite did not start: {error[-2000:]}")
                time.sleep(0.1)
        return self

    def _listen_flags(self) -> list[str]:
        flags = []
        for kind, port in self.ports.items():
            flags += [f"--{kind}Host", "127.0.0.1", f"--{kind}Port", str(port)]
        return flags

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._workdir.cleanup()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0
