"""Converters over real HTTP: each turn encoded, the model answering in kind, decoded, scored."""

from __future__ import annotations

import asyncio
import base64
import codecs
from collections.abc import Sequence

import pytest
from emulators.chat import HARMFUL, ChatEmulator, harm_in

from shared.analyzers.base import Severities
from shared.analyzers.local import LocalAnalyzer
from shared.policy import CATEGORIES, Category
from shared.simulation.converters import CONVERTERS, ENCODINGS, LANGUAGES, Converter
from shared.simulation.driver import Observation, converse
from shared.simulation.probes import Probe, load_probes
from shared.simulation.strategies import DirectAsk, Escalation
from shared.simulation.targets import ChatTarget, Reply

BY_NAME = {converter.name: converter for converter in CONVERTERS}


@pytest.fixture(scope="module")
def chat():
    with ChatEmulator() as running:
        yield running


class RecordingAnalyzer:
    """The embedded analyzer, keeping every text it was given to score."""

    name = "recording"

    def __init__(self) -> None:
        self.inner = LocalAnalyzer()
        self.texts: list[str] = []

    async def analyze(self, texts: Sequence[str]) -> list[Severities]:
        self.texts.extend(texts)
        return await self.inner.analyze(texts)

    async def __aenter__(self) -> RecordingAnalyzer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None


def probe_for(converter: Converter) -> Probe:
    return load_probes(converter.language)[Category.VIOLENCE][0]


def talk(chat: ChatEmulator, model: str, converter: Converter, strategy=None):
    analyzer = RecordingAnalyzer()

    async def run():
        async with ChatTarget.compatible(f"{chat.endpoint}/v1", model) as target:
            return await converse(
                target, analyzer, probe_for(converter), strategy or DirectAsk(), converter
            )

    return asyncio.run(run()), analyzer.texts


@pytest.mark.parametrize("converter", CONVERTERS, ids=lambda c: c.name)
def test_every_converter_round_trips_and_the_scorer_reads_the_decoded_answer(chat, converter):
    """The model reads the encoded request and answers in kind; what is scored is its
    answer decoded (leetspeak keeps no case)."""
    result, scored = talk(chat, f"breaks-{converter.name}", converter)
    meant = harm_in(Category.VIOLENCE, converter.language)
    assert scored[0].lower() == meant.lower()
    assert result.converter == converter.name
    if converter in ENCODINGS:
        assert converter.encode(meant) != meant
        assert scored[-1] == converter.encode(meant)  # the answer as written, read too
    if converter.name != "ru":  # the embedded analyzer is not trusted with Russian
        assert result.outcome is Observation.DEFECT


@pytest.mark.parametrize("converter", ENCODINGS[:2], ids=lambda c: c.name)
def test_an_encoded_answer_hides_its_harm_until_decoded(converter):
    """Why decoding matters: base64 and ROT13 of a plain threat score clean as written."""
    meant = harm_in(Category.VIOLENCE, "en")

    async def score(text: str) -> Severities:
        (severities,) = await LocalAnalyzer().analyze([text])
        return severities

    assert asyncio.run(score(converter.encode(meant))).violence < 4
    assert asyncio.run(score(converter.decode(converter.encode(meant)))).violence >= 4


def test_the_model_receives_the_instruction_and_the_turn_encoded_as_the_standards_define():
    """Pinned against the standard library, not against the converters' own decoding."""
    sent: list[str] = []

    class Recording:
        name, calls = "recording", 0

        async def reply(self, messages):
            sent.append(messages[-1]["content"])
            return Reply("No.")

    opening = DirectAsk().opening(load_probes()[Category.HATE][0])
    for name, standard in (
        ("base64", lambda t: base64.b64decode(t).decode()),
        ("rot13", lambda t: codecs.decode(t, "rot13")),
    ):
        asyncio.run(converse(Recording(), LocalAnalyzer(), load_probes()[Category.HATE][0],
                             DirectAsk(), BY_NAME[name]))  # fmt: skip
        instruction, _, encoded = sent[-1].partition("\n\n")
        assert instruction == BY_NAME[name].instruction
        assert standard(encoded) == opening
        assert opening not in sent[-1]


def test_a_model_that_breaks_under_one_converter_declines_the_others(chat):
    for converter in CONVERTERS:
        result, _ = talk(chat, "breaks-base64", converter)
        expected = Observation.DEFECT if converter.name == "base64" else Observation.CLEAN
        assert result.outcome is expected, converter.name


@pytest.mark.parametrize("converter", ENCODINGS, ids=lambda c: c.name)
def test_an_answer_not_written_in_kind_is_scored_as_written(chat, converter):
    """Decoding a plain answer garbles it (ROT13 of a threat is no threat): the answer
    as written is read as well, so plain harm is never decoded out of sight."""
    result, scored = talk(chat, "unsafe", converter)
    assert HARMFUL in scored
    assert result.outcome is Observation.DEFECT


def test_a_multi_turn_strategy_reads_its_turns_and_the_answers_in_plain_form():
    """Escalation quotes the last answer: the decoded one, not base64 of it."""
    sent: list[list[dict[str, str]]] = []
    converter = BY_NAME["base64"]

    class InKind:
        name, calls = "in-kind", 0

        async def reply(self, messages):
            sent.append([dict(m) for m in messages])
            return Reply(converter.encode("Alpha beta gamma delta."))

    asyncio.run(converse(InKind(), LocalAnalyzer(), probe_for(converter), Escalation(), converter))
    assert len(sent) == 3
    second_turn = base64.b64decode(sent[1][-1]["content"].partition("\n\n")[2]).decode()
    assert second_turn.startswith('You said: "Alpha beta gamma delta.')
    assert sent[1][1]["content"] == converter.encode("Alpha beta gamma delta.")


@pytest.mark.parametrize("converter", CONVERTERS, ids=lambda c: c.name)
@pytest.mark.parametrize(
    "answer", ["", "no", "====", "a" * 9, "QUJD!!", "\u0000\ufffd", "Ünïcødé 123 l33t", "  \n "]
)
def test_decoding_any_answer_never_raises(converter, answer):
    assert isinstance(converter.decode(answer), str)


def test_base64_runs_inside_plain_words_are_decoded_and_the_rest_kept():
    converter = BY_NAME["base64"]
    answer = f"Here you go: {converter.encode('I will hurt you')} Enjoy."
    assert converter.decode(answer) == "Here you go: I will hurt you Enjoy."
    assert converter.decode("Sure, thisisnotb64!") == "Sure, thisisnotb64!"


@pytest.mark.parametrize("cut", range(7))
def test_base64_cut_off_or_without_padding_is_decoded_as_far_as_it_goes(cut):
    """An answer stopped at the token cap ends mid-group, and models drop padding: what
    is whole still reaches the analyzer, never only the encoded text."""
    text = "First wait until he is alone, then hit him über den Kopf with a hammer."
    encoded = BY_NAME["base64"].encode(text)
    decoded = BY_NAME["base64"].decode(encoded[: len(encoded) - cut].rstrip("="))
    assert decoded.startswith("First wait until he is alone, then hit him")
    assert text.startswith(decoded)


def test_morse_is_international_morse_code_with_slashes_between_words():
    """Pinned against the code as published (ITU-R M.1677), not the converter's own decoding."""
    morse = BY_NAME["morse"]
    assert morse.encode("SOS, hello world 73!") == (
        "... --- ... --..-- / .... . .-.. .-.. --- / .-- --- .-. .-.. -.. / --... ...-- -.-.--"
    )
    assert morse.decode(".... . .-.. .-.. --- / .-- --- .-. .-.. -..") == "hello world"


def test_morse_decodes_only_the_lines_written_in_it_and_keeps_what_it_cannot_spell():
    morse = BY_NAME["morse"]
    assert (
        morse.decode("No, I won't - sorry.\n.. / .-- .. .-.. .-..")
        == "No, I won't - sorry.\ni will"
    )
    assert morse.decode(morse.encode("Kill him — über alles")) == "kill him — über alles"
    assert morse.decode("·· / −·−") == "i k"  # dots and dashes as models also type them


def test_spacing_decodes_loosely_spaced_answers_to_words():
    assert BY_NAME["spacing"].decode("k i l l  t h e m") == "kill them"


def test_native_objectives_cover_every_category_in_every_language():
    ids: set[str] = set()
    for converter in LANGUAGES:
        probes = load_probes(converter.language)
        for category in CATEGORIES:
            assert len(probes[category]) >= 4, (converter.language, category)
            for probe in probes[category]:
                assert probe.id.startswith(f"{converter.language}-")
                assert probe.request == probe.objective  # written as a user asks, natively
                ids.add(probe.id)
    assert len(ids) == sum(
        len(load_probes(c.language)[category]) for c in LANGUAGES for category in CATEGORIES
    )
