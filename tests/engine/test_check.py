"""Check mode: walks every flow up to, never through, the state change; survives cosmetic
churn; catches and names every real change; reports as JUnit; baselines change only on
request."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from optout_bot.check import aria as check_module
from optout_bot.flow import Flow
from optout_bot.flow.registry import discover
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica, replica_class
from optout_bot.run.engine import RunResult
from optout_bot.run.jobs import DEMO_COUNTRY
from tests.conftest import FlowRunner, account, seed

PLATFORMS = sorted(discover())
STATE_CHANGES = {"objection_received", "objection_confirmed", "code_sent", "setting_changed"}
# Every platform in every language its labels have and every page version its replica serves:
# each has its own committed baselines, and each must match them.
EVERY_PAGE = [
    (p, loc, v)
    for p in PLATFORMS
    for loc in discover()[p].locales()
    for v in replica_class(p).VERSIONS
]


def prepared(
    platform: str, locale: str = "en", drift: str | None = None, version: str | None = None
) -> tuple[type[Flow], Replica, Any]:
    flow = discover()[platform]
    replica = replica_class(platform)(locale=locale, version=version)
    replica.set_drift(drift)
    user = account(locale=locale, country=DEMO_COUNTRY[locale])  # as `check --replica` does
    seed(replica, user, locale=locale)
    return flow, replica, user


def check(
    runner: FlowRunner, flow: type[Flow], replica: Replica, user: Any, **job: Any
) -> RunResult:
    return runner.run(flow, replica, user, check=True, trust_ledger=False, **job)


def changes(replica: Replica) -> list[str]:
    return [e["event"] for e in replica.log if e["event"] in STATE_CHANGES]


@pytest.mark.parametrize(
    ("platform", "locale", "version"), EVERY_PAGE, ids=["-".join(case) for case in EVERY_PAGE]
)
def test_check_sends_nothing_and_matches_the_committed_baselines(
    runner: FlowRunner, platform: str, locale: str, version: str
) -> None:
    flow, replica, user = prepared(platform, locale, version=version)
    result = check(runner, flow, replica, user)
    assert result.check_verdict == "ok", result.message
    assert changes(replica) == []
    changing = next(s.name for s in flow.STEPS if s.changes_state)
    statuses = {c.step: c.status for c in result.checks}
    assert statuses[changing] == "ok"  # checked in place, without acting
    assert all(
        statuses[s.name] == "skipped"
        for s in flow.STEPS
        if flow.STEPS.index(s) > [x.name for x in flow.STEPS].index(changing)
    )
    compared = 0
    for step in result.checks:
        if step.diff is not None:
            assert not step.diff.missing_baseline, f"{step.step}: baseline missing"
            assert not step.diff.changed, step.diff.text  # the baselines are current
            assert step.diff.baseline.parent.name == locale
            assert step.diff.baseline.stem in (step.step, f"{step.step}-{version}")
            compared += 1
    assert compared >= 2  # the login page and the form or setting, at least


@pytest.mark.parametrize("platform", PLATFORMS)
def test_cosmetic_churn_passes_check_and_run(runner: FlowRunner, platform: str) -> None:
    flow, replica, user = prepared(platform, drift="cosmetic")
    checked = check(runner, flow, replica, user, label="checked")
    assert checked.check_verdict == "ok", checked.message
    assert changes(replica) == []
    done = runner.run(flow, replica, user, label="run")
    assert done.outcome is Outcome.SUBMITTED, done.message
    assert len(changes(replica)) >= 1


REAL_CHANGES = [
    ("facebook", "send_renamed", "open_form", "Send button"),
    ("facebook", "email_removed", "open_form", "Email address"),
    ("facebook", "form_moved", "open_form", "HTTP 404"),
    ("instagram", "send_renamed", "open_form", "Send button"),
    ("instagram", "form_moved", "open_form", "HTTP 404"),
    ("threads", "email_removed", "open_form", "Email address"),
    ("x", "checkboxes_removed", "open_settings", "Grok settings"),
    ("x", "settings_moved", "open_settings", "HTTP 404"),
    ("linkedin", "toggle_removed", "open_settings", "Data for Generative AI Improvement"),
    ("linkedin", "settings_moved", "open_settings", "HTTP 404"),
]


@pytest.mark.parametrize(
    ("platform", "drift", "step", "named"),
    REAL_CHANGES,
    ids=[f"{p}-{d}" for p, d, _, _ in REAL_CHANGES],
)
def test_a_real_change_is_caught_named_and_never_reported_as_success(
    runner: FlowRunner, platform: str, drift: str, step: str, named: str
) -> None:
    runner.settings.browser.timeout_ms = 2000  # a missing element is waited for this long
    flow, replica, user = prepared(platform, drift=drift)
    checked = check(runner, flow, replica, user, label="checked")
    assert checked.check_verdict == "ui_changed"
    failing = [c for c in checked.checks if c.status == "ui_changed"]
    assert failing[0].step == step  # the first page where it shows
    assert named in failing[0].detail
    done = runner.run(flow, replica, user, label="run")
    assert done.outcome is Outcome.UI_CHANGED, done.message
    assert changes(replica) == []


@pytest.mark.parametrize(
    ("platform", "drift"), [("linkedin", "toggle_renamed"), ("x", "training_renamed")]
)
def test_a_renamed_switch_in_its_place_is_found_by_structure_and_the_label_differs(
    runner: FlowRunner, platform: str, drift: str
) -> None:
    """The setting's switch in its place (LinkedIn's one switch at the setting's address,
    X's first checkbox in its settings' container), whatever its name: the run turns it off
    once, noting that its name differs from the label."""
    flow, replica, user = prepared(platform, drift=drift)
    done = runner.run(flow, replica, user, label="run")
    assert done.outcome is Outcome.SUBMITTED, done.message
    assert changes(replica) == ["setting_changed"]
    assert "label differs" in runner.log_file.read_text(encoding="utf-8")


def test_an_account_already_on_record_is_reported_with_what_could_not_be_checked(
    runner: FlowRunner,
) -> None:
    flow, replica, user = prepared("facebook")
    seed(replica, user, already_objected=True)
    result = check(runner, flow, replica, user)
    assert result.check_verdict == "ok"
    skipped = [c for c in result.checks if c.status == "skipped"]
    assert [c.step for c in skipped] == ["fill", "submit", "confirm"]
    assert "already on record" in skipped[0].detail


def test_baselines_change_only_with_the_flag(
    runner: FlowRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "baselines"
    monkeypatch.setattr(check_module, "baseline_dir", lambda flow: root / flow.PLATFORM)
    flow, replica, user = prepared("facebook")
    first = check(runner, flow, replica, user)
    assert first.check_verdict == "ok" and not root.exists()
    assert all("no baseline yet" in c.detail for c in first.checks if c.status == "ok")
    check(runner, flow, replica, user, update_baselines=True)
    form = root / "facebook" / "en" / "open_form-2025.yml"
    send = flow.label_book().text("send", "en")  # "Submit" (trustedreviews.com, 2024)
    assert f'- button "{send}"' in form.read_text()
    edited = form.read_text().replace(f'  - button "{send}"\n', "") + '  - link "Old help"\n'
    form.write_text(edited)
    third = check(runner, flow, replica, user)
    step = next(c for c in third.checks if c.step == "open_form")
    assert step.status == "ok"  # the live page has everything the flow needs
    assert step.diff is not None and step.diff.harmless
    assert form.read_text() == edited  # not rewritten without the flag


def test_a_needed_label_missing_from_the_live_page_is_breaking(tmp_path: Path) -> None:
    flow = discover()["facebook"]
    baseline = tmp_path / "b.yml"
    baseline.write_text('- main:\n  - button "Send"\n  - link "Help"\n')
    diff = check_module.compare(flow, "en", baseline, '- main:\n  - link "Help centre"\n')
    assert diff.breaking == ['- - button "Send"']
    assert diff.harmless == ['- - link "Help"', '+ - link "Help centre"']


def test_cli_check_writes_junit_with_a_case_per_step(tmp_path: Path) -> None:
    junit = tmp_path / "check.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "optout_bot",
            "--ledger",
            "l.sqlite3",
            "check",
            "--replica",
            "facebook",
            "linkedin",
            "--locale",
            "en",
            "--drift",
            "cosmetic",
            "--junit",
            str(junit),
            "--json",
            "check.json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    suites = ET.parse(junit).getroot()
    cases = {(s.get("name"), c.get("name")) for s in suites for c in s}
    assert ("facebook.replica-en", "submit") in cases
    assert ("linkedin.replica-en", "turn_off") in cases
    assert len(cases) == 6 + 5
    assert (tmp_path / "optout-check-report" / "index.html").is_file()


def test_cli_check_exits_8_names_the_element_captures_the_page_and_verifies_nothing(
    tmp_path: Path,
) -> None:
    """``check --replica --capture --report``: the page where the step stopped is captured
    (redacted, with its issue text), and although the sign-in passed, a replica's pass is
    recorded nowhere: neither in the report nor in the user's own record."""
    from optout_bot.browser import secret_spellings
    from optout_bot.check import capture
    from optout_bot.check.capturing import captures_in
    from optout_bot.labels import verified

    junit = tmp_path / "check.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "optout_bot",
            "--ledger",
            "l.sqlite3",
            "check",
            "--replica",
            "facebook",
            "--locale",
            "de",
            "--drift",
            "send_renamed",
            "--junit",
            str(junit),
            "--capture",
            "--capture-dir",
            "caps",
            "--report",
            "verified.toml",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        # the button that is not there is waited for 6 s instead of the default 15
        env={**os.environ, "OPTOUT_BOT_BROWSER__TIMEOUT_MS": "6000"},
    )
    assert done.returncode == 8, done.stdout + done.stderr
    assert "open_form: objection form: Send button not found" in done.stdout
    failures = [
        c for c in ET.parse(junit).getroot().iter("testcase") if c.find("failure") is not None
    ]
    assert [c.get("name") for c in failures] == ["open_form"]
    [folder] = captures_in(tmp_path / "caps")
    page = capture.load(folder)
    assert (page.platform, page.locale, page.step, page.replica) == (
        "facebook",
        "de",
        "open_form",
        True,
    )
    assert f"Issue text: {folder.relative_to(tmp_path) / 'issue.md'}" in done.stdout
    assert "`open_form`" in (folder / "issue.md").read_text(encoding="utf-8")
    anyhow = secret_spellings.matcher(["demo.facebook@example.org", "demo.facebook"])
    assert anyhow is not None
    written = [p for p in folder.rglob("*") if p.is_file()]
    assert [p for p in written if anyhow.search(p.read_bytes().decode("utf-8", "replace"))] == []

    passed = [
        c.get("name")
        for c in ET.parse(junit).getroot().iter("testcase")
        if not {e.tag for e in c} & {"failure", "error", "skipped"}
    ]
    assert "log_in" in passed  # a step did pass, on the replica
    assert "Verified on the real site: nothing" in done.stdout
    report = verified.read(tmp_path / "verified.toml")
    assert report.problems == [] and not report
    mine = verified.user_file()
    assert mine is not None and not mine.exists()


def test_cli_check_without_accounts_could_not_run(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "optout_bot", "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 10
    assert "no test accounts configured" in done.stderr
