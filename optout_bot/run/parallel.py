"""Running many jobs at once: one browser per worker thread, one context per job.

Playwright's sync API cannot share one ``Browser`` across threads. Sharing one Chromium through
a DevTools port would expose the logged-in browser to every local user (the port has no
authentication), so each worker thread starts its own Playwright and launches its own Chromium
over a pipe, exactly as a serial run does (or connects to the remote one, ``browser.endpoint``),
opens its own ledger connection, and runs one job at a time in a fresh context. A job that fails
or crashes its page ends in its own outcome; the other jobs, their contexts and their evidence
are untouched.

Jobs that could step on each other — the same login on the same site (Threads objects
through the Instagram form) — run one after the other in one lane, in the order given.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Sequence
from types import TracebackType
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Playwright, sync_playwright

from optout_bot.browser import connect, launch
from optout_bot.log import get_logger
from optout_bot.outcome import Outcome
from optout_bot.records.ledger import Ledger
from optout_bot.run.engine import Engine, ProgressHook, RunResult
from optout_bot.run.job import Job
from optout_bot.run.retry import RetryPolicy
from optout_bot.settings import Settings

log = get_logger()


def default_workers(waits_on_network: bool = True) -> int:
    """Flows at once when ``--jobs`` is not given. A flow against real sites waits mostly on
    the network: measured on 2 cores (bench/run.py, 16 accounts x 5 platforms with replicas
    answering at real pages' speed), 2 at once were 1.74x and 4 at once 2.05x faster than
    one by one, so two per core (at most 8: each costs about 300 MiB). Against replicas that
    answer at once the flows are CPU-bound and one per two cores is fastest (5 flows: 8.5 s
    one by one, 9.9 s two at once)."""
    cores = os.cpu_count() or 1
    return min(8, 2 * cores) if waits_on_network else max(1, cores // 2)


def run_parallel(
    settings: Settings,
    jobs: Sequence[Job],
    *,
    workers: int,
    progress: ProgressHook | None = None,
    retry: RetryPolicy | None = None,
) -> list[RunResult]:
    """Run ``jobs`` with at most ``workers`` at once; results come back in the jobs' order."""
    lanes = lanes_of(jobs)
    results: list[RunResult | None] = [None] * len(jobs)
    pending = list(reversed(lanes))
    lock = threading.Lock()
    stop = threading.Event()

    def work() -> None:
        with _Worker(settings, progress, retry) as worker:
            while not stop.is_set():
                with lock:
                    if not pending:
                        return
                    lane = pending.pop()
                for index in lane:
                    results[index] = worker.run(jobs[index])

    threads = [
        threading.Thread(target=work, name=f"optout-bot-job-{n}", daemon=True)
        for n in range(min(workers, len(lanes)))
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)
    except KeyboardInterrupt:
        # No new job starts; the running ones end with the process: each worker's Playwright
        # driver sees its pipe close and ends its browser.
        stop.set()
        raise
    return [
        result if result is not None else _not_run(job)
        for job, result in zip(jobs, results, strict=True)
    ]


def lanes_of(jobs: Sequence[Job]) -> list[list[int]]:
    """Indices of ``jobs`` grouped so that jobs sharing a site and a login share a lane."""
    owner: dict[tuple[str, str], int] = {}
    lane_of: list[int] = list(range(len(jobs)))

    def root(index: int) -> int:
        while lane_of[index] != index:
            index = lane_of[index]
        return index

    for index, job in enumerate(jobs):
        for key in _conflict_keys(job):
            if key in owner:
                lane_of[root(index)] = root(owner[key])
            else:
                owner[key] = index
    lanes: dict[int, list[int]] = {}
    for index in range(len(jobs)):
        lanes.setdefault(root(index), []).append(index)
    return sorted(lanes.values(), key=lambda lane: lane[0])


def _conflict_keys(job: Job) -> set[tuple[str, str]]:
    login = job.account.login.casefold()
    if job.replicas:
        return {(f"replica {id(replica)}", login) for replica in job.replicas}
    return {
        (f"{parts.scheme}://{parts.netloc}", login)
        for parts in map(urlsplit, job.flow.URLS.values())
        if parts.netloc
    }


def _not_run(job: Job) -> RunResult:
    return RunResult(
        job.flow.PLATFORM, job.label, Outcome.FAILED, "not run: the run was interrupted", None
    )


class _Worker:
    """One thread's Playwright, browser and ledger connection."""

    def __init__(
        self, settings: Settings, progress: ProgressHook | None, retry: RetryPolicy | None
    ) -> None:
        self.settings = settings
        self.progress = progress
        self.retry = retry
        self.playwright: Playwright | None = None
        self.browser: Browser | None = None
        self.ledger: Ledger | None = None

    def __enter__(self) -> _Worker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.ledger is not None:
            self.ledger.close()
        if self.browser is not None and not self.settings.browser.endpoint:
            with contextlib.suppress(Exception):  # ours: end it (a remote one is left running)
                self.browser.close()
        if self.playwright is not None:
            with contextlib.suppress(Exception):
                self.playwright.stop()

    def run(self, job: Job) -> RunResult:
        """Run one job; whatever goes wrong outside the engine fails this job alone."""
        try:
            engine = Engine(
                self.settings,
                self._ledger(),
                self._browser(),
                progress=self.progress,
                retry=self.retry,
            )
            return engine.run(job)
        except Exception as error:
            log.exception(
                "job failed outside the engine", platform=job.flow.PLATFORM, account=job.label
            )
            first = (str(error).strip() or type(error).__name__).splitlines()[0]
            return RunResult(
                job.flow.PLATFORM,
                job.label,
                Outcome.FAILED,
                f"the browser connection failed: {first}",
                None,
            )

    def _ledger(self) -> Ledger:
        if self.ledger is None:
            self.ledger = Ledger(self.settings.output.ledger)
        return self.ledger

    def _browser(self) -> Browser:
        """This thread's browser: launched over a pipe (no port anyone could attach to), or
        connected to ``browser.endpoint``; started again if it went away."""
        if self.browser is not None and self.browser.is_connected():
            return self.browser
        if self.browser is not None:
            with contextlib.suppress(Exception):
                self.browser.close()
        if self.playwright is None:
            self.playwright = sync_playwright().start()
        endpoint = self.settings.browser.endpoint
        self.browser = (
            connect(self.playwright, endpoint, self.settings.browser)
            if endpoint
            else launch(self.playwright, self.settings.browser)
        )
        return self.browser
