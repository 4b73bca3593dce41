"""Runs and checks started from the page: each in its own thread through the engine's
``run_jobs``, its progress kept as a list of events the page follows (server-sent events).

One run at a time, as on the command line (the ledger is exclusive anyway). Events carry only
what the console shows: step names, outcomes and the redactor-scrubbed details.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp

from optout_bot.errors import ConfigError
from optout_bot.log import redactor
from optout_bot.run.engine import Progress, RunResult
from optout_bot.run.hand_over import set_remote_helper
from optout_bot.run.job import Job
from optout_bot.settings import Settings
from optout_bot.ui.desk import Desk

Event = dict[str, Any]
Work = Callable[["Board", Settings, list[Job]], list[RunResult]]
"""What a board's thread does: the engine's run (default), or a sign-in (``ui.signin``)."""


@dataclass
class Board:
    """One run (or check) as the page sees it."""

    id: str
    kind: str  # "run" or "check"
    accounts: list[tuple[str, str]]
    report_dir: Path | None = None
    practice_seed: str | None = None
    practice_password: str | None = None
    events: list[Event] = field(default_factory=list)
    results: list[RunResult] = field(default_factory=list)
    finished: bool = False
    failure: str | None = None
    changed: threading.Condition = field(default_factory=threading.Condition)
    desk: Desk = field(init=False)

    def __post_init__(self) -> None:
        self.desk = Desk(self.post)

    def post(self, event: Event) -> None:
        if self.practice_seed and event.get("event") in ("hand_over", "screen"):
            event = {**event, "practice_code": pyotp.TOTP(self.practice_seed).now()}
        scrubbed = redactor.scrub(event)
        if self.practice_password and event.get("event") == "hand_over":
            # made up for the replica and shown so the person can type it: no one's secret
            scrubbed = {**scrubbed, "practice_password": self.practice_password}
        with self.changed:
            self.events.append(scrubbed)
            self.changed.notify_all()

    def progress(self, event: Progress) -> None:
        self.post(
            {
                "event": event.event,
                "platform": event.platform,
                "account": event.account,
                "step": event.step or "",
                "detail": event.detail,
            }
        )

    def finish(self) -> None:
        """The "finished" event and the end at once (the lock is re-entrant): a page told the
        run ended has been given every event, that one included. Ended first and posted
        after, a page reading in between closed its stream without the run's links."""
        with self.changed:
            self.post({"event": "finished"})
            self.finished = True
            self.changed.notify_all()

    def since(self, index: int, timeout: float) -> tuple[list[Event], bool]:
        """Events after ``index`` (waiting up to ``timeout`` for one), and whether it ended."""
        with self.changed:
            if len(self.events) <= index and not self.finished:
                self.changed.wait(timeout)
            return list(self.events[index:]), self.finished


class Boards:
    """Every run and check of this server's life."""

    def __init__(self) -> None:
        self.boards: dict[str, Board] = {}
        self.replicas: dict[str, Any] = {}
        """Replicas a practice sign-in was made on, by "platform/label": practice runs use them."""
        self._lock = threading.Lock()

    def get(self, board_id: str) -> Board | None:
        return self.boards.get(board_id)

    def busy(self) -> bool:
        return any(not b.finished for b in self.boards.values())

    def start(
        self,
        kind: str,
        settings: Settings,
        jobs: list[Job],
        *,
        report_dir: Path | None = None,
        practice_seed: str | None = None,
        after: Callable[[Board], None] | None = None,
        work: Work | None = None,
        practice_password: str | None = None,
    ) -> Board:
        with self._lock:
            if self.busy():
                raise ConfigError("a run is already going on")
            board = Board(
                id=secrets.token_hex(8),
                kind=kind,
                accounts=[(j.flow.PLATFORM, j.label) for j in jobs],
                report_dir=report_dir,
                practice_seed=practice_seed,
                practice_password=practice_password,
            )
            self.boards[board.id] = board
        thread = threading.Thread(
            target=_run,
            args=(board, settings, jobs, after, work or _engine),
            name=f"ui-{kind}",
            daemon=True,
        )
        thread.start()
        return board


def _engine(board: Board, settings: Settings, jobs: list[Job]) -> list[RunResult]:
    from optout_bot.run.jobs import run_jobs

    return run_jobs(settings, jobs, progress=board.progress, workers=1)


def _run(
    board: Board,
    settings: Settings,
    jobs: list[Job],
    after: Callable[[Board], None] | None,
    work: Work,
) -> None:
    set_remote_helper(board.desk)
    try:
        board.results = work(board, settings, jobs)
        for result in board.results:
            board.post(
                {
                    "event": "result",
                    "platform": result.platform,
                    "account": result.account,
                    "outcome": result.outcome.value,
                    "proof": result.proof or "",
                    "detail": result.message,
                    "verdict": result.check_verdict if board.kind == "check" else "",
                }
            )
        if after is not None:
            after(board)
    except Exception as error:  # shown on the page; the console log has the traceback
        board.failure = redactor.scrub(f"{type(error).__name__}: {error}")
        board.post({"event": "failed", "detail": board.failure})
    finally:
        set_remote_helper(None)
        board.finish()


def practice_two_factor(jobs: list[Job]) -> str:
    """Reseed each job's replica account with a two-step login under a made-up authenticator,
    so a person can practise the hand-over; returns the made-up key (shown as codes only)."""
    seed = pyotp.random_base32()
    for job in jobs:
        password = job.account.password.get_secret_value() if job.account.password else ""
        for replica in job.replicas:
            try:
                replica.seed_account(
                    login=job.account.login,
                    password=password,
                    email=job.account.form_email_or_none() or job.account.login,
                    locale=job.account.locale,
                    country=job.account.country,
                    two_factor="totp",
                    totp_seed=seed,
                )
            except TypeError:
                continue  # this replica has no two-step login
    return seed
