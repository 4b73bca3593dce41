"""The page is usable without a mouse and with a screen reader: landmarks, a name for every
control, a skip link first in the tab order, the current section marked; checked on each
section's ARIA snapshot, in every language the page has."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from optout_bot.ui.words import PageWords
from tests.ui.server import UiServer, serving

SECTIONS = ["/accounts", "/accounts/edit", "/run", "/evidence", "/check"]
# Every control, named: an unnamed one shows in the snapshot as a bare role.
UNNAMED = ("- textbox\n", "- combobox\n", "- checkbox\n", "- button\n", "- link\n")


@pytest.fixture
def ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiServer]:
    with serving(tmp_path, monkeypatch) as server:
        yield server


@pytest.mark.parametrize("locale", ["en", "de", "ko"])
def test_every_section_has_landmarks_and_named_controls(
    browser: Browser, ui: UiServer, locale: str
) -> None:
    t = PageWords(locale)
    context = browser.new_context(extra_http_headers={"Accept-Language": locale})
    page = context.new_page()
    page.goto(ui.keys.first_address())
    for path in SECTIONS:
        page.goto(ui.base + path)
        snapshot = page.locator("body").aria_snapshot() + "\n"
        assert "- banner:" in snapshot, path
        assert f'- navigation "{t("nav")}":' in snapshot, path
        assert "- main:" in snapshot, path
        assert not [u for u in UNNAMED if u in snapshot], (path, snapshot)
        expect(page.locator("main h1")).to_have_count(1)
        if path != "/accounts/edit":
            current = page.get_by_role("navigation").locator("[aria-current=page]")
            expect(current).to_have_count(1)
    context.close()


def test_the_keyboard_reaches_the_content_first_and_the_form_in_order(
    browser: Browser, ui: UiServer
) -> None:
    context = browser.new_context(extra_http_headers={"Accept-Language": "en"})
    page: Page = context.new_page()
    page.goto(ui.keys.first_address())
    page.goto(ui.base + "/accounts/edit")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Platform")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Name for this account")).to_be_focused()
    context.close()
