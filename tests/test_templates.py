"""Jailbreak templates: data files with ids, each wrapping an objective, over real HTTP."""

from __future__ import annotations

import asyncio

import pytest
from emulators.chat import ChatEmulator

from shared.analyzers.local import LocalAnalyzer
from shared.policy import Category
from shared.simulation.driver import Observation, converse
from shared.simulation.probes import load_probes
from shared.simulation.strategies import TemplateError, load_templates, parse_templates
from shared.simulation.targets import ChatTarget

PROBE = load_probes()[Category.HATE][3]
FAMILIES = {
    "role_play",
    "hypothetical",
    "developer_mode",
    "refusal_suppression",
    "prefix_injection",
    "payload_splitting",
}


def turns_sent(template) -> list[str]:
    async def run():
        turns = [template.opening(PROBE)]
        conversation = [{"role": "user", "content": turns[0]}]
        while True:
            conversation.append({"role": "assistant", "content": "OK."})
            turn = await template.follow_up(PROBE, conversation)
            if turn is None:
                return turns
            turns.append(turn)
            conversation.append({"role": "user", "content": turn})

    return asyncio.run(run())


def test_every_family_has_a_template():
    assert {t.family for t in load_templates()} == FAMILIES


@pytest.mark.parametrize("template", load_templates(), ids=lambda t: t.name)
def test_each_template_carries_the_objective(template):
    sent = " ".join(turns_sent(template))
    if template.family == "payload_splitting":
        assert PROBE.request not in sent  # never whole...
        words = PROBE.request.split()
        half = len(words) // 2
        assert " ".join(words[:half]) in sent  # ...but all of it
        assert " ".join(words[half:]) in sent
        assert len(turns_sent(template)) == 2
    else:
        assert PROBE.request in sent


def test_a_split_payload_reaches_a_model_that_complies_with_anything():
    template = next(t for t in load_templates() if t.family == "payload_splitting")
    with ChatEmulator() as chat:

        async def run():
            async with ChatTarget.compatible(f"{chat.endpoint}/v1", "unsafe") as target:
                return await converse(target, LocalAnalyzer(), PROBE, template)

        result = asyncio.run(run())
    assert result.outcome is Observation.DEFECT
    assert result.strategy == template.name


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"id": "a", "family": "f", "turns": ["{request}"]}\nnot json', "line 2: not JSON"),
        ('{"id": "a", "family": "f"}', "line 1: needs exactly the fields"),
        ('{"id": "a", "family": "f", "turns": []}', "line 1: turns must be a non-empty"),
        ('{"id": "a", "family": "f", "turns": ["{secret}"]}', "line 1: unknown placeholder"),
        ('{"id": "a", "family": "f", "turns": ["{request"]}', "line 1: a turn has an unbalanced"),
        (
            '{"id": "a", "family": "f", "turns": ["x"]}\n'
            '{"id": "a", "family": "g", "turns": ["y"]}',
            "line 2: id 'a' is used twice",
        ),
    ],
)
def test_a_bad_template_file_is_refused_naming_the_line_and_the_rule(text, problem):
    with pytest.raises(TemplateError, match=problem):
        parse_templates(text, "t.jsonl")
