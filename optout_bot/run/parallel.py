"""Running many jobs at once: one Chromium, one context per job, a bounded number of flows.

Playwright's sync API cannot share one ``Browser`` across threads, so the Chromium process is
started once with a DevTools port (or is a remote one, ``browser.endpoint``) and each worker
thread opens its own Playwright connection to it, its own ledger connection, and runs one job
at a time in a fresh context. A job that fails or crashes its page ends in its own outcome;
the other jobs, their contexts and their evidence are untouched.

Jobs that could step on each other — the same login on the same site (Threads objects
through the Instagram form) — run one after the other in one lane, in the order given.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TypeVar
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Playwright, sync_playwright

from optout_bot.browser import _connect, launch_args, resolve_executable
from optout_bot.errors import ConfigError
from optout_bot.log import get_logger
from optout_bot.outcome import Outcome
from optout_bot.records.ledger import Ledger
from optout_bot.run.engine import Engine, Job, ProgressHook, RetryPolicy, RunResult
from optout_bot.settings import BrowserSettings, Settings

DEVTOOLS_LINE = re.compile(r"DevTools listening on (ws://\S+)")
# What Playwright's own launch adds, minus what needs its pipe: keeps background contexts from
# being throttled, which matters when many run at once in one browser.
HEADLESS_ARGS = ("--headless", "--hide-scrollbars", "--mute-audio")
QUIET_ARGS = (
    "--no-first-run", "--no-default-browser-check", "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows", "--disable-renderer-backgrounding",
    "--disable-ipc-flooding-protection", "--disable-hang-monitor", "--disable-breakpad",
    "--disable-extensions", "--disable-default-apps", "--disable-sync",
    "--disable-field-trial-config", "--disable-dev-shm-usage", "--metrics-recording-only",
    "--password-store=basic", "--use-mock-keychain", "--force-color-profile=srgb",
)
START_TIMEOUT_SECONDS = 30.0
T = TypeVar("T")

log = get_logger()


def default_workers() -> int:
    """One flow per two cores. Measured on 2 cores against the replicas, one flow keeps
    about two processes busy (the browser's renderer and Playwright's driver, plus Python's
    route handlers and screenshots): 5 flows took 8.5 s one by one and 9.9 s two at once.
    ``--jobs N`` overrides it, e.g. for live sites, where flows mostly wait on the network."""
    return max(1, (os.cpu_count() or 1) // 2)


def run_parallel(settings: Settings, jobs: Sequence[Job], *, workers: int,
                 progress: ProgressHook | None = None,
                 retry: RetryPolicy | None = None) -> list[RunResult]:
    """Run ``jobs`` with at most ``workers`` at once; results come back in the jobs' order."""
    lanes = lanes_of(jobs)
    results: list[RunResult | None] = [None] * len(jobs)
    pending = list(reversed(lanes))
    lock = threading.Lock()
    stop = threading.Event()

    with shared_browser(settings.browser) as endpoint:
        def work() -> None:
            with _Worker(settings, endpoint, progress, retry) as worker:
                while not stop.is_set():
                    with lock:
                        if not pending:
                            return
                        lane = pending.pop()
                    for index in lane:
                        results[index] = worker.run(jobs[index])

        threads = [threading.Thread(target=work, name=f"optout-bot-job-{n}", daemon=True)
                   for n in range(min(workers, len(lanes)))]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.5)
        except KeyboardInterrupt:
            stop.set()  # leaving the block ends the browser, so running flows end quickly
            raise
    return [result if result is not None else _not_run(job) for job, result in
            zip(jobs, results, strict=True)]


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
    return {(f"{parts.scheme}://{parts.netloc}", login)
            for parts in map(urlsplit, job.flow.URLS.values()) if parts.netloc}


def _not_run(job: Job) -> RunResult:
    return RunResult(job.flow.PLATFORM, job.label, Outcome.FAILED,
                     "not run: the run was interrupted", None)


class _Worker:
    """One thread's Playwright, browser connection and ledger connection."""

    def __init__(self, settings: Settings, endpoint: str, progress: ProgressHook | None,
                 retry: RetryPolicy | None) -> None:
        self.settings = settings
        self.endpoint = endpoint
        self.progress = progress
        self.retry = retry
        self.playwright: Playwright | None = None
        self.browser: Browser | None = None
        self.ledger: Ledger | None = None

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.ledger is not None:
            self.ledger.close()
        if self.playwright is not None:
            # Stopping the driver drops the connection; closing a connected browser could end
            # a remote browser that others still use.
            with contextlib.suppress(Exception):
                self.playwright.stop()

    def run(self, job: Job) -> RunResult:
        """Run one job; whatever goes wrong outside the engine fails this job alone."""
        try:
            engine = Engine(self.settings, self._ledger(), self._browser(),
                            progress=self.progress, retry=self.retry)
            return engine.run(job)
        except Exception as error:
            log.exception("job failed outside the engine", platform=job.flow.PLATFORM,
                          account=job.label)
            first = (str(error).strip() or type(error).__name__).splitlines()[0]
            return RunResult(job.flow.PLATFORM, job.label, Outcome.FAILED,
                             f"the browser connection failed: {first}", None)

    def _ledger(self) -> Ledger:
        if self.ledger is None:
            self.ledger = Ledger(self.settings.output.ledger)
        return self.ledger

    def _browser(self) -> Browser:
        """This thread's connection, made again if the browser dropped it."""
        if self.browser is not None and self.browser.is_connected():
            return self.browser
        if self.playwright is None:
            self.playwright = sync_playwright().start()
        self.browser = _connect(self.playwright, self.endpoint)
        return self.browser


@contextmanager
def shared_browser(settings: BrowserSettings) -> Iterator[str]:
    """An endpoint every worker can connect to: ``browser.endpoint`` when set, else one
    Chromium started here, ended however the block ends."""
    if settings.endpoint:
        yield settings.endpoint
        return
    command = chromium_command(settings)
    with tempfile.TemporaryDirectory(prefix="optout-bot-chromium-",
                                     ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen([*command, f"--user-data-dir={profile}"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True, errors="replace")
        try:
            yield devtools_endpoint(process)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def chromium_command(settings: BrowserSettings) -> list[str]:
    """The command line of the one shared Chromium: the product's launch arguments, a
    DevTools port chosen by the system on the loopback address only."""
    chosen_binary, executable = _in_own_thread(lambda: _binary(settings))
    args = launch_args(settings, chosen_binary)
    chosen = [*QUIET_ARGS, *(HEADLESS_ARGS if settings.headless else ()), *args]
    return [str(executable), *dict.fromkeys(chosen), "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0", "about:blank"]


def _binary(settings: BrowserSettings) -> tuple[Path | None, Path]:
    """The configured or Debian binary (``None`` for Playwright's own), and its path."""
    with sync_playwright() as playwright:
        chosen = resolve_executable(settings, playwright)
        return chosen, chosen or Path(playwright.chromium.executable_path)


def _in_own_thread(action: Callable[[], T]) -> T:
    """Run ``action`` on a fresh thread: the sync API refuses a thread that already runs an
    event loop (an async caller, or a test session's own Playwright)."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def call() -> None:
        try:
            outcome.append(action())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=call, name="optout-bot-resolve")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def devtools_endpoint(process: subprocess.Popen[str]) -> str:
    """Read Chromium's ``DevTools listening on ws://…`` line; keep draining its stderr after,
    so a chatty browser never blocks on a full pipe."""
    found: list[str] = []
    ready = threading.Event()
    tail: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            match = DEVTOOLS_LINE.search(line)
            if match and not found:
                found.append(match.group(1))
                ready.set()
            elif not found:
                tail[:] = [*tail[-9:], line.rstrip()]
        ready.set()

    threading.Thread(target=read, name="optout-bot-chromium-stderr", daemon=True).start()
    if not ready.wait(START_TIMEOUT_SECONDS) or not found:
        raise ConfigError("the browser did not start: " + (" | ".join(tail) or
                                                          "no DevTools endpoint announced"))
    parts = urlsplit(found[0])
    return f"http://{parts.netloc}"
