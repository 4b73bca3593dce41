"""``optout-bot capture`` and ``optout-bot replica from-capture`` end to end: a check of a
replica whose switch is gone captures the page where the flow stopped, prints the label lines
it confirms and an issue text, and the page rebuilt from it stops the flow the same way."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.linkedin import LinkedInReplica
from flows.linkedin import LinkedInFlow
from optout_bot.contrib import from_capture
from optout_bot.outcome import EXIT_CODES, Outcome
from tests.conftest import FlowRunner, account
from tests.support.cli import optout_here


def test_capture_then_replica_from_capture(runner: FlowRunner, tmp_path: Path) -> None:
    done = optout_here(
        *("capture", "linkedin", "--replica", "--drift", "toggle_removed"),
        *("--page-version", "2025", "--only-ui-changed", "--out", "caps"),
        cwd=tmp_path,
        env={"OPTOUT_BOT_BROWSER__TIMEOUT_MS": "3000"},  # how long the missing switch is waited
    )
    assert done.returncode == EXIT_CODES[Outcome.UI_CHANGED], done.stderr
    [page_json] = sorted((tmp_path / "caps").rglob("page.json"))
    folder = page_json.parent
    captured = json.loads(page_json.read_text(encoding="utf-8"))
    assert captured["step"] == "open_settings"
    assert captured["address"].endswith("/mypreferences/d/settings/data-for-ai-improvement")
    assert not [i for i in captured["outline"] if i.get("role") == "switch"]
    assert '[[settings_title]]\ntext = "Data for Generative AI Improvement"' in done.stdout
    # a replica shows only what we wrote: its lines confirm nothing
    assert "unconfirmed = true" in done.stdout and 'source = "capture' not in done.stdout
    assert captured["replica"] is True
    issue = (folder / "issue.md").read_text(encoding="utf-8")
    assert "data-for-ai-improvement" in issue and "[settings_title]" in issue

    made = optout_here("replica", "from-capture", str(folder), "--to", "page.html", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "/mypreferences/d/settings/data-for-ai-improvement" in made.stdout

    runner.settings.browser.timeout_ms = 2000
    user = account(locale="en")
    assert user.password is not None
    outcomes = []
    for rebuilt in (False, True):
        replica = LinkedInReplica(version="2025", locale="en")
        replica.seed_account(
            login=user.login, password=user.password.get_secret_value(), email=user.login
        )
        if rebuilt:
            from_capture.serve(replica, [tmp_path / "page.html"])
        else:
            replica.set_drift("toggle_removed")
        result = runner.run(LinkedInFlow, replica, user, label=f"rebuilt-{rebuilt}")
        outcomes.append((result.outcome, result.message.split(" — ")[0]))
        assert replica.events("setting_changed") == []
        assert len(replica.events("login_succeeded")) == 1
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] is Outcome.UI_CHANGED
