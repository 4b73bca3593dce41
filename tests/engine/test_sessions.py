"""Saved sessions: a rerun does not log in again; an expired one falls back to a login; the
file is private and `logout` deletes it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from fixtures.facebook import FacebookReplica
from fixtures.linkedin import LinkedInReplica
from flows.facebook import FacebookFlow
from flows.linkedin import LinkedInFlow
from optout_bot.browser.sessions import session_file
from optout_bot.outcome import Outcome
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account, seed


def seeded_facebook() -> tuple[FacebookReplica, Account]:
    replica = FacebookReplica()
    user = account()
    seed(replica, user)
    return replica, user


def test_a_rerun_reuses_the_session_instead_of_logging_in(runner: FlowRunner) -> None:
    replica, user = seeded_facebook()
    assert runner.run(FacebookFlow, replica, user, trust_ledger=False).outcome is Outcome.SUBMITTED
    path = session_file(runner.settings.output.sessions_dir, "replica", "facebook", "me")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["cookies"]
    again = runner.run(FacebookFlow, replica, user, trust_ledger=False)
    assert again.outcome is Outcome.ALREADY_DONE
    assert len(replica.login_attempts) == 1
    assert len(replica.submissions) == 1


def test_an_expired_session_falls_back_to_a_login(runner: FlowRunner) -> None:
    replica, user = seeded_facebook()
    runner.run(FacebookFlow, replica, user)
    fresh, _ = seeded_facebook()  # a new replica knows none of the old session cookies
    result = runner.run(FacebookFlow, fresh, user, force=True)
    assert result.outcome is Outcome.SUBMITTED
    assert [a["ok"] for a in fresh.login_attempts] == [True]


def test_session_cookies_never_reach_the_evidence(runner: FlowRunner) -> None:
    replica = LinkedInReplica()
    user = account()
    seed(replica, user, country=None)
    assert runner.run(LinkedInFlow, replica, user).outcome is Outcome.SUBMITTED
    path = session_file(runner.settings.output.sessions_dir, "replica", "linkedin", "me")
    cookies = [c["value"] for c in json.loads(path.read_text())["cookies"] if len(c["value"]) > 8]
    assert cookies
    written = [p for p in runner.root.rglob("*") if p.is_file()]
    assert not [(p.name, c) for p in written for c in cookies if c.encode() in p.read_bytes()]


def test_logout_deletes_the_saved_session(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    path = session_file(sessions, "live", "facebook", "me")
    path.parent.mkdir(parents=True)
    path.write_text("{}")
    other = session_file(sessions, "live", "facebook", "partner")
    other.write_text("{}")
    env = {**os.environ, "OPTOUT_BOT_OUTPUT__SESSIONS_DIR": str(sessions)}
    done = subprocess.run(
        [sys.executable, "-m", "optout_bot", "logout", "me"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert not path.exists() and other.exists()
    assert "facebook" in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "optout_bot", "logout", "me"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0 and "no saved session" in again.stdout
