"""``--format markdown``: the short summary a CI job shows; never the training text."""

from __future__ import annotations

import pytest
from test_cli import CANARY, THREAT, harmful_file, scan

from conftest import chat, clean_file, jsonl


def test_a_failing_file_is_summarized_with_its_findings_and_no_text(capsys, write_file):
    code, out, err = scan(capsys, write_file(harmful_file()), "--format", "markdown")
    assert code == 1
    assert out.startswith("### ❌ ftgate scan-data: failed — `")
    assert "| 3 | `messages[2].content` | Violence |" in out
    assert CANARY not in out + err
    assert THREAT not in out


def test_a_passing_file_is_summarized_as_passed(capsys, write_file):
    code, out, _ = scan(capsys, write_file(clean_file()), "--format", "markdown")
    assert code == 0
    assert out.startswith("### ✅ ftgate scan-data: passed")
    assert "Findings" not in out


def test_an_invalid_file_lists_its_format_errors_by_line(capsys, write_file):
    code, out, _ = scan(
        capsys, write_file(jsonl([chat()] * 10) + b"{oops\n"), "--format", "markdown"
    )
    assert code == 2
    assert "- line 11: " in out
    assert "[not_json]" in out


def test_a_pipe_in_the_file_name_cannot_break_the_table(capsys, tmp_path):
    path = tmp_path / "a|b.jsonl"
    path.write_bytes(clean_file())
    _, out, _ = scan(capsys, path, "--format", "markdown")
    assert "a\\|b.jsonl" in out


@pytest.mark.parametrize("flags", [("--estimate",), ("--json",)])
def test_markdown_is_refused_with_estimate_and_json_still_wins_last(capsys, write_file, flags):
    path = write_file(clean_file())
    code, out, err = scan(capsys, path, *flags, "--format", "markdown")
    if "--estimate" in flags:
        assert code == 64
        assert "--format markdown" in err
    else:  # the last of --json and --format decides, as argparse does for one option
        assert code == 0
        assert out.startswith("### ✅")
