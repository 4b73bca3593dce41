"""Many accounts at once: one browser, one context per job, results in the jobs' order, and a
job that crashes its page never changes another job's outcome or evidence."""

from __future__ import annotations

import contextlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from fixtures.facebook import FacebookReplica
from fixtures.instagram import InstagramReplica
from flows.facebook import FacebookFlow
from flows.instagram import InstagramFlow
from flows.threads import ThreadsFlow
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import verify_bundle
from optout_bot.records.ledger import Ledger
from optout_bot.replica import Replica
from optout_bot.run.engine import RunResult
from optout_bot.run.job import Job, Mode
from optout_bot.run.jobs import plan_demo, run_jobs
from optout_bot.run.parallel import lanes_of
from optout_bot.settings import Account, Settings
from tests.conftest import FAST_RETRY, account, seed


class CrashingFacebookFlow(FacebookFlow):
    """Facebook, but the renderer of its page dies when the form is opened."""

    def open_form(self) -> None:
        with contextlib.suppress(PlaywrightError):
            self.page.goto("chrome://crash")
        super().open_form()


def run_outside_the_test_loop(
    settings: Settings, jobs: list[Job], **options: Any
) -> list[RunResult]:
    """``run_jobs`` on a thread of its own, as the command runs it: this test session's
    Playwright keeps an event loop on the main thread, where the sync API refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run_jobs, settings, jobs, **options).result()


def settings_in(root: Path) -> Settings:
    return Settings.model_validate(
        {
            "output": {
                "evidence_dir": root / "evidence",
                "ledger": root / "ledger.sqlite3",
                "save_sessions": False,
            },
            "browser": {"timeout_ms": 5000},
        }
    )


def person(name: str) -> Account:
    return account(
        login=f"{name}@example.org", email=f"{name}@example.org", password=f"pw-{name}-canary-2718"
    )


def seeded(replica: Replica, user: Account) -> Replica:
    assert user.password is not None
    seed(replica, user)
    return replica


def facebook_job(replica: Replica, name: str, flow: type[FacebookFlow] = FacebookFlow) -> Job:
    user = person(name)
    return Job(
        flow=flow, label=name, account=user, mode=Mode.REPLICA, replicas=[seeded(replica, user)]
    )


def test_accounts_run_at_once_each_submits_once_and_results_keep_the_jobs_order(
    tmp_path: Path,
) -> None:
    replica = FacebookReplica(version="2025")
    names = ["ana", "ben", "cem", "dia"]
    jobs = [facebook_job(replica, name) for name in names]
    results = run_outside_the_test_loop(settings_in(tmp_path), jobs, retry=FAST_RETRY, workers=2)
    assert [r.account for r in results] == names
    assert [r.outcome for r in results] == [Outcome.SUBMITTED] * 4, [r.message for r in results]
    assert sorted(s["email"] for s in replica.submissions) == [f"{n}@example.org" for n in names]
    for result in results:
        assert result.evidence_dir is not None and result.evidence_dir.parent.name == result.account
        assert verify_bundle(result.evidence_dir, None) == []
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    try:
        runs = ledger.runs("facebook")
        assert sorted(r.account for r in runs) == names
        assert {r.outcome for r in runs} == {"submitted"}
        assert sorted(s["account"] for s in ledger.submissions("facebook")) == names
    finally:
        ledger.close()


def test_a_crashed_page_fails_its_own_job_and_no_other(tmp_path: Path) -> None:
    replica = FacebookReplica(version="2025")
    jobs = [
        facebook_job(replica, "ana"),
        facebook_job(replica, "ben", CrashingFacebookFlow),
        facebook_job(replica, "cem"),
        facebook_job(replica, "dia"),
    ]
    results = run_outside_the_test_loop(settings_in(tmp_path), jobs, retry=FAST_RETRY, workers=2)
    outcomes = {r.account: r.outcome for r in results}
    assert outcomes == {
        "ana": Outcome.SUBMITTED,
        "ben": Outcome.FAILED,
        "cem": Outcome.SUBMITTED,
        "dia": Outcome.SUBMITTED,
    }
    assert sorted(s["email"] for s in replica.submissions) == [
        "ana@example.org",
        "cem@example.org",
        "dia@example.org",
    ]
    crashed = results[1]
    assert crashed.step == "open_form"
    for result in results:  # every bundle, the crashed one too, is whole and consistent
        assert result.evidence_dir is not None
        assert verify_bundle(result.evidence_dir, None) == []
    for result in (results[0], results[2], results[3]):
        assert result.evidence_dir is not None
        manifest = json.loads((result.evidence_dir / "manifest.json").read_text())
        shots = {s["name"]: s["screenshot"] for s in manifest["steps"]}
        assert list(shots) == ["log_in", "open_form", "read_state", "fill", "submit", "confirm"]
        assert all(shots.values())  # each step's own picture, or the unchanged earlier one
        assert sorted(p.name for p in result.evidence_dir.glob("*.png")) == sorted(
            set(shots.values())
        )


def test_the_same_login_on_one_site_runs_in_one_lane_in_order(tmp_path: Path) -> None:
    """Threads objects through the Instagram form: run at once, the same person could send
    the same objection twice. In one lane, the second flow finds it on record."""
    replica = InstagramReplica(version="2025")
    user = person("eli")
    seeded(replica, user)
    other = facebook_job(FacebookReplica(version="2025"), "fay")
    jobs = [
        Job(flow=InstagramFlow, label="eli", account=user, mode=Mode.REPLICA, replicas=[replica]),
        other,
        Job(flow=ThreadsFlow, label="eli", account=user, mode=Mode.REPLICA, replicas=[replica]),
    ]
    assert lanes_of(jobs) == [[0, 2], [1]]
    results = run_outside_the_test_loop(settings_in(tmp_path), jobs, retry=FAST_RETRY, workers=3)
    assert [(r.platform, r.outcome) for r in results] == [
        ("instagram", Outcome.SUBMITTED),
        ("facebook", Outcome.SUBMITTED),
        ("threads", Outcome.ALREADY_DONE),
    ], [r.message for r in results]
    assert len(replica.submissions) == 1


def test_different_logins_on_one_site_get_their_own_lanes() -> None:
    plan = plan_demo(["instagram", "threads", "x"])
    assert lanes_of(plan.jobs) == [[0], [1], [2]]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_demo_runs_the_same_with_one_or_two_jobs_at_once(tmp_path: Path, workers: int) -> None:
    plan = plan_demo(["facebook", "x"])
    results = run_outside_the_test_loop(
        settings_in(tmp_path), plan.jobs, retry=FAST_RETRY, workers=workers
    )
    assert [(r.platform, r.outcome) for r in results] == [
        ("facebook", Outcome.SUBMITTED),
        ("x", Outcome.SUBMITTED),
    ]
    facebook = next(r for r in plan.replicas.values() if r.PLATFORM == "facebook")
    assert len(facebook.events("objection_received")) == 1


@pytest.mark.parametrize(("latency", "workers"), [("none", 2), ("real", 8)])
def test_the_default_number_of_jobs_follows_whether_pages_wait_on_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, latency: str, workers: int
) -> None:
    """On 4 cores: instant replicas keep the flows CPU-bound (one per two cores); pages that
    take a network's time are run two per core (what bench/run.py measured fastest)."""
    import os

    from optout_bot.replica.latency import apply_latency
    from optout_bot.run import parallel
    from optout_bot.settings import Settings

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    chosen: list[int] = []

    def remember(settings: Any, jobs: Any, *, workers: int, **_: Any) -> list[RunResult]:
        chosen.append(workers)
        return []

    monkeypatch.setattr(parallel, "run_parallel", remember)
    plan = plan_demo(["facebook", "x"])
    apply_latency(plan.replicas.values(), latency, 0)
    settings = Settings.model_validate(
        {"output": {"evidence_dir": tmp_path / "ev", "ledger": tmp_path / "l.sqlite3"}}
    )
    run_jobs(settings, plan.jobs)
    assert chosen == [workers]
