"""Property: whatever bytes a training file holds, ``scan-data`` answers with a verdict.

Generated JSON lines (near-valid examples with odd values) and raw byte strings;
the answer must be a documented exit code with a well-formed report, never a crash
(70) and never a traceback. Derandomized, so a failure is the same on every run.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared import cli

ALLOWED_CODES = {*cli.EXIT_CODES.values(), cli.EXIT_USAGE}
VERDICT_OF_CODE = {code: outcome.value for outcome, code in cli.EXIT_CODES.items()}

_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["system", "user", "assistant", "tool", "x"]), "content": _values}
    ),
    max_size=4,
)
_json_lines = st.one_of(
    st.builds(lambda m: json.dumps({"messages": m}).encode(), _messages),
    st.builds(lambda v: json.dumps(v).encode(), _values),
)
_lines = st.one_of(_json_lines, st.binary(max_size=64))
_files = st.one_of(
    st.lists(_lines, max_size=14).map(b"\n".join),
    st.binary(max_size=256),
)


def _scan(data: bytes) -> tuple[int, str, str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.jsonl"
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["scan-data", str(path), "--json", "--analyzer", "local"])
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(_files)
def test_scan_data_always_answers_with_a_verdict(data):
    code, out, err = _scan(data)
    assert code in ALLOWED_CODES, err
    assert "Traceback" not in out + err
    if code != cli.EXIT_USAGE:
        report = json.loads(out)
        assert report["verdict"] == VERDICT_OF_CODE[code]
        assert isinstance(report["message"], str)
        assert isinstance(report["errors"], list)
