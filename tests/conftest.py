"""Shared test machinery: the browser (Debian's Chromium when Playwright has none of its own,
chosen by the same code the product uses), a clean environment, and a runner that executes a
flow against a replica through the real engine."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright

from optout_bot import log
from optout_bot.browser import launch_options
from optout_bot.check.watcher import CheckRecorder
from optout_bot.flow import Flow
from optout_bot.records.ledger import Ledger
from optout_bot.replica import Replica
from optout_bot.run.engine import Engine, RunResult
from optout_bot.run.job import Job, Mode
from optout_bot.run.jobs import lend_label_books
from optout_bot.run.retry import RetryPolicy
from optout_bot.settings import Account, BrowserSettings, Settings

lend_label_books()  # as the planner does: tests build replicas without one

FAST_RETRY = RetryPolicy(attempts=5, total_seconds=60, initial_seconds=0.05, max_seconds=0.2)
BROWSER_FIXTURES = {"browser", "context", "page", "runner", "playwright"}
PROCESS_HELPERS = (
    "subprocess",
    "optout",
    "start_run",
    "finish_run",
    "in_copy",
    "run_jobs",
    "soak_run",
)
"""What a test module holds when its tests start processes or browsers of their own (a test
that launches one otherwise is marked ``browser`` where it is written)."""


SLOW_MODULES = {
    "tests/engine/test_soak.py": "thirty percent of every request faulted on every platform, "
    "and the demo with faults: the same retries tests/engine/test_faults.py proves per fault",
}
"""Modules run only in the slow set (``-m slow``, CI's second step), with why."""


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers per core. A third of the suite's time is waiting, not
    computing (a missing element waited for until the timeout, a person who does not answer,
    a process or a browser starting, a killed run reaped); the second worker keeps the core
    busy meanwhile. Measured on two cores, the default set: 7 min 26 s with two workers,
    6 min 27 s with three, 5 min 54 s to 6 min 44 s with four (three runs; long tests first,
    :func:`finishing_order`). With four the two cores are busy through the run (``vmstat``)
    and six gain nothing (4 min 47 s against 5 min 04 s on a faster machine)."""
    return 2 * (os.cpu_count() or 1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``browser`` every test that starts a browser (a fixture) or may start one (its
    module starts processes), so ``-m "not browser and not slow"`` is the inner loop; mark
    ``slow`` what the slow set holds: :data:`SLOW_MODULES`, and a row repeated in another
    language, page version or seed, or on another platform of the same kind
    (:func:`matrix_repeat`)."""
    seen: set[str] = set()
    for item in items:
        module = getattr(item, "module", None)
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())) or any(
            hasattr(module, name) for name in PROCESS_HELPERS
        ):
            item.add_marker(pytest.mark.browser)
        where = item.nodeid.split("::")[0]
        if where in SLOW_MODULES or matrix_repeat(item, seen):
            item.add_marker(pytest.mark.slow)
    items.sort(key=finishing_order)


def finishing_order(item: pytest.Item) -> int:
    """Where ``item`` goes in the run: the long ones first (processes, demos, people who do
    not answer, the local page), then the many short flow rows, then the tests that start no
    browser, so the workers run out of work together instead of one finishing a twenty-second
    test alone at the end."""
    if item.get_closest_marker("browser") is None:
        return 2
    return 1 if item.nodeid.startswith("tests/flows/") else 0


MATRIX = ("locale", "version", "seed")
"""The parameters along which a test repeats one scenario: its language, its page version,
the seed that places its faults."""


@functools.cache
def platform_kind(platform: str) -> str:
    """What a flow does (``form``: an objection form; ``setting``: a switch): the axis along
    which a browser test of an engine property over every platform repeats itself. The
    engine's part (retries, evidence, ledger, documents, what is kept of a secret) is the same
    code on each platform of a kind; each platform's own steps are proven by its table in
    ``tests/flows/`` in the default set, and the slow set runs the property on every one."""
    from optout_bot.flow import registry

    flows = registry.discover()
    return flows[platform].KIND if platform in flows else platform


def matrix_repeat(item: pytest.Item, seen: set[str]) -> bool:
    """Whether ``item`` repeats a row already collected along :data:`MATRIX`: the same test
    with the same other parameters (platform, scenario, fault kind...) in another language,
    page version or seed; or, for a browser test over every platform, the same row on another
    platform of the same kind (:func:`platform_kind`). The first row of each runs in the
    default set; the repeats (the label files' cross-check of the same steps, older page
    layouts, faults met elsewhere on the way, receipts and letters in the other languages, an
    engine property on the other platforms of a kind) in the slow set, which CI runs."""
    from tests.flows.cases import FlowCase

    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return False
    params = dict(callspec.params)
    along = [params.pop(name) for name in MATRIX if name in params]
    if "platform" in params and item.get_closest_marker("browser") is not None:
        along.append(params["platform"])
        params["platform"] = platform_kind(params["platform"])
    case = params.get("case")
    if isinstance(case, FlowCase):
        along += [case.locale, case.version]
        params["case"] = repr(dataclasses.replace(case, locale="*", version="*"))
    if not along:
        return False
    row = f"{item.path}::{getattr(item, 'originalname', item.name)}::{sorted(params.items())!r}"
    if row in seen:
        return True
    seen.add(row)
    return False


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A developer's own configuration must never leak into a test."""
    import os

    for name in list(os.environ):
        if name.upper().startswith("OPTOUT_BOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))  # the user's labels
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session", autouse=True)
def no_waiting_for_the_disk() -> Iterator[None]:
    """``os.fsync`` returns at once in the test process. What it guards, files surviving a
    power cut, no test can cause or observe; what every test observes (whole files under
    their final names, written before the rename) stays. On a shared disk the evidence's
    twenty-odd fsyncs cost a run about half a second of waiting."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fsync", lambda descriptor: None)
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Playwright
) -> dict[str, Any]:
    """pytest-playwright's launch options, with the product's choice of browser."""
    ours = launch_options(BrowserSettings(), playwright)
    return {
        **browser_type_launch_args,
        "executable_path": ours["executable_path"],
        "args": ours["args"],
    }


class FlowRunner:
    """Runs flows through the real engine against replicas, with everything written under one
    temporary folder so tests can inspect (and scan) every byte."""

    def __init__(self, browser: Browser, root: Path) -> None:
        self.browser = browser
        self.root = root
        self.log_file = root / "log.jsonl"
        self.settings = Settings.model_validate(
            {
                "output": {
                    "evidence_dir": root / "evidence",
                    "ledger": root / "ledger.sqlite3",
                    "keep_trace": False,
                },
                "browser": {"timeout_ms": 10_000},
                "log": {"file": self.log_file, "level": "debug"},
            }
        )
        log.configure(level="debug", file=self.log_file)
        self.ledger = Ledger(self.settings.output.ledger)

    def keeping_traces(self, keep: bool = True) -> FlowRunner:
        """Record a Playwright trace of every run, as ``-v`` does (off by default: a trace
        costs each run a tenth of its CPU, and only the trace tests read one)."""
        self.settings.output = self.settings.output.model_copy(update={"keep_trace": keep})
        return self

    def run(
        self,
        flow: type[Flow],
        replica: Replica | list[Replica],
        account: Account,
        *,
        label: str = "me",
        **job: Any,
    ) -> RunResult:
        log.redactor.add(
            s.get_secret_value() for s in (account.password, account.totp_seed) if s is not None
        )
        served = replica if isinstance(replica, list) else [replica]
        engine = Engine(self.settings, self.ledger, self.browser, retry=FAST_RETRY)
        if job.pop("check", False):  # a check against the replica, its mode kept as "replica"
            job["watch"] = CheckRecorder
        return engine.run(
            Job(flow=flow, label=label, account=account, mode=Mode.REPLICA, replicas=served, **job)
        )

    def written_files(self) -> list[Path]:
        return [p for p in self.root.rglob("*") if p.is_file()]


@pytest.fixture
def runner(browser: Browser, tmp_path: Path) -> Iterator[FlowRunner]:
    flow_runner = FlowRunner(browser, tmp_path / "out")
    yield flow_runner
    flow_runner.ledger.close()


def seed(replica: Replica, user: Account, **attributes: Any) -> None:
    """Create ``user``'s account on ``replica`` (login, password, email, country as configured),
    with any replica-specific ``attributes`` (two_factor, already_objected, locale...)."""
    assert user.password is not None, "a seeded account needs a password"
    replica.seed_account(
        **{
            "login": user.login,
            "password": user.password.get_secret_value(),
            "email": user.email or user.login,
            "country": user.country,
            **attributes,
        }
    )


def account(**values: Any) -> Account:
    """An account with test defaults; the password is distinctive so leaks are findable."""
    defaults: dict[str, Any] = {
        "login": "mina@example.org",
        "password": "pw-Zq7!canary-4411",
        "email": "mina@example.org",
        "locale": "en",
        "country": "Germany",
    }
    return Account.model_validate({**defaults, **values})
