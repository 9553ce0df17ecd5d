"""Every string a training format accepts is screened, or the line is rejected.

Each placement below puts a text in one place the formats allow (message
fields, ids, tool schemas and their keywords, property names, reinforcement
fields and their keys). A severity-6 threat there must fail the file, and a
canary there must appear nowhere in the JSON, the text report, the logs or the
verdict entity. Fields no format defines are rejected, canary unquoted.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import pytest

from conftest import chat, jsonl
from shared import cli
from shared.analyzers.local import LocalAnalyzer
from shared.screening import Outcome, screen
from shared.storedverdict import StoredVerdict

CANARY = "CANARY-3c9e21-FIELD"
THREAT = "I will kill you and your whole family."
Place = Callable[[str], dict]


def _user(text: str) -> dict:
    return {"role": "user", "content": text}


def _tool_chat(function: dict) -> dict:
    return {**chat(), "tools": [{"type": "function", "function": function}]}


def _schema(schema: dict) -> dict:
    return _tool_chat({"name": "lookup", "parameters": schema})


def _assistant(**fields) -> dict:
    row = chat()
    row["messages"][2] = {"role": "assistant", **fields}
    return row


def _call(**overrides) -> dict:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    return _assistant(content=None, tool_calls=[{**call, **overrides}])


def _rft(**fields) -> dict:
    return {"messages": [_user("What is 6 x 7?")], "reference_answer": "42", **fields}


def _dpo(prompt: str = "Q", preferred: str = "good", rejected: str = "bad") -> dict:
    return {
        "input": {"messages": [_user(prompt)]},
        "preferred_output": [{"role": "assistant", "content": preferred}],
        "non_preferred_output": [{"role": "assistant", "content": rejected}],
    }


CLEAN: dict[str, Callable[[int], dict]] = {
    "chat": lambda i: chat(f"Question {i}?", f"Answer {i}."),
    "rft": lambda i: _rft(reference_answer=str(i)),
    "dpo": lambda i: _dpo(f"Q{i}", f"good {i}", f"bad {i}"),
    "pc": lambda i: {"prompt": f"Q{i}", "completion": f"A{i}"},
}

# (name, format of the file, the example with the text placed)
SCREENED: list[tuple[str, str, Place]] = [
    ("system content", "chat", lambda t: {"messages": [{"role": "system", "content": t},
                                                        *chat()["messages"][1:]]}),
    ("user content", "chat", lambda t: chat(user=t)),
    ("assistant content", "chat", lambda t: chat(assistant=t)),
    ("text part", "chat", lambda t: chat(user=[{"type": "text", "text": t}])),
    ("image url", "chat", lambda t: chat(user=[{"type": "image_url",
                                                "image_url": {"url": f"https://example.com/{t}"}}])),
    ("refusal part", "chat", lambda t: _assistant(content=[{"type": "refusal", "refusal": t}])),
    ("assistant refusal", "chat", lambda t: _assistant(content="No.", refusal=t)),
    ("message name", "chat", lambda t: {"messages": [{**_user("Q"), "name": t},
                                                      *chat()["messages"][2:]]}),
    ("tool call id", "chat", lambda t: _call(id=t)),
    ("tool call name", "chat", lambda t: _call(function={"name": t, "arguments": "{}"})),
    ("tool call arguments", "chat", lambda t: _call(function={"name": "f", "arguments": t})),
    ("tool_call_id", "chat", lambda t: {"messages": [
        *_call()["messages"], {"role": "tool", "tool_call_id": t, "content": "42"},
        {"role": "assistant", "content": "It is 42."}]}),
    ("function_call", "chat", lambda t: _assistant(function_call={"name": "f", "arguments": t})),
    ("function message", "chat", lambda t: {"messages": [
        *chat()["messages"], {"role": "function", "name": "f", "content": t}]}),
    ("tool name", "chat", lambda t: _tool_chat({"name": t})),
    ("tool description", "chat", lambda t: _tool_chat({"name": "f", "description": t})),
    ("legacy function", "chat", lambda t: {**chat(), "functions": [{"name": "f",
                                                                    "description": t}]}),
    ("schema title", "chat", lambda t: _schema({"type": "object", "title": t})),
    ("schema description", "chat", lambda t: _schema({"description": t})),
    ("property name", "chat", lambda t: _schema({"properties": {t: {"type": "string"}}})),
    ("property description", "chat", lambda t: _schema({"properties": {"q": {
        "type": "string", "description": t}}})),
    ("enum", "chat", lambda t: _schema({"properties": {"q": {"enum": ["a", t]}}})),
    ("default", "chat", lambda t: _schema({"properties": {"q": {"default": t}}})),
    ("examples", "chat", lambda t: _schema({"properties": {"q": {"examples": [{"k": t}]}}})),
    ("const", "chat", lambda t: _schema({"const": t})),
    ("key inside default", "chat", lambda t: _schema({"default": {t: 1}})),
    ("required", "chat", lambda t: _schema({"required": [t]})),
    ("pattern", "chat", lambda t: _schema({"pattern": t})),
    ("$defs name", "chat", lambda t: _schema({"$defs": {t: {"type": "string"}}})),
    ("items", "chat", lambda t: _schema({"items": {"description": t}})),
    ("anyOf", "chat", lambda t: _schema({"anyOf": [{"title": t}]})),
    ("custom keyword", "chat", lambda t: _schema({t: "x"})),
    ("custom keyword value", "chat", lambda t: _schema({"x-note": t})),
    ("preference input", "dpo", lambda t: _dpo(prompt=t)),
    ("preferred output", "dpo", lambda t: _dpo(preferred=t)),
    ("non-preferred output", "dpo", lambda t: _dpo(rejected=t)),
    ("prompt", "pc", lambda t: {"prompt": t, "completion": "A"}),
    ("completion", "pc", lambda t: {"prompt": "Q", "completion": t}),
    ("rft user", "rft", lambda t: {**_rft(), "messages": [_user(t)]}),
    ("rft field", "rft", lambda t: _rft(reference_answer=t)),
    ("rft field name", "rft", lambda t: {**_rft(), t: "x"}),
    ("rft nested", "rft", lambda t: _rft(meta={"notes": [1, {"deep": t}]})),
    ("rft nested key", "rft", lambda t: _rft(meta={t: True})),
]  # fmt: skip

REJECTED: list[tuple[str, Place]] = [
    ("message reasoning", lambda t: _assistant(content="A", reasoning=t)),
    ("unknown user field", lambda t: {"messages": [{**_user("Q"), "meta": t},
                                                    *chat()["messages"][2:]]}),
    ("tool_call_id on a user", lambda t: {"messages": [{**_user("Q"), "tool_call_id": t},
                                                        *chat()["messages"][2:]]}),
    ("tool call field", lambda t: _call(note=t)),
    ("tool call type", lambda t: _call(type=t)),
    ("function call field", lambda t: _call(function={"name": "f", "arguments": "{}", "x": t})),
    ("text part field", lambda t: chat(user=[{"type": "text", "text": "Q", "x": t}])),
    ("image detail", lambda t: chat(user=[{"type": "image_url",
                                           "image_url": {"url": "https://a/b.png", "detail": t}}])),
    ("image field", lambda t: chat(user=[{"type": "image_url",
                                          "image_url": {"url": "https://a/b.png", "x": t}}])),
    ("tool entry field", lambda t: {**chat(), "tools": [{"type": "function", "x": t,
                                                          "function": {"name": "f"}}]}),
    ("function definition field", lambda t: _tool_chat({"name": "f", "x": t})),
    ("non-string name", lambda t: {"messages": [{**_user("Q"), "name": [t]},
                                                 *chat()["messages"][2:]]}),
]  # fmt: skip


def _file(fmt: str, row: dict) -> bytes:
    return jsonl([CLEAN[fmt](i) for i in range(10)] + [row])


def _screen(data: bytes):
    return asyncio.run(screen([data], LocalAnalyzer()))


@pytest.fixture
def everywhere(capsys, caplog, tmp_path) -> Callable[[bytes], tuple[int, str]]:
    """Exit code, and everything ftgate prints, logs and would store for a file."""

    def run(data: bytes) -> tuple[int, str]:
        path = tmp_path / "train.jsonl"
        path.write_bytes(data)
        seen = []
        with caplog.at_level(logging.DEBUG):
            for flags in ((), ("--json",)):
                code = cli.main(["scan-data", str(path), "--analyzer", "local", *flags])
                out, err = capsys.readouterr()
                seen += [out, err]
        entity = StoredVerdict.of_data(_screen(data), blob_name="b.jsonl", etag="e").to_entity()
        seen += [caplog.text, json.dumps(entity, default=str)]
        return code, "\n".join(seen)

    return run


@pytest.mark.parametrize(("name", "fmt", "place"), SCREENED, ids=[s[0] for s in SCREENED])
def test_a_threat_in_any_accepted_field_fails_the_file(name, fmt, place):
    verdict = _screen(_file(fmt, place(THREAT)))
    assert verdict.verdict is Outcome.FAILED, verdict.errors
    assert [(f.line, f.category.value) for f in verdict.findings] == [(11, "Violence")]


@pytest.mark.parametrize(("name", "fmt", "place"), SCREENED, ids=[s[0] for s in SCREENED])
def test_a_canary_in_any_accepted_field_never_appears(name, fmt, place, everywhere):
    code, everything = everywhere(_file(fmt, place(f"{CANARY} {THREAT}")))
    assert code == 1
    assert CANARY not in everything
    assert "line 11" in everything


@pytest.mark.parametrize(("name", "place"), REJECTED, ids=[r[0] for r in REJECTED])
def test_a_field_no_format_defines_is_rejected_unquoted(name, place, everywhere):
    code, everything = everywhere(_file("chat", place(CANARY)))
    assert code == 2
    assert CANARY not in everything
    assert "line 11" in everything


def test_finding_paths_name_positions_not_the_authors_keys():
    rows = [
        _schema({"properties": {"a": {}, "b": {}, "c": {}, THREAT: {"type": "string"}}}),
        _rft(meta={"first": 1, THREAT: True}),
    ]
    chat_verdict = _screen(_file("chat", rows[0]))
    rft_verdict = _screen(_file("rft", rows[1]))
    assert [f.path for f in chat_verdict.findings] == [
        "tools[0].function.parameters.properties[3].key"
    ]
    assert [f.path for f in rft_verdict.findings] == ["[2][1].key"]
