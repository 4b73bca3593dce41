"""Captures of a page, redacted, and a replica page rebuilt from one: a drifted sign-in page is
captured with the person's login and password typed in, nothing of either reaches a byte of the
capture, and the flow does the same on the page rebuilt from it as on the drifted original."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

from fixtures.linkedin import LinkedInReplica
from flows.linkedin import LinkedInFlow
from optout_bot.browser import secret_spellings
from optout_bot.check import capture
from optout_bot.contrib import from_capture
from optout_bot.outcome import Outcome
from optout_bot.replica import mount
from tests.conftest import FlowRunner, account

PASSWORD = "pw-Kx9!canary-CAPTURE-5531"
LOGIN = "canary.person@example.org"
DAY = datetime.date(2026, 12, 7)


def _replica(*, drift: str | None = None) -> LinkedInReplica:
    replica = LinkedInReplica(version="2025", locale="en")
    replica.seed_account(login=LOGIN, password=PASSWORD, email=LOGIN, locale="en")
    replica.set_drift(drift)
    return replica


def _capture_sign_in(browser: Browser, folder: Path) -> capture.Capture:
    """The drifted sign-in page, captured after the person typed their login and password."""
    context = browser.new_context(locale="en-US")
    try:
        mount(context, [_replica(drift="cosmetic")])
        page = context.new_page()
        page.goto("https://www.linkedin.com/login?session_redirect=%2Ffeed%2F&trk=x9f3")
        page.locator("input[autocomplete~=username]").fill(LOGIN)
        page.locator("input[type=password]").fill(PASSWORD)
        return capture.take(
            page,
            folder,
            platform="linkedin",
            locale="en",
            step="login",
            personal=[LOGIN],
            today=DAY,
        )
    finally:
        context.close()


def _every_byte(root: Path) -> list[tuple[str, bytes]]:
    return [(str(p), p.read_bytes()) for p in root.rglob("*") if p.is_file()]


def _posted(replica: LinkedInReplica) -> list[dict[str, Any]]:
    return [
        {"path": e["url"].split("?")[0].split("linkedin.com")[-1], "fields": sorted(e["form"])}
        for e in replica.events("login_succeeded")
    ]


def test_a_capture_keeps_structure_and_no_secret(browser: Browser, tmp_path: Path) -> None:
    taken = _capture_sign_in(browser, tmp_path / "capture")
    assert taken.address == "https://www.linkedin.com/login?session_redirect&trk"
    fields = {i["field"]: i for i in taken.outline if i["tag"] == "input"}
    assert fields["session_key"]["type"] == "email"
    assert fields["session_key"]["autocomplete"] == "username webauthn"
    assert fields["session_password"]["type"] == "password"
    assert {i["action"] for i in taken.outline if i["tag"] == "form"} == {
        "/checkpoint/lg/login-submit"
    }
    assert (tmp_path / "capture" / capture.SCREENSHOT_FILE).stat().st_size > 0
    assert "textbox" in (tmp_path / "capture" / capture.ARIA_FILE).read_text(encoding="utf-8")

    scanned = _every_byte(tmp_path / "capture")
    assert {Path(name).name for name, _ in scanned} == {
        capture.PAGE_FILE,
        capture.ARIA_FILE,
        capture.SCREENSHOT_FILE,
    }
    anyhow = secret_spellings.matcher([PASSWORD, LOGIN, "canary.person"])
    assert anyhow is not None
    leaks = [name for name, data in scanned if anyhow.search(data.decode("utf-8", "replace"))]
    assert leaks == []


def test_label_lines_and_issue_text_come_from_what_the_page_showed(
    browser: Browser, tmp_path: Path
) -> None:
    taken = _capture_sign_in(browser, tmp_path / "capture")
    book = LinkedInFlow.label_book()
    confirmed, unknown = capture.label_lines(capture.load(tmp_path / "capture"), book)
    sign_in = book.variants("sign_in", "en")[0].text
    assert f"text = {sign_in!r}".replace("'", '"') in confirmed
    assert 'source = "capture linkedin/en 2026-12-07"' in confirmed
    assert {"What's new", "New: a fresh look for your settings.", "Privacy Centre"} <= set(unknown)
    issue = capture.issue_text(taken, confirmed, unknown)
    assert "field='session_password'" in issue and LOGIN not in issue


def test_the_flow_does_the_same_on_the_page_rebuilt_from_a_capture(
    browser: Browser, runner: FlowRunner, tmp_path: Path
) -> None:
    taken = _capture_sign_in(browser, tmp_path / "capture")
    variant = from_capture.write(taken, tmp_path / "variant.html")
    path, page = from_capture.read(variant)
    assert path == "/login"
    assert "session_password" in page and PASSWORD not in page and LOGIN not in page

    user = account(login=LOGIN, email=LOGIN, password=PASSWORD, locale="en")
    drifted = _replica(drift="cosmetic")
    first = runner.run(LinkedInFlow, drifted, user, label="drifted")
    rebuilt = _replica()
    from_capture.serve(rebuilt, [variant])
    second = runner.run(LinkedInFlow, rebuilt, user, label="rebuilt")

    assert first.outcome is Outcome.SUBMITTED, first.message
    assert second.outcome is first.outcome, second.message
    assert (
        _posted(rebuilt)
        == _posted(drifted)
        == [
            {
                "path": "/checkpoint/lg/login-submit",
                "fields": sorted(_posted(drifted)[0]["fields"]),
            }
        ]
    )
    assert "session_password" in _posted(drifted)[0]["fields"]
    assert len(drifted.events("setting_changed")) == len(rebuilt.events("setting_changed")) == 1
    assert (
        drifted.events("setting_changed")[0]["setting"]
        == (rebuilt.events("setting_changed")[0]["setting"])
    )


def test_a_run_that_meets_a_changed_page_captures_it_and_verifies_nothing(
    runner: FlowRunner, tmp_path: Path
) -> None:
    """``run --capture``'s observer: the run stays a run (it logs in and would change the
    setting), the page where ``ui_changed`` stopped it is captured without the password or
    the account's address, and a replica's pages verify nothing however a job is built."""
    from optout_bot.check.capturing import capture_on_ui_changed, captures_in
    from optout_bot.check.verifying import Verifying
    from optout_bot.labels import verified

    runner.settings.browser.timeout_ms = 2000  # how long the missing switch is waited for
    folder = tmp_path / "captures"
    verifying = Verifying(verified.user_file())
    replica = _replica(drift="toggle_removed")
    user = account(login=LOGIN, email=LOGIN, password=PASSWORD, locale="en")
    result = runner.run(
        LinkedInFlow,
        replica,
        user,
        observe=(capture_on_ui_changed(folder), verifying.observer()),
    )
    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert result.check_verdict == "" and result.checks == []  # a run, not a check
    assert len(replica.events("login_succeeded")) == 1
    [taken] = captures_in(folder)
    page = capture.load(taken)
    assert (page.step, page.replica) == ("open_settings", True)
    assert page.address.endswith("/mypreferences/d/settings/data-for-ai-improvement")
    scanned = _every_byte(folder)
    anyhow = secret_spellings.matcher([PASSWORD, LOGIN, "canary.person"])
    assert anyhow is not None
    assert [name for name, data in scanned if anyhow.search(data.decode("utf-8", "replace"))] == []
    mine = verified.user_file()
    assert not verifying.found and mine is not None and not mine.exists()
