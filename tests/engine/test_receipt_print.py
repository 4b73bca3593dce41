"""A receipt is for a person: it prints on one A4 page in Chromium, shows no internal key or
Python repr, names step and state in the person's language, quotes only the platform and
links each thumbnail to its PNG. The bundles are the demo's, one run per language."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from optout_bot.flow import registry
from optout_bot.records.evidence import render_receipt
from tests.engine.test_cli import evidence_folders
from tests.support.cli import optout_here
from tests.support.shared import built_once

PLATFORMS = tuple(registry.discover())
INTERNAL = re.compile(
    r"label_differs|controls_before|controls_after|state_shown|"
    r"\b(?:log_in|open_form|open_settings|read_state|turn_off)\b|"
    r"[{}]|'[^']*':|\b(?:True|False|None)\b"
)
"""Engine keys, step identifiers, and the marks of a Python dict or repr."""


Receipts = Callable[[str], dict[str, Path]]


@pytest.fixture(scope="module")
def receipts(tmp_path_factory: pytest.TempPathFactory) -> Receipts:
    """Each platform's demo bundle in a language; one demo run per language and session."""

    def demo(locale: str, root: Path) -> None:
        done = optout_here(
            "--out", "ev", "--ledger", "ledger.sqlite3", "demo", "--locale", locale, cwd=root
        )
        assert done.returncode == 0, done.stderr

    @cache
    def of(locale: str) -> dict[str, Path]:
        root = built_once(tmp_path_factory, f"receipt-demo-{locale}", partial(demo, locale))
        return {folder.parts[-3]: folder for folder in evidence_folders(root / "ev")}

    return of


def visible(page: str) -> str:
    text = re.sub(r"<style>.*?</style>|<title>.*?</title>|<[^>]+>", " ", page, flags=re.S)
    return " ".join(html.unescape(text).split())


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF as Chromium writes it (one ``/Type /Page`` object each, no object
    streams)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", data))


WORDS = {"en": ("Log in", "done"), "de": ("Anmelden", "erledigt"), "ko": ("로그인", "완료")}


@pytest.mark.parametrize("locale", ["en", "de", "ko"])
def test_receipts_are_for_people_and_print_on_one_a4_page(
    locale: str, receipts: Receipts, browser: Browser
) -> None:
    """One demo per language (the slow part), every platform's receipt checked."""
    folders = receipts(locale)
    assert sorted(folders) == sorted(PLATFORMS)
    page = browser.new_page()
    pages = {}
    for platform, folder in sorted(folders.items()):
        page.goto((folder / "receipt.html").as_uri())
        pages[platform] = pdf_pages(page.pdf(format="A4", print_background=True))
    page.close()
    assert pages == dict.fromkeys(sorted(PLATFORMS), 1)
    step, state = WORDS[locale]
    for platform, folder in folders.items():
        receipt = (folder / "receipt.html").read_text(encoding="utf-8")
        text = visible(receipt)
        assert f"{step} · " in text and f" · {state}" in text, platform
        if locale != "en":
            assert no_internal_keys(text) == [], platform
        assert_thumbnails_link_their_pngs(folder, receipt)
    if locale == "ko":
        assert_the_finding_is_the_tool_s_and_the_switch_quoted(folders["x"])


def no_internal_keys(text: str) -> list[str]:
    """Engine keys and Python reprs a receipt shows (file names, which name steps, aside)."""
    return INTERNAL.findall(re.sub(r"\S+\.png\b", " ", text)) + [
        phrase for phrase in ("After a reload", " is Off ", "Left as you set") if phrase in text
    ]


def assert_the_finding_is_the_tool_s_and_the_switch_quoted(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    switch = manifest["conclusion"]["quoted"]["setting"]
    text = visible((folder / "receipt.html").read_text(encoding="utf-8"))
    assert "도구 optout-bot이 다음을 확인했습니다" in text
    assert f"설정 “{switch}”을(를) 꺼짐으로 표시했습니다" in text
    assert f"“{switch}”: 꺼짐" in text  # what was set: the platform's words quoted, our state


def assert_thumbnails_link_their_pngs(folder: Path, receipt: str) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    pngs = {name for name in manifest["files"] if name.endswith(".png")}
    linked = re.findall(r'<a href="([^"]+\.png)"><img src="\1"', receipt)
    assert linked and set(linked) <= pngs, folder
    for name in linked:
        assert f">{name}</a>" in receipt, name  # named by file


def test_internal_keys_and_reprs_are_caught() -> None:
    """The check above can fail: a dict repr, an engine key and an English sentence."""
    assert no_internal_keys("Notes {'a': 'on'} label_differs read_state") != []
    assert no_internal_keys("After a reload X shows") == ["After a reload"]
    assert no_internal_keys("01-log_in.png Anmelden · erledigt") == []


@pytest.mark.parametrize("locale", ["en", "de", "ko"])
def test_a_failed_run_with_retries_still_prints_on_one_page(
    locale: str, browser: Browser, tmp_path: Path
) -> None:
    """Twelve step attempts, four screenshots, a long message: still one page."""
    names = ("log_in", "open_form", "read_state", "fill", "submit", "confirm")
    steps = [
        {
            "name": name,
            "attempt": attempt,
            "status": "retry" if attempt == 1 else "failed",
            "started_utc": "2026-12-07T10:34:28.623Z",
            "ended_utc": "2026-12-07T10:34:29.623Z",
            "url": "https://www.facebook.com/help/contact/712876720715583",
            "screenshot": f"0{index}-{name}.png" if index < 5 else None,
        }
        for index, name in enumerate(names, 1)
        for attempt in (1, 2)
    ]
    manifest = {
        "tool": "optout-bot",
        "tool_version": "0",
        "platform": "threads",
        "via": "instagram",
        "account": "me",
        "mode": "live",
        "flow": "flows.threads.flow",
        "flow_version": "1",
        "locale": locale,
        "jurisdiction": "pipa" if locale == "ko" else "gdpr",
        "jurisdiction_country": "KR" if locale == "ko" else "DE",
        "started_utc": "2026-12-07T10:34:26.853Z",
        "started_local": "2026-12-07T11:34:26+01:00",
        "ended_utc": "2026-12-07T10:34:55.641Z",
        "form_url": "https://help.instagram.com/contact/767264225370182",
        "form_version": "2025",
        "submitted": {"email": "me@example.org", "reason": "x " * 300},
        "outcome": "failed",
        "message": "gave up after 5 attempts: the platform answered HTTP 503; " * 4,
        "previous_manifest_sha256": "a" * 64,
        "steps": steps,
        "files": {},
    }
    (tmp_path / "receipt.html").write_text(render_receipt(manifest), encoding="utf-8")
    page = browser.new_page()
    page.goto((tmp_path / "receipt.html").as_uri())
    assert pdf_pages(page.pdf(format="A4", print_background=True)) == 1
    page.close()
