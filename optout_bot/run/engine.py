"""Runs one flow for one account: the steps in order, retries, evidence, ledger, outcome.

The engine is the only place that retries, writes files and maps errors to outcomes, so every
flow behaves the same way. It delegates each of those jobs to one module of ``optout_bot.run``:
the step loop (``steps``), every retry decision (``retry``), the submission guard (``guard``:
the ledger and the question to the platform after a fault), the evidence (``recorder``), a
watcher the job brings (``job.StepWatcher``: check mode, which the engine does not know), and
what a flow is lent (``services``, with the person ``hand_over``; page loads, ``retry``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from playwright.sync_api import Browser, BrowserContext
from playwright.sync_api import Error as PlaywrightError

from optout_bot import browser as browsers
from optout_bot.browser import sessions, tracing
from optout_bot.errors import (
    AlreadyDone,
    Blocked,
    FlowError,
    InputRejected,
    LoginRejected,
    NeedsHuman,
    UiChanged,
    Unavailable,
    one_line,
)
from optout_bot.flow import Flow
from optout_bot.log import get_logger, redactor
from optout_bot.outcome import Outcome, of_check
from optout_bot.records.ledger import Ledger
from optout_bot.records.proof import Proof
from optout_bot.replica import mount
from optout_bot.run.guard import SubmissionGuard
from optout_bot.run.job import Job, StepWatcher
from optout_bot.run.proof_step import prove
from optout_bot.run.recorder import EvidenceRecorder, unwritable
from optout_bot.run.retry import RetryPolicy
from optout_bot.run.services import RunServices, account_view
from optout_bot.run.steps import StepLoop
from optout_bot.run.teach import Teacher, allowed
from optout_bot.run.yourself import session_path, use_kept_session
from optout_bot.settings import Account, PlatformOptions, Settings

OUTCOME_OF: tuple[tuple[type[FlowError], Outcome], ...] = (
    (AlreadyDone, Outcome.ALREADY_DONE),
    (Unavailable, Outcome.UNAVAILABLE),
    (NeedsHuman, Outcome.NEEDS_HUMAN),
    (Blocked, Outcome.BLOCKED),
    (LoginRejected, Outcome.LOGIN_FAILED),
    (UiChanged, Outcome.UI_CHANGED),
    (InputRejected, Outcome.FAILED),
)


@dataclass
class RunResult:
    platform: str
    account: str
    outcome: Outcome
    message: str
    evidence_dir: Path | None
    step: str | None = None
    seconds: float = 0.0
    submitted: dict[str, Any] = field(default_factory=dict)
    checks: list[Any] = field(default_factory=list)  # a check's verdicts, step by step
    proof: str | None = None  # how the platform showed the change (optout_bot.records.proof)
    check_verdict: str = ""  # a check's: ``ok``, ``ui_changed`` or ``error`` (could not run)


@dataclass(frozen=True)
class Progress:
    """What the CLI shows while a job runs."""

    platform: str
    account: str
    event: str  # "step", "retry", "done"
    step: str | None = None
    detail: str = ""


ProgressHook = Callable[[Progress], None]


class Engine:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        browser: Browser,
        *,
        progress: ProgressHook | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.browser = browser
        self.progress = progress or (lambda _event: None)
        self.retry = retry or RetryPolicy()

    def run(self, job: Job) -> RunResult:
        """Run ``job`` to one outcome; never raises for anything a flow can meet."""
        return _Run(self, job).execute()


class _Run:
    """One job while it runs (kept off the Engine so jobs never share it): the browser context
    around the step loop, and one outcome from whatever happened, in evidence and ledger."""

    def __init__(self, engine: Engine, job: Job) -> None:
        self.engine, self.job, self.settings = engine, job, engine.settings
        self.platform = job.flow.PLATFORM
        self.log = get_logger(platform=self.platform, account=job.label)
        self.started = time.monotonic()
        self.started_utc = datetime.now(UTC)
        self.proof: Proof | None = None
        self.began = time.time()  # wall clock: which one-time codes the run may have used
        self.recorder = EvidenceRecorder.create(
            self.settings,
            job,
            engine.ledger.previous_manifest_hash(self.platform, job.label, job.mode),
            self.log,
        )
        run_id = engine.ledger.start_run(
            self.platform, job.label, job.mode, self.recorder.directory
        )
        self.guard = SubmissionGuard(
            engine.ledger, run_id, self.platform, job.label, job.mode, self.log
        )
        self.checks: StepWatcher = job.watcher(self.recorder.bundle)
        self.session = session_path(self.settings, job)

    def execute(self) -> RunResult:
        structlog.contextvars.bind_contextvars(platform=self.platform, account=self.job.label)
        self.log.info("run started", mode=self.job.mode, evidence=str(self.recorder.directory))
        try:
            outcome, message = self._outcome()
        except KeyboardInterrupt:
            self._finish(Outcome.FAILED, "interrupted by the user")
            raise
        finally:
            structlog.contextvars.unbind_contextvars("platform", "account", "step")
        return self._finish(outcome, message)

    def _outcome(self) -> tuple[Outcome, str]:
        on_record = self.guard.on_record() if self.job.trust_ledger and not self.job.force else None
        if on_record:
            return Outcome.ALREADY_DONE, on_record
        self.guard.look_for_cut_off_sends()
        context = browsers.new_context(
            self.engine.browser, self.job.account.locale, storage_state=self.session
        )
        traced = self.settings.output.keep_trace and tracing.start(context)
        result: tuple[Outcome, str] = (Outcome.FAILED, "interrupted")
        try:
            result = self._in_context(context)
            return result
        finally:
            if traced:
                secrets = trace_secrets(self.settings, self.job.account, self.began)
                self.recorder.keep_trace(context, result[0], self.job.check, secrets)
            with contextlib.suppress(PlaywrightError):  # the browser may already be gone
                context.close()

    def _in_context(self, context: BrowserContext) -> tuple[Outcome, str]:
        """The steps' outcome; every error a run can meet becomes one."""
        try:
            if self.job.replicas:
                mount(context, self.job.replicas)
            outcome, message = self._steps(context)
            if outcome is Outcome.SUBMITTED and not self.job.check:
                self.proof = prove(
                    self.job, self.recorder, self.engine.retry, self.started_utc, self.log
                )
            return outcome, message
        except Exception as error:
            return outcome_of(error, self.recorder, self.log)

    def _steps(self, context: BrowserContext) -> tuple[Outcome, str]:
        page = context.new_page()
        page.set_default_timeout(self.settings.browser.timeout_ms)
        self.recorder.page = self.checks.page = page
        services = RunServices(
            self.job,
            self.recorder,
            page,
            headless=self.settings.browser.headless,
            log=self.log,
            retry=self.engine.retry,
        )
        flow = self.job.flow(
            page,
            account_view(self.job),
            services,
            urls=self.settings.platforms.get(self.platform, PlatformOptions()).urls,
            timeout_ms=self.settings.browser.timeout_ms,
            retry=self.engine.retry,
        )
        teacher = (
            Teacher(flow, page, log=self.log, note=services.note)
            if allowed(self.job.teach, self.settings.browser.headless)
            else None
        )
        return StepLoop(
            flow,
            recorder=self.recorder,
            checks=self.checks,
            guard=self.guard,
            retry=self.engine.retry,
            report=self._report,
            logged_in=lambda: self._save_session(context),
            log=self.log,
            teacher=teacher,
            replace=own_sign_in(self.job, flow, self.session, self.settings.browser.headless),
        ).run()

    def _finish(self, outcome: Outcome, message: str) -> RunResult:
        if self.checks.enabled:
            self.checks.skip_unreached()
        if self.job.check:
            outcome = of_check(outcome)
        if self.proof is not None:
            self.recorder.note("proof", self.proof.value)
        message, manifest_hash = self.recorder.finish(outcome, message, self.job.replicas)
        self.engine.ledger.finish_run(self.guard.run_id, outcome.value, message, manifest_hash)
        if self.proof is not None:
            self.engine.ledger.set_proof(self.guard.run_id, self.proof.value)
        self.guard.finish(outcome, self.recorder.failed)
        seconds = time.monotonic() - self.started
        self.log.info(
            "run finished", outcome=outcome.value, message=message, seconds=round(seconds, 2)
        )
        self._report("done", None, outcome.value)
        return RunResult(
            self.platform,
            self.job.label,
            outcome,
            message,
            self.recorder.directory,
            self.recorder.last_step(),
            seconds,
            dict(self.recorder.facts.get("submitted") or {}),
            list(self.checks.checks),
            self.proof.value if self.proof else None,
            self.checks.verdict(outcome),
        )

    def _report(self, event: str, step: str | None, detail: str) -> None:
        self.engine.progress(Progress(self.platform, self.job.label, event, step, detail))

    def _save_session(self, context: BrowserContext) -> None:
        if self.session is None:
            return
        try:
            sessions.save_session(context, self.session)
        except OSError as error:  # a session is a convenience: never fail a run for it
            self.log.warning("session not saved", error=one_line(error))


def outcome_of(error: Exception, recorder: EvidenceRecorder, log: Any) -> tuple[Outcome, str]:
    """Every error a run can meet, as one outcome and a message a person can act on (apart
    from the run so that the run reads as what it does, this as what can go wrong). Called
    while ``error`` is being handled, so an unexpected one is logged with its traceback."""
    if isinstance(error, FlowError):
        return next(
            (o for kind, o in OUTCOME_OF if isinstance(error, kind)), Outcome.FAILED
        ), error.message
    if isinstance(error, PlaywrightError):
        log.error("browser failed", error=one_line(error))
        if "has been closed" in str(error):
            return Outcome.FAILED, (
                f"the browser closed or crashed during "
                f"{recorder.last_step() or '?'}; rerun (the next "
                "run asks the platform before sending)"
            )
        return Outcome.FAILED, f"the browser failed: {one_line(error)}"
    if isinstance(error, OSError):  # the disk filled up, the folder went away
        recorder.failed = True
        log.error("evidence not written", error=one_line(error))
        return Outcome.FAILED, unwritable(error)
    log.exception("unexpected error")
    return Outcome.FAILED, f"unexpected {type(error).__name__}: {error}"


def trace_secrets(settings: Settings, account: Account, began: float) -> list[str]:
    """What a kept trace must not hold: every configured secret, this account's, and the
    one-time codes used (registered ones, and any its TOTP seed gave since ``began``)."""
    own = [s.get_secret_value() for s in (account.password, account.totp_seed) if s]
    seed = account.totp_seed
    return [
        *settings.secrets(),
        *own,
        *redactor.secrets(),
        *tracing.one_time_codes(seed.get_secret_value() if seed else None, began),
    ]


def own_sign_in(
    job: Job, flow: Flow, session: Path | None, headless: bool
) -> dict[str, Callable[[], object]]:
    """For an account the person signs in to themselves: the kept session in place of the
    flow's ``log_in`` (``optout_bot.run.yourself``)."""
    if job.account.sign_in != "yourself":
        return {}
    kept = session is not None and session.is_file()
    return {"log_in": lambda: use_kept_session(flow, label=job.label, kept=kept, headless=headless)}
