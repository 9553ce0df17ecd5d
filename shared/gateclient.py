"""The pipeline side of the gate: ask, wait for a verdict, report it as JUnit.

Used by ``ftgate gate``. Polls ``GET /api/gate/{models|data}/{key}`` with the
function key in ``x-functions-key`` until a verdict exists or the wait ends.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote
from xml.etree import ElementTree

EXIT_OPEN: Final = 0  # deployable / passed
EXIT_CLOSED: Final = 1  # a verdict that is not
EXIT_ERROR: Final = 3  # the gate could not be asked
EXIT_PENDING: Final = 4  # no verdict before the wait ended
_UNITS: Final = {"s": 1, "m": 60, "h": 3600}


class GateError(Exception):
    """The gate could not be asked (network, auth, server error)."""


@dataclass(frozen=True, slots=True)
class GateReply:
    status: int
    body: dict[str, Any]

    @property
    def pending(self) -> bool:
        return self.status == 404 and self.body.get("status") == "pending"

    @property
    def open(self) -> bool:
        return self.status == 200 and (
            self.body.get("deployable") is True or self.body.get("passed") is True
        )


def parse_duration(text: str) -> float:
    """Seconds in ``90s``, ``15m``, ``2h`` or a bare number of seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m or 2h)")
    return float(match.group(1)) * _UNITS.get(match.group(2) or "s", 1)


def ask(url: str, kind: str, key: str, function_key: str | None, timeout: float = 30) -> GateReply:
    request = urllib.request.Request(
        f"{url.rstrip('/')}/api/gate/{kind}/{quote(key, safe='')}",
        headers={"x-functions-key": function_key} if function_key else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return GateReply(response.status, json.loads(response.read() or b"{}"))
    except urllib.error.HTTPError as exc:
        body = _json(exc.read())
        if exc.code == 404 and body.get("status") == "pending":
            return GateReply(404, body)
        raise GateError(f"the gate answered HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise GateError(f"the gate could not be reached: {exc}") from None


def wait_for(
    asking: Callable[[], GateReply],
    wait: float,
    interval: float = 15.0,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> GateReply:
    """Ask until a verdict exists or ``wait`` seconds have passed."""
    deadline = clock() + wait
    while True:
        reply = asking()
        if not reply.pending or clock() >= deadline:
            return reply
        sleep(max(0.0, min(interval, deadline - clock())))


def exit_code(reply: GateReply) -> int:
    if reply.pending:
        return EXIT_PENDING
    return EXIT_OPEN if reply.open else EXIT_CLOSED


def junit_report(kind: str, key: str, reply: GateReply) -> str:
    """One test case per category, so CI test tabs show the verdict."""
    suite = ElementTree.Element("testsuite", name=f"ftgate {kind} {key}")
    categories = reply.body.get("categories") or {}
    if reply.pending or not categories:
        categories = {"verdict": "pending" if reply.pending else reply.body.get("verdict")}
    failures = 0
    for name, outcome in categories.items():
        case = ElementTree.SubElement(suite, "testcase", classname=f"ftgate.{kind}", name=name)
        if outcome not in ("acceptable", "passed", "deployable"):
            failures += 1
            failure = ElementTree.SubElement(case, "failure", message=str(outcome))
            failure.text = str(reply.body.get("message") or outcome)
    suite.set("tests", str(len(categories)))
    suite.set("failures", str(failures))
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
