"""SIGKILL at any step loses nothing: the ledger and the evidence so far stay readable, the run
shows as interrupted, and the next run finishes without sending twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot.outcome import Outcome
from tests.conftest import FlowRunner, account, seed
from tests.engine.test_cli import evidence_folders
from tests.support.cli import optout_here

CONFIG = (
    "[accounts.facebook.mina]\nlogin = 'mina@example.org'\ncountry = 'Germany'\n"
    "[log]\nfile = 'log.jsonl'\n"
)
ENV = {"OPTOUT_BOT_ACCOUNTS__FACEBOOK__MINA__PASSWORD": "pw-crash-canary-7731"}


def _kill_at(tmp_path: Path, step: str) -> None:
    """Start `run --replica` and SIGKILL it as soon as the log says ``step`` started."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_BOT_")}
    environment.update(ENV)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "optout_bot",
            "--log-json",
            "--out",
            "ev",
            "--ledger",
            "l.sqlite3",
            "run",
            "--replica",
        ],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    log = tmp_path / "log.jsonl"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
            if any(
                json.loads(line).get("event") == "step started"
                and json.loads(line).get("step") == step
                for line in lines
            ):
                os.killpg(process.pid, signal.SIGKILL)
                break
            time.sleep(0.02)  # polling the log of another process (tests only)
        assert process.wait(timeout=30) == -signal.SIGKILL, f"never reached {step}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def _submissions(tmp_path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(tmp_path / "l.sqlite3") as db:
        return list(db.execute("SELECT run_id, status FROM submissions ORDER BY id"))


@pytest.mark.parametrize(
    ("step", "ledger_after_kill"),
    [("log_in", []), ("fill", []), ("submit", [(1, "sending")]), ("confirm", [(1, "sent")])],
)
def test_a_run_killed_at_a_step_loses_nothing_and_the_next_sends_once(
    tmp_path: Path, step: str, ledger_after_kill: list[tuple[int, str]]
) -> None:
    (tmp_path / "optout-bot.toml").write_text(CONFIG, encoding="utf-8")
    _kill_at(tmp_path, step)

    assert _submissions(tmp_path) == ledger_after_kill
    history = optout_here("--ledger", "l.sqlite3", "history", cwd=tmp_path, env=ENV)
    assert "interrupted" in history.stdout, history.stdout
    [partial] = evidence_folders(tmp_path / "ev")
    manifest = json.loads((partial / "manifest.json").read_text(encoding="utf-8"))
    assert "outcome" not in manifest and manifest["steps"][-1]["name"] == step
    verified = optout_here(
        "--ledger", "l.sqlite3", "evidence", "verify", str(partial), cwd=tmp_path, env=ENV
    )
    assert verified.returncode == 0, verified.stderr
    assert "interrupted" in verified.stdout

    rerun = optout_here(
        "--out", "ev", "--ledger", "l.sqlite3", "run", "--replica", cwd=tmp_path, env=ENV
    )
    done = [f for f in evidence_folders(tmp_path / "ev") if f != partial]
    [bundle] = done
    received = [
        json.loads(line)["event"]
        for line in (bundle / "replica-requests.jsonl").read_text().splitlines()
    ]
    if step == "confirm":  # the platform answered "sent" before the kill: trust it
        assert rerun.returncode == Outcome.ALREADY_DONE.exit_code, rerun.stderr
        assert "objection_received" not in received
        assert _submissions(tmp_path) == [(1, "sent")]
    else:  # the fresh replica does not have it; exactly one submission this time
        assert rerun.returncode == Outcome.SUBMITTED.exit_code, rerun.stderr
        assert received.count("objection_received") == 1
        statuses = [s for _, s in _submissions(tmp_path)]
        assert statuses == (["not_sent", "confirmed"] if step == "submit" else ["confirmed"])
    history = optout_here("--ledger", "l.sqlite3", "history", cwd=tmp_path, env=ENV)
    assert "interrupted" in history.stdout


@pytest.mark.parametrize("platform_has_it", [True, False])
def test_a_send_cut_off_by_a_crash_is_settled_by_asking_the_platform(
    runner: FlowRunner, platform_has_it: bool
) -> None:
    """A ``sending`` row of a dead run: the next run asks the platform before sending."""
    dead = runner.ledger.start_run("facebook", "me", "replica", None)
    runner.ledger._db.execute("UPDATE runs SET pid=? WHERE id=?", (2**22 + 1, dead))
    cut_off = runner.ledger.begin_submission(dead, "facebook", "me", "replica", None, None, {})
    replica = FacebookReplica()
    user = account()
    seed(replica, user, already_objected=platform_has_it)
    result = runner.run(FacebookFlow, replica, user)
    rows = {r["id"]: r for r in runner.ledger.submissions("facebook")}
    if platform_has_it:
        assert result.outcome is Outcome.ALREADY_DONE, result.message
        assert replica.events("objection_received") == []
        assert rows[cut_off]["status"] == "confirmed"
        assert "checked by run" in rows[cut_off]["confirmation"]
    else:
        assert result.outcome is Outcome.SUBMITTED, result.message
        assert len(replica.events("objection_received")) == 1
        assert rows[cut_off]["status"] == "not_sent"
    log = runner.log_file.read_text(encoding="utf-8")
    assert "an earlier run was cut off while sending" in log
