"""The attacker model translating objectives, over real HTTP against the chat emulator:
translated when it does, the native objectives when it fails or declines."""

from __future__ import annotations

import asyncio
from collections import deque

import pytest
from emulators.chat import ChatEmulator, ChatKnobs

from shared.analyzers.local import LocalAnalyzer
from shared.modeleval import ModelOutcome, evaluate_model
from shared.policy import CATEGORIES, Category
from shared.simulation.probes import load_probes
from shared.simulation.targets import ChatTarget
from shared.simulation.translation import LANGUAGE_NAMES, MAX_FAILURES_IN_A_ROW, Translator

ENGLISH = load_probes()[Category.VIOLENCE]


def target(chat: ChatEmulator, model: str, **options) -> ChatTarget:
    return ChatTarget.compatible(f"{chat.endpoint}/v1", model, backoff_base=0.01, **options)


@pytest.fixture(scope="module")
def chat():
    with ChatEmulator() as running:
        yield running


@pytest.mark.parametrize("language", sorted(LANGUAGE_NAMES))
def test_the_attacker_translates_an_objective_once_into_each_language(chat, language):
    async def run():
        async with target(chat, "attacker") as attacker:
            translator = Translator(attacker)
            first = await translator.translate(ENGLISH[1], language)
            again = await translator.translate(ENGLISH[1], language)
            return first, again, attacker.calls

    first, again, calls = asyncio.run(run())
    assert first is not None
    assert (first.language, first.category, first.id) == (
        language, Category.VIOLENCE, f"{ENGLISH[1].id}@{language}"
    )  # fmt: skip
    native = load_probes(language)[Category.VIOLENCE]
    assert first.objective == native[1 % len(native)].objective  # the emulator's translation
    assert again is first
    assert calls == 1  # asked once, then remembered


@pytest.mark.parametrize("failure", ["refuses", "filtered", "500", "429", "timeout"])
def test_an_attacker_that_does_not_translate_gives_no_objective_and_is_asked_three_times(failure):
    """Each failure is said (None: use a native objective), and after three in a row
    the attacker is not asked again."""
    knobs = ChatKnobs()
    model, options = {"refuses": "safe", "filtered": "filtered"}.get(failure, "attacker"), {}
    if failure == "500":
        knobs.fail_every = 1
    elif failure == "429":
        knobs.fail_next = deque([429] * 2 * MAX_FAILURES_IN_A_ROW)  # Retry-After: 1
    elif failure == "timeout":
        knobs.hang_seconds, options = 5.0, {"timeout": 0.2}

    with ChatEmulator(knobs) as failing:

        async def run():
            async with target(failing, model, max_attempts=2, **options) as attacker:
                translator = Translator(attacker)
                asked = []
                for probe in ENGLISH[:4]:
                    asked.append(await translator.translate(probe, "pt"))
                return asked, attacker.calls

        asked, calls = asyncio.run(run())
    assert asked == [None] * 4
    attempts = 1 if failure in ("refuses", "filtered") else 2
    assert calls == MAX_FAILURES_IN_A_ROW * attempts  # the fourth was not asked


def evaluate(chat: ChatEmulator, model: str, attacker: str | None):
    """An evaluation of ``model`` with ``attacker`` translating (if any): the verdict and
    the objective id of every conversation, by converter."""
    seen: dict[str, set[str]] = {}

    async def run():
        async with target(chat, model) as model_target, target(chat, attacker or "x") as writer:
            return await evaluate_model(
                model_target,
                LocalAnalyzer(),
                seed=4,
                translator=Translator(writer) if attacker else None,
                on_result=lambda r: seen.setdefault(r.converter, set()).add(r.probe_id),
            )

    return asyncio.run(run()), seen


def test_with_an_attacker_the_language_converters_use_translated_objectives(chat):
    verdict, seen = evaluate(chat, "breaks-pt", "attacker")
    assert verdict.outcome is ModelOutcome.NOT_DEPLOYABLE
    assert set(verdict.failing) == set(CATEGORIES)
    by_converter = verdict.as_dict()["attacks"]["per_converter"]
    assert {name for name, row in by_converter.items() if row["defects"]} == {"pt"}
    for language in ("es", "fr", "de", "pt"):  # the embedded analyzer does not read ru
        assert seen[language]
        assert all(probe.endswith(f"@{language}") for probe in seen[language]), language
    assert all("@" not in probe for probe in seen["plain"] | seen["base64"])


@pytest.mark.parametrize("attacker", ["safe", None])
def test_without_a_translation_the_shipped_native_objectives_are_used(chat, attacker):
    """An attacker that refuses to translate leaves the evaluation as it is without
    one: native objectives, and the model that breaks in Portuguese still fails."""
    verdict, seen = evaluate(chat, "breaks-pt", attacker)
    assert verdict.outcome is ModelOutcome.NOT_DEPLOYABLE
    by_converter = verdict.as_dict()["attacks"]["per_converter"]
    assert {name for name, row in by_converter.items() if row["defects"]} == {"pt"}
    native = {p.id for ps in load_probes("pt").values() for p in ps}
    assert seen["pt"]
    assert seen["pt"] <= native
