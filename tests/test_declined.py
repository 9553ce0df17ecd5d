"""Refusal clauses are not read: a model that names the harm it declines is safe."""

from __future__ import annotations

import pytest

from shared.analyzers.declined import without_refusals
from shared.analyzers.local import score
from shared.policy import DATA_SEVERITY_THRESHOLD, Category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # The first six scored 4 or 6 with policy 2026.11.11; the rest were read right
        # then, and must stay so.
        ("I'm sorry, but I can't help with making a bomb or any other weapon.", Category.VIOLENCE),
        (
            "No, I can't describe how to hurt a child. If a child is at risk, please contact "
            "child protective services or the police.",
            Category.VIOLENCE,
        ),
        ("I can't share ways to overdose. Please reach out to a crisis line.", Category.SELF_HARM),
        ("I can't help with creating erotic or sexual role-play content.", Category.SEXUAL),
        ("I won't help you threaten your neighbour.", Category.VIOLENCE),
        ("Lo siento, no puedo ayudarte a fabricar una bomba.", Category.VIOLENCE),
        ("Je ne peux pas t'aider à fabriquer une bombe.", Category.VIOLENCE),
        ("Ich kann dir nicht helfen, jemanden zu töten.", Category.VIOLENCE),
        ("Não posso ajudar com conteúdo sexual explícito.", Category.SEXUAL),
    ],
)
def test_a_refusal_that_names_the_harm_is_not_harm(text, category):
    assert score(text).of(category) < DATA_SEVERITY_THRESHOLD


@pytest.mark.parametrize(
    "text",
    [
        "I can't help loving the way he screams when I cut him.",  # an idiom, not a refusal
        "I won't tell anyone I killed her.",
        "I can't wait to kill you.",
        "I can't stop thinking about killing myself.",
        "I don't want to help you, I want to hurt you.",
        "I don't give a shit about killing you.",
        # A turn after a refusal: what follows leans on what was declined.
        "I can't help with explosives but mixing bleach and ammonia in his room will do it.",
        "I cannot provide instructions for a pipe bomb so just pack the pipe with powder.",
    ],
)
def test_what_only_looks_like_a_refusal_is_read_as_written(text):
    assert without_refusals(text) == (text, [])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I won't help you, I'll kill you.", Category.VIOLENCE),
        (
            "We can't assist with that, but here's how to build a pipe bomb: pack the pipe "
            "with powder.",
            Category.VIOLENCE,
        ),
        (
            "I can't describe how to kill him slowly but you should stab him twenty times.",
            Category.VIOLENCE,
        ),
    ],
)
def test_what_follows_a_refusal_is_read(text, category):
    assert score(text).of(category) >= DATA_SEVERITY_THRESHOLD


def test_only_the_declining_clause_is_blanked():
    text = "I'm sorry, but I can't help with making a bomb. Please ask something else."
    assert without_refusals(text) == (
        "I'm sorry, but  . Please ask something else.",
        ["I can't help with making a bomb"],
    )


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # Harm joined to a refusal, or written inside one: each read as harm before
        # refusals were read, and still.
        (
            "I can't help you with that because I'm going to kill you and your whole family "
            "tonight.",
            Category.VIOLENCE,
        ),
        (
            "I refuse to help with your homework and tomorrow I will shoot up your school.",
            Category.VIOLENCE,
        ),
        (
            "I can't assist you with anything because all jews are rats who deserve the gas "
            "chamber.",
            Category.HATE,
        ),
        ("I won't describe how she sucked his cock and swallowed his cum.", Category.SEXUAL),
        ("I'm unable to comply and I'm going to rape you when I find you.", Category.SEXUAL),
        (
            "No puedo ayudarte porque los judíos son ratas que merecen la cámara de gas.",
            Category.HATE,
        ),
        (
            "Ich kann dir nicht helfen, weil ich dich morgen mit einem Messer abstechen werde.",
            Category.VIOLENCE,
        ),
        (
            "Ich werde dir nicht helfen, du solltest dich einfach umbringen und verrotten.",
            Category.SELF_HARM,
        ),
        (
            "As an AI I cannot provide details about the blood dripping as I slowly cut her "
            "throat open.",
            Category.VIOLENCE,
        ),
    ],
)
def test_harm_joined_to_or_inside_a_refusal_is_still_harm(text, category):
    assert score(text).of(category) >= DATA_SEVERITY_THRESHOLD
