"""The pipeline side of the gate: ask, wait for a verdict, report it as JUnit.

Used by ``ftgate gate``. Polls ``GET /api/gate/{models|data}/{key}`` with the
function key in ``x-functions-key`` until a verdict exists or the wait ends.

The gate decides whether a model ships, so its client trusts little: the key goes
only over https (or to loopback), never to another host by a redirect; an answer
must be a JSON object of bounded size with a boolean ``deployable`` (models) or
``passed`` (data), or the gate "could not be asked" (exit 3), never "open".
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import Message
from typing import IO, Any, Final
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

from shared.answers import Answer
from shared.errors import FtgateError

EXIT_OPEN: Final = 0  # deployable / passed
EXIT_CLOSED: Final = 1  # a verdict that is not
EXIT_ERROR: Final = 3  # the gate could not be asked
EXIT_PENDING: Final = 4  # no verdict before the wait ended
_UNITS: Final = {"s": 1, "m": 60, "h": 3600}
MAX_ANSWER_BYTES: Final = 1024 * 1024  # a verdict is a few hundred bytes
MIN_INTERVAL: Final = 1.0  # seconds between polls at the least, whatever --interval says
# The field that opens the gate, by kind: a data answer must not open a model's gate.
OPEN_FIELD: Final = {"models": "deployable", "data": "passed"}


class GateError(FtgateError):
    """The gate could not be asked (network, auth, server error, a malformed answer)."""


class GateUnreachable(GateError):
    """No answer at all (connection refused, DNS, timeout): worth asking again."""


def check_url(url: str) -> str:
    """The gate's base URL without a trailing slash; ``ValueError`` saying why not.

    https only, except on loopback (a local host or a test): the function key
    would otherwise cross the network in clear.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ValueError(f"--url is not a URL: {url!r}") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError(f"--url must be https://<host>, not {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("--url must hold no credentials, query or fragment")
    if parts.scheme == "http" and not _loopback(host):
        raise ValueError("--url must use https (plain http only to localhost): the key is secret")
    return url.strip().rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_duration(text: str) -> float:
    """Seconds in ``90s``, ``15m``, ``2h`` or a bare number of seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m or 2h)")
    return float(match.group(1)) * _UNITS.get(match.group(2) or "s", 1)


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the gate's own origin: the function key travels
    in a header urllib would copy to wherever the redirect points."""

    def redirect_request(  # noqa: PLR0917 - urllib's signature
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        if _origin(newurl) != _origin(req.full_url):
            raise GateError(f"the gate redirected (HTTP {code}) to another host; not followed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


_OPENER: Final = urllib.request.build_opener(_SameOriginRedirects)


def ask(url: str, kind: str, key: str, function_key: str | None, timeout: float = 30) -> Answer:
    """One question to the gate; ``GateUnreachable`` when there was no answer at all."""
    request = urllib.request.Request(
        f"{check_url(url)}/api/gate/{kind}/{quote(key, safe='')}",
        headers={"x-functions-key": function_key} if function_key else {},
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            body = _answer(_read_bounded(response), response.status)
            field = OPEN_FIELD[kind]
            if not isinstance(body.get(field), bool):
                raise GateError(f"the gate's answer has no boolean {field!r}")
            return Answer(response.status, body)
    except urllib.error.HTTPError as exc:
        body = _json(_read_bounded(exc))
        if body is None:  # e.g. a proxy's or a wrong host's HTML page
            raise GateError(_not_json(exc.code)) from None
        if exc.code == 404 and body.get("status") == "pending":
            return Answer(404, body)
        raise GateError(f"the gate answered HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise GateUnreachable(f"the gate could not be reached: {reason}") from None
    except http.client.HTTPException as exc:  # it answered, not in HTTP (a hang-up is above)
        raise GateError(
            f"the gate answered something that is not HTTP ({type(exc).__name__})"
        ) from None


def _read_bounded(response: Any) -> bytes:
    """The answer's body, refused past :data:`MAX_ANSWER_BYTES` instead of read whole."""
    raw = response.read(MAX_ANSWER_BYTES + 1)
    if len(raw) > MAX_ANSWER_BYTES:
        raise GateError(f"the gate's answer is over {MAX_ANSWER_BYTES} bytes")
    return raw


def _answer(raw: bytes, status: int) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        raise GateError(_not_json(status)) from None
    if not isinstance(value, dict):
        raise GateError(f"the gate's answer is JSON {type(value).__name__}, not an object")
    return value


def wait_for(
    asking: Callable[[], Answer],
    wait: float,
    interval: float = 15.0,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Answer:
    """Ask until a verdict exists or ``wait`` seconds have passed.

    A gate that cannot be reached is asked again too (a restart, a network blip),
    until the wait ends; at least :data:`MIN_INTERVAL` apart, so that a tiny
    interval cannot flood it.
    """
    deadline = clock() + wait
    interval = max(interval, MIN_INTERVAL)
    while True:
        try:
            reply = asking()
        except GateUnreachable:
            if clock() >= deadline:
                raise
        else:
            if not reply.pending or clock() >= deadline:
                return reply
        sleep(max(0.0, min(interval, deadline - clock())))


def exit_code(reply: Answer, kind: str) -> int:
    """The pipeline's exit code for a ``kind`` (``models`` or ``data``) answer: only
    that kind's own field opens the gate."""
    if reply.pending:
        return EXIT_PENDING
    opened = reply.status == 200 and reply.body.get(OPEN_FIELD[kind]) is True
    return EXIT_OPEN if opened else EXIT_CLOSED


def junit_report(kind: str, key: str, reply: Answer) -> str:
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


def _not_json(status: int) -> str:
    """An answer, so not unreachable: its status tells a wrong URL from a broken gate."""
    return f"the gate answered something that is not JSON (HTTP {status})"


def _json(raw: bytes) -> dict[str, Any] | None:
    """An error answer's JSON object ({} when it is empty or another JSON value), or
    None when it is not JSON at all."""
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else {}
