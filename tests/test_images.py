"""Images in training data: screened with Content Safety's image analysis when they
are data URLs, counted as unscreened otherwise, never silently ``passed``.

The image set is generated here (tiny PNGs, ``emulators/images.py``); the
emulator scores each by the harm written into it.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from emulators.contentsafety import ContentSafetyEmulator
from emulators.imagehost import ImageHost
from emulators.images import data_url, png

from conftest import chat, jsonl
from shared import cli, imagefetch
from shared.analyzers.contentsafety import ContentSafetyAnalyzer
from shared.analyzers.local import LocalAnalyzer
from shared.gate import data_answer
from shared.policy import POLICY_VERSION
from shared.screening import Outcome, screen
from shared.settings import ContentSafetySettings, SettingsError
from shared.storedverdict import StoredVerdict

CLEAN = png(rgb=(40, 200, 40))
VIOLENT = png(rgb=(200, 0, 0), harm={"Violence": 6})
MILD = png(rgb=(200, 90, 0), harm={"Violence": 3, "Hate": 2})  # graded 2 and 2: below 4


def _with_image(url: str, index: int = 0) -> dict:
    row = chat(f"Question {index}?", f"Answer {index}.")
    row["messages"][1]["content"] = [
        {"type": "text", "text": f"What is in picture {index}?"},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    return row


def image_file(*urls: str) -> bytes:
    """A chat file whose example ``i`` shows the image at ``urls[i]``."""
    return jsonl(_with_image(url, index) for index, url in enumerate(urls))


@pytest.fixture
def emulator():
    with ContentSafetyEmulator() as running:
        yield running


def _screen_with_content_safety(emulator, data: bytes, **overrides):
    options = {"key": emulator.knobs.key, "backoff_base": 0.01, "max_attempts": 2}
    settings = ContentSafetySettings(endpoint=emulator.endpoint, **options | overrides)

    async def run():
        async with ContentSafetyAnalyzer(settings) as analyzer:
            return await screen([data], analyzer)

    return asyncio.run(run())


def test_data_url_images_are_screened_and_clean_ones_pass(emulator):
    verdict = _screen_with_content_safety(
        emulator, image_file(*[data_url(CLEAN)] * 9, data_url(MILD))
    )
    assert verdict.verdict is Outcome.PASSED
    assert (verdict.images, verdict.images_unscreened) == (10, 0)
    assert emulator.stats.images == 2  # identical images are analyzed once


def test_a_harmful_image_fails_the_file_at_its_position(emulator):
    urls = [data_url(CLEAN)] * 10
    urls[6] = data_url(VIOLENT)
    verdict = _screen_with_content_safety(emulator, image_file(*urls))
    assert verdict.verdict is Outcome.FAILED
    assert verdict.harm_types == ("violence",)
    assert [f.as_dict() for f in verdict.findings] == [
        {"line": 7, "path": "messages[1].content[1].image_url", "category": "Violence",
         "severity": 6}
    ]  # fmt: skip


def test_image_analysis_fails_closed(emulator):
    emulator.knobs.drop_category = "Sexual"
    verdict = _screen_with_content_safety(emulator, image_file(*[data_url(CLEAN)] * 10))
    assert verdict.verdict is Outcome.ERROR
    emulator.knobs.drop_category = None
    emulator.knobs.fail_every = 1
    verdict = _screen_with_content_safety(emulator, image_file(*[data_url(VIOLENT)] * 10))
    assert verdict.verdict is Outcome.ERROR


def test_url_images_go_unscreened_and_the_file_is_incomplete(emulator):
    urls = [data_url(CLEAN)] * 8 + ["https://example.com/a.png", "https://example.com/b.png"]
    verdict = _screen_with_content_safety(emulator, image_file(*urls))
    assert verdict.verdict is Outcome.INCOMPLETE
    assert verdict.images_unscreened == 2
    assert "2 images that could not be screened" in verdict.message
    urls[0] = data_url(VIOLENT)  # harm found still fails the file
    assert _screen_with_content_safety(emulator, image_file(*urls)).verdict is Outcome.FAILED


def test_offline_every_image_is_unscreened_and_said_so(capsys, write_file):
    path = write_file(image_file(*[data_url(CLEAN)] * 10))
    assert asyncio.run(screen([path.read_bytes()], LocalAnalyzer())).images_unscreened == 10
    assert cli.main(["scan-data", str(path), "--analyzer", "local", "--json"]) == 5
    report = json.loads(capsys.readouterr().out)
    assert (report["verdict"], report["images_unscreened"]) == ("incomplete", 10)
    assert cli.main(["scan-data", str(path), "--analyzer", "local"]) == 5
    out = capsys.readouterr().out
    assert "INCOMPLETE" in out
    assert "10 images (10 unscreened)" in out


def test_the_gate_never_opens_for_an_incomplete_file():
    verdict = StoredVerdict("data", "a" * 64, "incomplete", "m", POLICY_VERSION)
    answer = data_answer(verdict)
    assert answer.status == 200
    assert answer.body["passed"] is False


def test_url_images_are_fetched_only_from_allowed_origins(emulator, monkeypatch):
    monkeypatch.setattr(imagefetch, "FETCH_SECONDS", 0.5)
    big = png(width=1200, height=1200, rgb=(1, 2, 3)) + b"\0" * (4 * 1024 * 1024)
    with ImageHost({"clean": CLEAN, "violent": VIOLENT, "big": big}) as host:
        allowed = {"image_origins": frozenset({host.endpoint})}
        urls = [f"{host.endpoint}/img/clean"] * 10
        verdict = _screen_with_content_safety(emulator, image_file(*urls), **allowed)
        assert (verdict.verdict, verdict.images_unscreened) == (Outcome.PASSED, 0)
        urls[3] = f"{host.endpoint}/img/violent"
        verdict = _screen_with_content_safety(emulator, image_file(*urls), **allowed)
        assert [(f.line, f.category.value) for f in verdict.findings] == [(4, "Violence")]
        for unreadable in ("/img/missing", "/img/big", "/slow", "/moved"):
            urls[3] = host.endpoint + unreadable
            verdict = _screen_with_content_safety(emulator, image_file(*urls), **allowed)
            assert (verdict.verdict, verdict.images_unscreened) == (Outcome.INCOMPLETE, 1)
        served = host.served
        urls[3] = f"{host.endpoint}/img/violent"
        verdict = _screen_with_content_safety(emulator, image_file(*urls))  # no origin allowed
        assert (verdict.verdict, verdict.images_unscreened) == (Outcome.INCOMPLETE, 10)
        assert host.served == served


def test_image_origins_are_read_from_the_environment():
    origins = "https://Images.Contoso.com/, http://127.0.0.1:8080"
    environ = {"CONTENT_SAFETY_ENDPOINT": "https://cs.example.com", "IMAGE_URL_ORIGINS": origins}
    settings = ContentSafetySettings.from_environment(environ)
    assert settings.image_origins == {"https://images.contoso.com", "http://127.0.0.1:8080"}
    with pytest.raises(SettingsError, match="IMAGE_URL_ORIGINS"):
        ContentSafetySettings.from_environment(
            {**environ, "IMAGE_URL_ORIGINS": "https://cdn.example.com/images"}
        )
