"""A step that leaves the page as it was gets no second, identical screenshot: the manifest
names the earlier file that shows it."""

from __future__ import annotations

import json

from playwright.sync_api import Page

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import verify_bundle
from optout_bot.run.recorder import page_fingerprint
from tests.conftest import FlowRunner, account, seed


def test_an_unchanged_page_is_not_shot_twice_and_the_manifest_names_the_earlier_file(
    runner: FlowRunner,
) -> None:
    replica = FacebookReplica(version="2025")
    user = account()
    seed(replica, user)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert result.evidence_dir is not None
    manifest = json.loads((result.evidence_dir / "manifest.json").read_text())
    shots = {step["name"]: step["screenshot"] for step in manifest["steps"]}
    # Reading the form's state changes nothing on it; confirming only reads the answer.
    assert shots["read_state"] == shots["open_form"] == "02-open_form.png"
    assert shots["confirm"] == shots["submit"] == "05-submit.png"
    # Typing into the form changes what it shows: a picture of its own.
    assert shots["fill"] == "04-fill.png"
    pictures = sorted(p.name for p in result.evidence_dir.glob("*.png"))
    assert pictures == sorted(set(shots.values()))
    assert set(pictures) <= set(manifest["files"])
    assert verify_bundle(result.evidence_dir) == []


def test_the_fingerprint_follows_what_a_screenshot_would_show(page: Page) -> None:
    page.set_content(
        "<form><input name=q><input type=checkbox id=c><select id=s>"
        "<option>a<option>b</select></form><p>text</p>"
    )
    first = page_fingerprint(page)
    assert first is not None and page_fingerprint(page) == first
    page.screenshot(mask=[page.locator("input[name=q]")])  # masking leaves style=""
    assert page_fingerprint(page) == first
    seen = {first}
    for change in (
        lambda: page.fill("input[name=q]", "typed"),
        lambda: page.check("#c"),
        lambda: page.select_option("#s", "b"),
        lambda: page.evaluate("document.querySelector('p').textContent = 'new'"),
        lambda: page.evaluate("document.body.style.height = '5000px'"),
    ):
        change()
        now = page_fingerprint(page)
        assert now is not None and now not in seen
        seen.add(now)
    page.close()
    assert page_fingerprint(page) is None  # unreadable: a screenshot is attempted instead
