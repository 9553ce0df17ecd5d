"""The streaming reader: every format, every format error, chunking and limits."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from typing import Any

import pytest

from bench import screening as screening_bench
from conftest import SYSTEM, chat, clean_file, jsonl
from shared import trainingdata
from shared.trainingdata import (
    MAX_ERRORS_KEPT,
    MAX_LINE_BYTES,
    DataFormat,
    Example,
    Rule,
    TrainingFileReader,
)

CANARY = "CANARY-7f3a9c-DO-NOT-LEAK"


def read(data: bytes, chunk: int = 1 << 20, **kwargs) -> tuple[list[Example], TrainingFileReader]:
    reader = TrainingFileReader(**kwargs)
    examples: list[Example] = []
    lines = [
        raw
        for start in range(0, len(data), chunk)
        for raw in reader.lines_of(data[start : start + chunk])
    ]
    for raw in [*lines, *reader.last_lines()]:
        if (example := reader.parse(raw)) is not None:
            examples.append(example)
    reader.conclude()
    return examples, reader


def paths(example: Example) -> dict[str, str]:
    return {item.path: item.text for item in example.texts}


def ten(row: dict) -> bytes:
    return jsonl([row] * 10)


# --------------------------------------------------------------------------- formats


def test_chat_example_yields_every_text_with_its_path():
    row = {
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "developer", "content": "dev"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "look at this"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"q": "x"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "tool result"},
            {"role": "assistant", "function_call": {"name": "legacy", "arguments": "{}"}},
            {"role": "function", "name": "legacy", "content": "function result"},
            {"role": "assistant", "content": "final answer", "weight": 1},
            {"role": "assistant", "content": "ignored in training", "weight": 0},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "lookup",
                    "description": "Look things up",
                    "parameters": {
                        "type": "object",
                        "properties": {"q": {"type": "string", "description": "query text"}},
                    },
                },
            }
        ],
        "functions": [{"name": "legacy", "description": "Old style"}],
        "parallel_tool_calls": False,
    }
    examples, reader = read(ten(row))
    assert reader.is_valid, reader.errors
    assert reader.format is DataFormat.CHAT
    assert reader.images == 10
    assert paths(examples[0]) == {
        "messages[0].content": "sys",
        "messages[1].content": "dev",
        "messages[2].content[0].text": "look at this",
        "messages[2].content[1].image_url.url": "https://example.com/a.png",
        "messages[3].tool_calls[0].id": "call_1",
        "messages[3].tool_calls[0].function.name": "lookup",
        "messages[3].tool_calls[0].function.arguments": '{"q": "x"}',
        "messages[4].content": "tool result",
        "messages[4].tool_call_id": "call_1",
        "messages[5].function_call.name": "legacy",
        "messages[5].function_call.arguments": "{}",
        "messages[6].content": "function result",
        "messages[6].name": "legacy",
        "messages[7].content": "final answer",
        "messages[8].content": "ignored in training",
        "tools[0].function.name": "lookup",
        "tools[0].function.description": "Look things up",
        "tools[0].function.parameters.type": "object",
        "tools[0].function.parameters.properties[0].key": "q",
        "tools[0].function.parameters.properties[0].type": "string",
        "tools[0].function.parameters.properties[0].description": "query text",
        "functions[0].name": "legacy",
        "functions[0].description": "Old style",
    }
    assert [example.line for example in examples] == list(range(1, 11))


def test_prompt_completion_example():
    examples, reader = read(ten({"prompt": "Q?", "completion": "A."}))
    assert reader.is_valid
    assert reader.format is DataFormat.PROMPT_COMPLETION
    assert paths(examples[0]) == {"prompt": "Q?", "completion": "A."}


def test_preference_example_screens_input_and_both_outputs():
    row = {
        "input": {
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Q"}]
        },
        "preferred_output": [{"role": "assistant", "content": "good"}],
        "non_preferred_output": [{"role": "assistant", "content": "bad"}],
    }
    examples, reader = read(ten(row))
    assert reader.is_valid
    assert reader.format is DataFormat.PREFERENCE
    assert paths(examples[0]) == {
        "input.messages[0].content": SYSTEM,
        "input.messages[1].content": "Q",
        "preferred_output[0].content": "good",
        "non_preferred_output[0].content": "bad",
    }


PREFERENCE = {
    "input": {"messages": [{"role": "user", "content": "Q"}]},
    "preferred_output": [{"role": "assistant", "content": "good"}],
    "non_preferred_output": [{"role": "assistant", "content": "bad"}],
}


def test_tools_in_a_preference_examples_input_are_screened():
    tool = {"type": "function", "function": {"name": "lookup", "description": "Look it up"}}
    row = {**PREFERENCE, "input": {**PREFERENCE["input"], "tools": [tool]}}
    examples, reader = read(ten(row))
    assert reader.is_valid
    assert paths(examples[0])["input.tools[0].function.description"] == "Look it up"


@pytest.mark.parametrize(
    ("input_extra", "rule", "reason"),
    [
        (
            {"notes": "unscreened"},
            Rule.UNEXPECTED_FIELD,
            "unexpected field: input may hold only messages, tools, parallel_tool_calls",
        ),
        # not "input.tools[0] must be an object": the string is not taken apart
        ({"tools": "not an array"}, Rule.BAD_TOOLS, "input.tools must be an array"),
    ],
)
def test_a_preference_examples_input_holds_only_what_is_checked(input_extra, rule, reason):
    row = {**PREFERENCE, "input": {**PREFERENCE["input"], **input_extra}}
    _, reader = read(ten(row))
    assert [(e.line, e.rule) for e in reader.errors][:2] == [(1, rule), (2, rule)]
    assert reader.errors[0].reason == f"line 1: {reason} [{rule.value}]"


@pytest.mark.parametrize(
    "row",
    [{**PREFERENCE, "prompt": None}, {"prompt": None, "completion": "A."}],
    ids=["preference", "prompt_completion"],
)
def test_a_null_prompt_is_a_format_error_naming_its_line(row):
    _, reader = read(ten(row))
    assert not reader.is_valid
    on_lines = [e for e in reader.errors if e.line is not None]  # not the file-level ones
    assert [e.line for e in on_lines] == list(range(1, 11))
    assert all(e.reason.startswith(f"line {e.line}: ") for e in on_lines)


def test_reinforcement_example_screens_string_values_of_extra_fields():
    row = {
        "messages": [
            {"role": "developer", "content": "grade it"},
            {"role": "user", "content": "Q"},
        ],
        "reference_answer": "42",
        "meta": {"notes": ["first", 3, {"deep": "second"}], "score": 1.5},
    }
    examples, reader = read(ten(row))
    assert reader.is_valid
    assert reader.format is DataFormat.REINFORCEMENT
    assert paths(examples[0]) == {
        "messages[0].content": "grade it",
        "messages[1].content": "Q",
        "[1].key": "reference_answer",
        "[1]": "42",
        "[2].key": "meta",
        "[2][0].key": "notes",
        "[2][0][0]": "first",
        "[2][0][2][0].key": "deep",
        "[2][0][2][0]": "second",
        "[2][1].key": "score",
    }


def test_a_leading_bom_and_crlf_line_ends_are_fine():
    data = b"\xef\xbb\xbf" + clean_file().replace(b"\n", b"\r\n")
    examples, reader = read(data)
    assert reader.is_valid
    assert len(examples) == 10


def test_last_line_without_newline_is_read():
    examples, reader = read(clean_file().rstrip(b"\n"))
    assert reader.is_valid
    assert len(examples) == 10


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
def test_chunk_size_does_not_change_the_result(chunk):
    data = b"\xef\xbb\xbf" + clean_file(12).replace(b"\n", b"\r\n") + b"not json\n"
    whole, reference = read(data)
    pieces, reader = read(data, chunk=chunk)
    assert [(e.line, e.texts) for e in pieces] == [(e.line, e.texts) for e in whole]
    assert reader.errors == reference.errors
    assert reader.sha256 == reference.sha256


def test_the_reader_reports_the_sha256_and_size_of_every_byte_fed():
    """The verdict is stored under this digest: it must be the file's, last line too."""
    data = clean_file(12).rstrip(b"\n") + b"\r\n" + b'{"unterminated'
    for chunk in (1, 5, 1 << 20):
        _, reader = read(data, chunk=chunk)
        assert reader.sha256 == hashlib.sha256(data).hexdigest()
        assert reader.bytes_read == len(data)
    _, empty = read(b"")
    assert empty.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert empty.bytes_read == 0


# --------------------------------------------------------------------------- errors


def _bad_chat(**message_overrides) -> dict:
    row = chat()
    row["messages"][2] = {"role": "assistant", "content": "A", **message_overrides}
    return row


DEEP = json.loads("[" * 70 + "]" * 70)
BROKEN_LINES = [
    (b"\xff\xfe not utf-8", Rule.NOT_UTF8),
    (b'{"messages": [', Rule.NOT_JSON),
    (b"[1, 2, 3]", Rule.NOT_OBJECT),
    (b'{"messages": [{"role": "user", "content": "Q"}], "n": ' + b"7" * 5000 + b"}", Rule.NOT_JSON),
    (b'{"messages": [{"role": "user", "content": "harm", "content": "Q"},'
     b' {"role": "assistant", "content": "A"}]}', Rule.DUPLICATE_KEY),
    (b'{"messages": [], "messages": [{"role": "user", "content": "Q"},'
     b' {"role": "assistant", "content": "A"}]}', Rule.DUPLICATE_KEY),
    (b'{"messages": [{"role": "user", "content": "ki\\ud800ll"},'
     b' {"role": "assistant", "content": "A"}]}', Rule.LONE_SURROGATE),
    (b'{"messages": [{"role": "user", "content": "Q"},'
     b' {"role": "assistant", "content": "A", "\\udfff": 1}]}', Rule.LONE_SURROGATE),
    (b'{"messages": [{"role": "user", "content": "Q"}], "n": NaN}', Rule.NON_FINITE_NUMBER),
    (b'{"messages": [{"role": "user", "content": "Q"}], "n": [-Infinity]}',
     Rule.NON_FINITE_NUMBER),
    (b'{"messages": [{"role": "user", "content": "Q"}], "n": {"x": Infinity}}',
     Rule.NON_FINITE_NUMBER),
    (b"   ", Rule.BLANK_LINE),
    (b"[" * 100_000 + b"]" * 100_000, Rule.TOO_DEEP),
    (
        {**chat(), "tools": [{"type": "function", "function": {"name": "f", "parameters": DEEP}}]},
        Rule.TOO_DEEP,
    ),
    ({"text": "no known fields"}, Rule.UNKNOWN_FORMAT),
    ({"messages": []}, Rule.MISSING_MESSAGES),
    ({"messages": "hello"}, Rule.MISSING_MESSAGES),
    ({"input": {"tools": []}, "preferred_output": [], "non_preferred_output": []},
     Rule.MISSING_MESSAGES),
    ({"messages": ["not an object", {"role": "assistant", "content": "A"}]}, Rule.BAD_MESSAGE),
    ({"messages": [{"role": "wizard", "content": "x"}, {"role": "assistant", "content": "A"}]},
     Rule.UNKNOWN_ROLE),
    ({"messages": [{"content": "x"}, {"role": "assistant", "content": "A"}]}, Rule.UNKNOWN_ROLE),
    ({"messages": [{"role": "user"}, {"role": "assistant", "content": "A"}]},
     Rule.MISSING_CONTENT),
    ({"messages": [{"role": "user", "content": "Q"}, {"role": "assistant"}]},
     Rule.MISSING_CONTENT),
    ({"messages": [{"role": "user", "content": 5}, {"role": "assistant", "content": "A"}]},
     Rule.BAD_CONTENT),
    ({"messages": [{"role": "user", "content": [{"type": "audio"}]},
                   {"role": "assistant", "content": "A"}]}, Rule.BAD_CONTENT),
    ({"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}]},
     Rule.NO_ASSISTANT),
    (_bad_chat(weight=2), Rule.BAD_WEIGHT),
    (_bad_chat(weight=True), Rule.BAD_WEIGHT),
    (_bad_chat(weight="1"), Rule.BAD_WEIGHT),
    ({"messages": [{"role": "user", "content": "Q", "weight": 1},
                   {"role": "assistant", "content": "A"}]}, Rule.BAD_WEIGHT),
    (_bad_chat(tool_calls=[{"function": {"name": "f"}}]), Rule.BAD_TOOL_CALL),
    (_bad_chat(tool_calls=[]), Rule.BAD_TOOL_CALL),
    ({"messages": [{"role": "user", "content": "Q", "function_call": {"name": "f",
                                                                       "arguments": "{}"}},
                   {"role": "assistant", "content": "A"}]}, Rule.BAD_TOOL_CALL),
    ({**chat(), "tools": [{"type": "function"}]}, Rule.BAD_TOOLS),
    ({**chat(), "tools": "lookup"}, Rule.BAD_TOOLS),
    ({**chat(), "metadata": "x"}, Rule.UNEXPECTED_FIELD),
    ({"prompt": "Q"}, Rule.MISSING_CONTENT),
    ({"prompt": "Q", "completion": 7}, Rule.MISSING_CONTENT),
    ({"input": {"messages": [{"role": "user", "content": "Q"}]},
      "preferred_output": [{"role": "user", "content": "x"}],
      "non_preferred_output": [{"role": "assistant", "content": "y"}]}, Rule.BAD_PREFERENCE),
    ({"input": {"messages": [{"role": "user", "content": "Q"}]},
      "preferred_output": [{"role": "assistant", "content": "x"}]}, Rule.BAD_PREFERENCE),
]  # fmt: skip


@pytest.mark.parametrize(("line", "rule"), BROKEN_LINES)
def test_each_format_error_names_its_line_and_rule(line, rule):
    rows = [chat() for _ in range(12)]
    rows[4] = line
    examples, reader = read(jsonl(rows))
    assert [(error.line, error.rule) for error in reader.errors] == [(5, rule)]
    assert reader.errors[0].reason.startswith("line 5: ")
    assert len(examples) == 11
    assert reader.examples == 11


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"messages": "\x01"}', "not JSON: Invalid control character at column 15"),
        (b'{"messages": "abc', "not JSON: Unterminated string starting at column 14"),
        (b'{"messages": [', "not JSON: Expecting value at column 15"),
    ],
)
def test_a_json_error_names_its_column_once(line, reason):
    rows = [chat() for _ in range(10)] + [line]
    _, reader = read(jsonl(rows))
    assert reader.errors[0].reason == f"line 11: {reason} [not_json]"


def test_surrogate_pairs_and_escaped_backslashes_are_fine():
    rows = [
        chat("Smile \ud83d\ude00", "A"),  # json.dumps writes the pair as two escapes
        chat("a literal \\ud800 is six characters of text", "A"),
        *(chat() for _ in range(10)),
    ]
    examples, reader = read(jsonl(rows))
    assert reader.errors == []
    assert len(examples) == 12


def test_extra_fields_nested_too_deeply_are_an_error():
    deep = {"messages": [{"role": "user", "content": "Q"}], "x": DEEP}
    rows = [{"messages": [{"role": "user", "content": "Q"}], "x": "y"}] * 10 + [deep]
    _, reader = read(jsonl(rows))
    assert [(e.line, e.rule) for e in reader.errors] == [(11, Rule.TOO_DEEP)]


def test_a_format_that_differs_from_the_files_is_an_error():
    rows = [chat() for _ in range(11)] + [{"prompt": "Q", "completion": "A"}]
    _, reader = read(jsonl(rows))
    assert [(e.line, e.rule) for e in reader.errors] == [(12, Rule.FORMAT_MISMATCH)]
    assert "set by line 1" in reader.errors[0].detail


def test_an_empty_file_is_invalid():
    for data in (b"", b"\xef\xbb\xbf"):
        _, reader = read(data)
        assert [(e.line, e.rule) for e in reader.errors] == [(None, Rule.EMPTY_FILE)]


def test_fewer_than_ten_examples_is_invalid():
    _, reader = read(clean_file(9))
    assert [(e.line, e.rule) for e in reader.errors] == [(None, Rule.TOO_FEW_EXAMPLES)]
    assert reader.errors[0].reason.startswith("file: ")


def test_a_line_over_16_mib_is_reported_without_being_held():
    huge = json.dumps({"prompt": "x" * MAX_LINE_BYTES, "completion": "y"}).encode()
    data = clean_file(10).replace(b"\n", b"\n" + huge + b"\n", 1)
    examples, reader = read(data, chunk=1 << 20)
    assert [(e.line, e.rule) for e in reader.errors] == [(2, Rule.LINE_TOO_LONG)]
    assert len(examples) == 10
    assert [e.line for e in examples] == [1, *range(3, 12)]


@pytest.mark.parametrize("chunk", [7, 1 << 20])
def test_the_line_limit_holds_whether_a_line_spans_chunks_or_not(chunk):
    long_row = {"prompt": "x" * 500, "completion": "y"}
    rows = [{"prompt": "q", "completion": "a"}] * 10 + [long_row]
    _, reader = read(jsonl(rows), chunk=chunk, max_line_bytes=400)
    assert [(e.line, e.rule) for e in reader.errors] == [(11, Rule.LINE_TOO_LONG)]
    assert "at most 400 bytes" in reader.errors[0].reason


@pytest.mark.parametrize("chunk", [1, 7, 399, 400, 401, 402, 1 << 20])
@pytest.mark.parametrize(("size", "refused"), [(400, False), (401, True)])
def test_a_line_of_exactly_the_maximum_is_accepted_in_one_chunk_or_across_several(
    chunk, size, refused
):
    row = {"prompt": "", "completion": "y"}
    row["prompt"] = "x" * (size - len(json.dumps(row)))
    assert len(json.dumps(row)) == size
    rows = [{"prompt": "q", "completion": "a"}] * 10 + [row]
    _, reader = read(jsonl(rows), chunk=chunk, max_line_bytes=400)
    assert [(e.line, e.rule) for e in reader.errors] == (
        [(11, Rule.LINE_TOO_LONG)] if refused else []
    )


def test_errors_kept_are_capped_but_all_are_counted():
    rows = [chat() for _ in range(10)] + [b"not json"] * 250
    _, reader = read(jsonl(rows))
    assert len(reader.errors) == MAX_ERRORS_KEPT
    assert reader.error_count == 250
    assert reader.errors[0].line == 11


@pytest.mark.parametrize(
    "line",
    [
        {"messages": [{"role": CANARY, "content": "x"}, {"role": "assistant", "content": "A"}]},
        {CANARY: "x"},
        {**chat(), CANARY: "x"},
        {"messages": [{"role": "user", "content": 5}, {"role": "assistant", "content": CANARY}]},
        ('{"messages": "' + CANARY + '" oops').encode(),
        b"\xff" + CANARY.encode(),
        {"prompt": CANARY},
        ('{"messages": [], "' + CANARY + '": 1, "' + CANARY + '": 2}').encode(),
        ('{"messages": [{"role": "user", "content": "' + CANARY + '\\ud800"}]}').encode(),
        b'{"messages": [], "n": ' + b"9" * 5000 + b"}",
    ],
)
def test_format_errors_never_quote_the_line(line):
    rows = [chat() for _ in range(10)] + [line]
    _, reader = read(jsonl(rows))
    assert reader.error_count == 1
    error = reader.errors[0]
    assert CANARY not in error.reason
    assert CANARY not in json.dumps(error.as_dict())


# --------------------------------------------------------------------------- per-line limits


def _rft_line(extra) -> dict:
    return {"messages": [{"role": "user", "content": "Q"}], "x": extra}


@pytest.mark.parametrize(
    ("extra", "accepted"),
    [
        (["a"] * 4, True),  # 4 strings + 6 keys and values around them = the limit
        (["a"] * 5, False),
        (["a,[{,", 'say "\\",[{"'], True),  # separators and escaped quotes inside strings
        ([1] * 19, True),  # 19 values + 6 for the structure around them = the limit
        ([1] * 20, False),
        ([{}] * 10, False),  # a comma and a brace each: counted as two
    ],
)
def test_a_line_with_too_many_strings_or_values_is_refused_before_parsing(
    monkeypatch, extra, accepted
):
    monkeypatch.setattr(trainingdata, "MAX_STRINGS_PER_LINE", 10)
    monkeypatch.setattr(trainingdata, "MAX_VALUES_PER_LINE", 25)
    rows = [_rft_line("42")] * 10 + [_rft_line(extra)]
    _, reader = read(jsonl(rows))
    assert reader.is_valid is accepted
    if not accepted:
        assert [(e.line, e.rule) for e in reader.errors] == [(11, Rule.TOO_MANY_VALUES)]


@pytest.mark.parametrize(("numbers", "accepted"), [(17, True), (18, False)])
def test_separators_inside_strings_do_not_count_towards_the_values(monkeypatch, numbers, accepted):
    """Thirty separators inside one string push the raw count over the limit, so the
    strings are matched; a one-character "," string holds one more. Outside strings
    the line holds 8 + ``numbers`` values: 25, the limit, is accepted and 26 is not."""
    monkeypatch.setattr(trainingdata, "MAX_STRINGS_PER_LINE", 10)
    monkeypatch.setattr(trainingdata, "MAX_VALUES_PER_LINE", 25)
    rows = [_rft_line("42")] * 10 + [_rft_line([",[{" * 10, ",", *[1] * numbers])]
    _, reader = read(jsonl(rows))
    assert [(e.line, e.rule) for e in reader.errors] == (
        [] if accepted else [(11, Rule.TOO_MANY_VALUES)]
    )


def test_a_16_mib_line_of_tiny_strings_stays_under_its_memory_bound(tmp_path):
    """In a fresh process, as `make bench` measures it (900 MB before the limits)."""
    path = tmp_path / "tiny.jsonl"
    screening_bench.generate_tiny_strings(path)
    command = [sys.executable, "-m", "bench.screening", "--rss-child", str(path)]
    child = json.loads(subprocess.run(command, capture_output=True, check=True).stdout)
    assert child["verdict"] == "invalid"
    assert child["peak_rss_mb"] < screening_bench.HOSTILE_LINE_RSS_BOUND_MB


# --------------------------------------------------------------------------- platform parity

PNG_URL = "data:image/png;base64," + "A" * 40


def _vision(*parts, role="user") -> dict:
    row = chat()
    row["messages"][1 if role == "user" else 2] = {"role": role, "content": list(parts)}
    return row


def _image_part(url: str = PNG_URL, **extra) -> dict:
    return {"type": "image_url", "image_url": {"url": url, **extra}}


def test_a_messages_only_reinforcement_file_is_read_as_the_platform_reads_it():
    grade = {"role": "developer", "content": "Grade"}
    rows = [{"messages": [grade, {"role": "user", "content": f"Q{i}"}]} for i in range(10)]
    examples, reader = read(jsonl(rows))
    assert reader.is_valid, reader.errors
    assert reader.format is DataFormat.REINFORCEMENT
    assert len(examples) == 10


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ({"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}],
          "reference_answer": "42"}, Rule.ROLE_NOT_ALLOWED),
        (_vision(_image_part(), role="assistant"), Rule.BAD_IMAGE),
        (_vision(*[_image_part()] * 65), Rule.BAD_IMAGE),
        (_vision(_image_part("data:image/gif;base64,R0lGODlh")), Rule.BAD_IMAGE),  # valid base64
        (_vision(_image_part("data:image/png,rawbytes")), Rule.BAD_IMAGE),
        (_vision(_image_part("ftp://example.com/a.png")), Rule.BAD_IMAGE),
        (_vision(_image_part(detail="ultra")), Rule.BAD_IMAGE),
    ],
)  # fmt: skip
def test_reinforcement_and_vision_rules(line, rule):
    rft = rule is Rule.ROLE_NOT_ALLOWED
    base = [{"messages": [{"role": "user", "content": "Q"}], "reference_answer": "42"}] * 10
    rows = [*(base if rft else [chat() for _ in range(10)]), line]
    _, reader = read(jsonl(rows))
    assert [(e.line, e.rule) for e in reader.errors] == [(11, rule)]


def test_vision_examples_within_the_limits_are_valid(monkeypatch):
    monkeypatch.setattr(trainingdata, "MAX_IMAGE_BYTES", 30)
    rows = [_vision({"type": "text", "text": "What is this?"}, *[_image_part(detail="low")] * 63,
                    _image_part("https://example.com/cat.webp"))] * 10  # fmt: skip
    too_big = _vision(_image_part("data:image/jpeg;base64," + "A" * 44))  # 33 bytes
    examples, reader = read(jsonl([*rows, too_big]))
    assert [(e.line, e.rule) for e in reader.errors] == [(11, Rule.BAD_IMAGE)]
    assert reader.images == 10 * 64
    assert examples[0].images == 64


def test_the_platforms_data_quality_notes_are_warnings(monkeypatch):
    monkeypatch.setattr(trainingdata, "EXAMPLE_TOKEN_LIMIT", 20)
    no_system = {
        "messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]
    }
    no_user = {
        "messages": [{"role": "system", "content": "S"}, {"role": "assistant", "content": "A"}]
    }
    long = chat("x" * 100)
    rows = [chat(f"Q{i}") for i in range(8)] + [no_system, no_user, no_user, long]
    _, reader = read(jsonl(rows))
    assert reader.is_valid
    assert [w.as_dict() for w in reader.warnings] == [
        {"code": "no_system_message", "count": 1, "first_line": 9,
         "message": "1 chat examples have no system message (first: line 9)"},
        {"code": "no_user_message", "count": 2, "first_line": 10,
         "message": "2 chat examples have no user message (first: line 10)"},
        {"code": "over_token_limit", "count": 1, "first_line": 12,
         "message": "1 examples hold more than about 20 tokens (estimated at 4 characters a "
                    "token) and may be truncated (first: line 12)"},
        {"code": "repeated_example", "count": 1, "first_line": 11,
         "message": "1 examples repeat an earlier line exactly (first: line 11)"},
    ]  # fmt: skip


# --------------------------------------------------------------------------- the limits' values
# Each limit at its own value, not patched down: a limit moved by one fails here.


@pytest.mark.parametrize(("extra", "refused"), [(0, False), (1, True)])
def test_a_line_of_16_mib_is_accepted_and_one_byte_more_is_refused(extra, refused):
    row = {"prompt": "", "completion": "y"}
    row["prompt"] = "x" * (16 * 1024 * 1024 + extra - len(json.dumps(row)))
    rows = [{"prompt": "q", "completion": "a"}] * 10 + [row]
    _, reader = read(jsonl(rows))
    assert [(e.line, e.rule) for e in reader.errors] == (
        [(11, Rule.LINE_TOO_LONG)] if refused else []
    )


def test_the_first_hundred_errors_are_kept():
    rows = [chat() for _ in range(10)] + [b"not json"] * 101
    _, reader = read(jsonl(rows))
    assert [e.line for e in reader.errors] == list(range(11, 111))
    assert reader.error_count == 101


@pytest.mark.parametrize(("objects", "refused"), [(65, False), (66, True)])
def test_an_extra_field_nested_sixty_five_objects_deep_is_walked_one_more_is_refused(
    objects, refused
):
    """Objects count as arrays do: 65 put the innermost at depth 64."""
    nested: Any = "s"
    for _ in range(objects):
        nested = {"k": nested}
    rows = [_rft_line("42")] * 10 + [_rft_line(nested)]
    _, reader = read(jsonl(rows))
    assert [(e.line, e.rule) for e in reader.errors] == ([(11, Rule.TOO_DEEP)] if refused else [])


@pytest.mark.parametrize(("levels", "refused"), [(32, False), (33, True)])
def test_a_tool_schema_nested_32_properties_deep_is_walked_one_more_is_refused(levels, refused):
    """Each level of properties is two JSON objects (the map and the property's
    schema): 32 levels put the innermost schema at depth 64, the deepest allowed."""
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"p": schema}}
    tool = {"type": "function", "function": {"name": "f", "parameters": schema}}
    _, reader = read(ten({**chat(), "tools": [tool]}))
    assert [(e.line, e.rule) for e in reader.errors][:1] == (
        [(1, Rule.TOO_DEEP)] if refused else []
    )


@pytest.mark.parametrize(("arrays", "refused"), [(65, False), (66, True)])
def test_an_extra_field_nested_sixty_five_arrays_deep_is_walked_one_more_is_refused(
    arrays, refused
):
    """The walk counts from the field's value at depth 0: 65 arrays put the
    innermost at depth 64, the deepest allowed."""
    nested: Any = "s"
    for _ in range(arrays):
        nested = [nested]
    rows = [_rft_line("42")] * 10 + [_rft_line(nested)]
    _, reader = read(jsonl(rows))
    assert [(e.line, e.rule) for e in reader.errors] == ([(11, Rule.TOO_DEEP)] if refused else [])


@pytest.mark.parametrize(
    ("extra", "refused"),
    [
        (["a"] * 99_994, False),  # + 6 keys and values around them = 100,000 strings
        (["a"] * 99_995, True),
        ([1] * 999_994, False),  # + 6 for the structure around them = 1,000,000 values
        ([1] * 999_995, True),
    ],
    ids=["100k-strings", "100k+1-strings", "1m-values", "1m+1-values"],
)
def test_a_line_holds_at_most_100_000_strings_and_1_000_000_values(extra, refused):
    rows = [_rft_line("42")] * 10 + [_rft_line(extra)]
    _, reader = read(jsonl(rows))
    assert [(e.line, e.rule) for e in reader.errors] == (
        [(11, Rule.TOO_MANY_VALUES)] if refused else []
    )


@pytest.mark.parametrize(("extra", "refused"), [(0, False), (1, True)])
def test_an_image_of_10_mib_is_accepted_and_one_byte_more_is_refused(extra, refused):
    picture = base64.b64encode(b"\x00" * (10 * 1024 * 1024 + extra)).decode()
    row = _vision(_image_part("data:image/png;base64," + picture))
    _, reader = read(jsonl([chat() for _ in range(10)] + [row]))
    assert [(e.line, e.rule) for e in reader.errors] == ([(11, Rule.BAD_IMAGE)] if refused else [])


@pytest.mark.parametrize(("images", "refused"), [(64, False), (65, True)])
def test_an_example_holds_at_most_64_images(images, refused):
    _, reader = read(jsonl([chat() for _ in range(10)] + [_vision(*[_image_part()] * images)]))
    assert [(e.line, e.rule) for e in reader.errors] == ([(11, Rule.BAD_IMAGE)] if refused else [])


@pytest.mark.parametrize(("extra", "warned"), [(0, False), (1, True)])
def test_an_example_over_65_536_tokens_of_four_characters_is_warned_about(extra, warned):
    prompt = "x" * (65_536 * 4 - 1 + extra)
    _, reader = read(ten({"prompt": prompt, "completion": "y"}))
    assert reader.is_valid
    assert [w.as_dict()["code"] for w in reader.warnings] == (
        ["over_token_limit"] if warned else []
    ) + ["repeated_example"]


@pytest.mark.parametrize(("distinct", "repeat_seen"), [(100_000, True), (100_001, False)])
def test_repeats_are_spotted_among_the_first_100_000_distinct_lines(distinct, repeat_seen):
    """The last distinct line is repeated: remembered if it is the 100,000th."""
    lines = b"".join(b'{"prompt":"%d","completion":"a"}\n' % i for i in range(distinct))
    last = b'{"prompt":"%d","completion":"a"}\n' % (distinct - 1)
    _, reader = read(lines + last)
    assert [w.as_dict()["code"] for w in reader.warnings] == (
        ["repeated_example"] if repeat_seen else []
    )


ANSWER = {"role": "assistant", "content": "A"}
NULL_FIELDS = [
    ("chat", {"messages": None}),
    ("chat", {"messages": [None]}),
    ("chat", {"messages": [{"role": None, "content": "Q"}, ANSWER]}),
    ("chat", {"messages": [{"role": "user", "content": None}, ANSWER]}),
    ("chat", {**chat(), "tools": None}),
    ("chat", {**chat(), "parallel_tool_calls": None}),
    ("reinforcement", {"messages": None, "reference_answer": "42"}),
    ("reinforcement", {"messages": [{"role": "user", "content": None}], "reference_answer": "42"}),
    ("preference", {**PREFERENCE, "input": None}),
    ("preference", {**PREFERENCE, "input": {"messages": None}}),
    ("preference", {**PREFERENCE, "input": {**PREFERENCE["input"], "tools": None}}),
    ("preference", {**PREFERENCE, "preferred_output": None}),
    ("preference", {**PREFERENCE, "non_preferred_output": [None]}),
    ("prompt_completion", {"prompt": None, "completion": "A."}),
    ("prompt_completion", {"prompt": "Q", "completion": None}),
]  # fmt: skip


@pytest.mark.parametrize(("_format", "row"), NULL_FIELDS)
def test_a_null_where_a_value_is_needed_is_a_format_error_on_its_line(_format, row):
    """In every format: an error naming the line, never a crash."""
    _, reader = read(jsonl([row] * 10))
    on_lines = [e for e in reader.errors if e.line is not None]
    assert [e.line for e in on_lines] == list(range(1, 11))
    assert all(e.reason.startswith(f"line {e.line}: ") for e in on_lines)
