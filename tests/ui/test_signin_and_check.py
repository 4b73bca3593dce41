"""Two more ways the page is used: signing in yourself (no password kept; without a display
the person signs in through the page's hand-over view, here on the ChatGPT replica), and a
volunteer's check against the replicas with its report."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from optout_bot.browser.sessions import session_file
from tests.ui.server import UiServer, serving
from tests.ui.test_page import LONG, person, words


@pytest.fixture
def ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiServer]:
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)  # no display: the hand-over view
    with serving(tmp_path, monkeypatch) as server:
        yield server


def type_into(page: Page, field: str, text: str) -> None:
    """What the person does in the hand-over view: pick the field, type, send."""
    desk = page.get_by_role("region", name="Your turn")
    desk.get_by_role("button", name=field, exact=True).click()
    desk.get_by_label(words("en")["type"]).fill(text)
    desk.get_by_role("button", name=words("en")["send"]).click()
    desk.get_by_role("button", name="Continue", exact=True).click()


def test_signing_in_yourself_through_the_page_keeps_the_session_and_runs_use_it(
    browser: Browser, ui: UiServer, tmp_path: Path
) -> None:
    t = words("en")
    context, page = person(browser, ui, "en-US,en;q=0.9")
    page.get_by_role("link", name=t["add"]).click()
    page.get_by_label(t["platform"]).select_option("chatgpt")
    page.get_by_label(t["label"]).fill("me")
    page.get_by_label(t["login"]).fill("me@example.org")
    page.get_by_label("How you sign in").select_option("yourself")
    page.get_by_role("button", name=t["save"]).click()
    expect(page.get_by_role("status")).to_be_visible()
    assert 'sign_in = "yourself"' in ui.config.read_text(encoding="utf-8")

    page.get_by_role("link", name="Sign in yourself chatgpt/me").click()
    page.get_by_label(re.compile("^Practise against the built-in replica")).check()
    page.get_by_role("button", name="Start signing in").click()
    desk = page.get_by_role("region", name="Your turn")
    expect(desk).to_be_visible(timeout=LONG)
    expect(page.locator(".practice")).to_contain_text("practice-")
    made_up = re.search(r"practice-[0-9a-f]{8}", page.locator(".practice").inner_text())
    assert made_up is not None
    desk.get_by_role("button", name="Log in", exact=True).click()
    type_into(page, "Email address", "me@example.org")
    type_into(page, "Password", made_up.group(0))
    outcome = page.locator("tr[data-who='chatgpt/me'] td.outcome")
    expect(outcome).to_have_attribute("data-outcome", "signed_in", timeout=LONG)
    expect(desk).to_be_hidden()
    kept = session_file(tmp_path / "sessions", "replica", "chatgpt", "me")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600

    page.get_by_role("navigation").get_by_role("link", name=t["run"]).click()
    page.get_by_label(t["replica"]).check()
    page.get_by_role("button", name=t["start"]).click()
    outcome = page.locator("tr[data-who='chatgpt/me'] td.outcome")
    expect(outcome).to_have_attribute("data-outcome", "submitted", timeout=LONG)
    context.close()

    # what the replica received: one sign-in (the person's, through the page), one change
    events = [
        json.loads(line).get("event")
        for bundle in (tmp_path / "evidence").rglob("replica-requests.jsonl")
        for line in bundle.read_text(encoding="utf-8").splitlines()
    ]
    assert events.count("login_succeeded") == 1
    assert events.count("setting_changed") == 1
    assert (
        not (tmp_path / "keyring.json").exists()
        or json.loads((tmp_path / "keyring.json").read_text()) == {}
    )
    written = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert not any(made_up.group(0).encode() in data for data in written)


def test_sign_in_yourself_is_refused_where_the_flow_cannot_tell_a_signed_in_page(
    browser: Browser, ui: UiServer
) -> None:
    t = words("en")
    context, page = person(browser, ui, "en-US,en;q=0.9")
    page.get_by_role("link", name=t["add"]).click()
    page.get_by_label(t["platform"]).select_option("facebook")
    page.get_by_label(t["label"]).fill("me")
    page.get_by_label(t["login"]).fill("me@example.org")
    page.get_by_label("How you sign in").select_option("yourself")
    page.get_by_role("button", name=t["save"]).click()
    expect(page.get_by_role("alert")).to_contain_text("cannot tell a signed-in page")
    context.close()
    assert not ui.config.exists()


def test_a_check_from_the_page_runs_against_the_replicas_and_shows_its_report(
    browser: Browser, ui: UiServer
) -> None:
    context, page = person(browser, ui, "en-US,en;q=0.9")
    page.get_by_role("navigation").get_by_role("link", name="Check").click()
    page.get_by_label("chatgpt", exact=True).check()
    page.get_by_role("button", name="Run the check").click()
    outcome = page.locator("tr[data-who='chatgpt/replica-en'] td.outcome")
    expect(outcome).to_have_attribute("data-outcome", "checked", timeout=LONG)
    page.get_by_role("link", name="Open the full report").click()
    expect(page.locator("body")).to_contain_text("chatgpt / replica-en")
    expect(page.locator("body")).to_contain_text("check passed; nothing was sent")
    context.close()
