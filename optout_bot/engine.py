"""Runs one flow for one account: the steps in order, retries, evidence, ledger, outcome.

The engine is the only place that retries, writes files and maps errors to outcomes, so every
flow behaves the same way. Retries cover transient faults only. A state-changing step (a
submit) is never repeated blindly: after a fault the engine asks the platform whether the change
went through (``Flow.is_applied``) and only resubmits when it did not.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import structlog
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from optout_bot import browser as browsers
from optout_bot import recovery, tracing
from optout_bot import replica as replicas
from optout_bot.check import (
    StepCheck,
    aria_snapshot,
    closest_baseline,
    step_verdict,
    verdict,
    write_baseline,
)
from optout_bot.errors import (
    AlreadyDone,
    Blocked,
    FlowError,
    InputRejected,
    LoginRejected,
    NeedsHuman,
    Transient,
    UiChanged,
    Unavailable,
)
from optout_bot.evidence import EvidenceBundle
from optout_bot.flow import AccountView, Flow, State, Step
from optout_bot.ledger import Ledger
from optout_bot.log import get_logger, redactor
from optout_bot.outcome import Outcome
from optout_bot.sessions import save_session, session_file
from optout_bot.settings import DEFAULT_REASONS, Account, PlatformOptions, Settings

CODE_IN_MAIL = re.compile(r"(?<!\d)(\d{6,8})(?!\d)")
OUTCOME_OF: tuple[tuple[type[FlowError], Outcome], ...] = (
    (AlreadyDone, Outcome.ALREADY_DONE),
    (Unavailable, Outcome.UNAVAILABLE),
    (NeedsHuman, Outcome.NEEDS_HUMAN),
    (Blocked, Outcome.BLOCKED),
    (LoginRejected, Outcome.LOGIN_FAILED),
    (UiChanged, Outcome.UI_CHANGED),
    (InputRejected, Outcome.FAILED),
)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded, jittered exponential backoff for transient faults: at most ``attempts`` tries
    of any one step (progress made by earlier steps is kept) and ``total_seconds`` in all."""

    attempts: int = 5
    total_seconds: float = 180.0
    initial_seconds: float = 0.5
    max_seconds: float = 8.0


@dataclass
class Job:
    """One flow for one account. ``replicas`` set means: serve these instead of the network."""

    flow: type[Flow]
    label: str
    account: Account
    mode: str = "live"
    replicas: Sequence[replicas.Replica] = ()
    force: bool = False
    trust_ledger: bool = True
    ask_code: Callable[[str], str] | None = None
    check: bool = False
    update_baselines: bool = False


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
    checks: list[StepCheck] = field(default_factory=list)

    @property
    def check_verdict(self) -> str:
        """For check runs: ``ok``, ``ui_changed`` or ``error`` (the check could not run)."""
        return verdict(self.outcome, self.checks)


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
    def __init__(self, settings: Settings, ledger: Ledger, browser: Browser, *,
                 progress: ProgressHook | None = None,
                 retry: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.ledger = ledger
        self.browser = browser
        self.progress = progress or (lambda _event: None)
        self.retry = retry or RetryPolicy()

    def run(self, job: Job) -> RunResult:
        """Run ``job`` to one outcome; never raises for anything a flow can meet."""
        return _Run(self, job).execute()


class _Run:
    """The state of one job while it runs (kept off the Engine so jobs never share it)."""

    def __init__(self, engine: Engine, job: Job) -> None:
        self.engine = engine
        self.job = job
        self.platform = job.flow.PLATFORM
        self.log = get_logger(platform=self.platform, account=job.label)
        self.started = time.monotonic()
        self.state_changed = False
        self.submission_id: int | None = None
        self.restart_at = 0
        self.attempts: dict[str, int] = {}
        self.page: Page | None = None
        self.bundle: EvidenceBundle | None = None
        self.run_id = 0
        self.checks: list[StepCheck] = []
        self.cut_off_sends: list[dict[str, Any]] = []
        self.evidence_failed = False
        self.context: BrowserContext | None = None

    # --- the whole run ----------------------------------------------------------------------

    def execute(self) -> RunResult:
        flow_cls, job, settings = self.job.flow, self.job, self.engine.settings
        self.bundle = EvidenceBundle.create(
            settings.output.evidence_dir, self.platform, job.label,
            {"mode": job.mode, "flow": flow_cls.__module__, "flow_version": flow_cls.FLOW_VERSION,
             "description": flow_cls.DESCRIPTION, "locale": job.account.locale,
             "previous_manifest_sha256": self.engine.ledger.previous_manifest_hash(
                 self.platform, job.label, job.mode)})
        self.run_id = self.engine.ledger.start_run(self.platform, job.label, job.mode,
                                                   self.bundle.directory)
        structlog.contextvars.bind_contextvars(platform=self.platform, account=job.label)
        self.log.info("run started", mode=job.mode, evidence=str(self.bundle.directory))
        try:
            outcome, message = self._outcome_of_steps()
        except KeyboardInterrupt:
            self._finish(Outcome.FAILED, "interrupted by the user")
            raise
        finally:
            structlog.contextvars.unbind_contextvars("platform", "account", "step")
        return self._finish(outcome, message)

    def _outcome_of_steps(self) -> tuple[Outcome, str]:
        job = self.job
        if job.trust_ledger and not job.force:
            record = self.engine.ledger.on_record(self.platform, job.label, job.mode)
            if record:
                return (Outcome.ALREADY_DONE,
                        f"already on record in the ledger since {record['sent_utc']}; "
                        "nothing sent (use --force to check the platform again)")
        self.cut_off_sends = recovery.cut_off_sends(self.engine.ledger, self.platform,
                                                    job.label, job.mode, self.run_id)
        if self.cut_off_sends:
            self.log.warning("an earlier run was cut off while sending; the platform is asked "
                             "before anything is sent",
                             runs=[row["run_id"] for row in self.cut_off_sends])
        context = browsers.new_context(self.engine.browser, job.account.locale,
                                       storage_state=self._session_path())
        self.context = context
        traced = tracing.start(context)
        result: tuple[Outcome, str] = (Outcome.FAILED, "interrupted")
        try:
            result = self._in_context(context)
            return result
        finally:
            if traced:
                self._keep_trace(context, result[0])
            self._close(context)

    def _in_context(self, context: BrowserContext) -> tuple[Outcome, str]:
        try:
            if self.job.replicas:
                replicas.mount(context, self.job.replicas)
            return self._run_flow(context)
        except FlowError as error:
            return self._classify(error)
        except PlaywrightError as error:
            self.log.error("browser failed", error=str(error).splitlines()[0])
            if "has been closed" in str(error):
                step = self.bundle.steps[-1].name if self.bundle and self.bundle.steps else "?"
                return Outcome.FAILED, (f"the browser closed or crashed during {step}; rerun "
                                        "(the next run asks the platform before sending)")
            return Outcome.FAILED, f"the browser failed: {str(error).splitlines()[0]}"
        except OSError as error:  # the disk filled up, the folder went away
            self.evidence_failed = True
            self.log.error("evidence not written", error=_one_line(error))
            return Outcome.FAILED, _unwritable(error)
        except Exception as error:
            self.log.exception("unexpected error")
            return Outcome.FAILED, f"unexpected {type(error).__name__}: {error}"

    def _keep_trace(self, context: BrowserContext, outcome: Outcome) -> None:
        """The trace goes into the evidence only when the run did not reach its outcome."""
        keep = outcome not in (Outcome.SUBMITTED, Outcome.ALREADY_DONE) and not self.job.check
        data = tracing.stop(context, keep, self.engine.settings.secrets() + self._secrets())
        if data is not None and self.bundle is not None:
            try:
                self.bundle.add_file(tracing.TRACE, data)
            except OSError as error:
                self.log.warning("trace not kept", error=_one_line(error))

    def _secrets(self) -> list[str]:
        account = self.job.account
        return [s.get_secret_value() for s in (account.password, account.totp_seed) if s]

    def _run_flow(self, context: BrowserContext) -> tuple[Outcome, str]:
        self.page = context.new_page()
        self.page.set_default_timeout(self.engine.settings.browser.timeout_ms)
        flow = self.job.flow(self.page, self._account_view(), _Services(self),
                             urls=self.engine.settings.platforms.get(
                                 self.platform, PlatformOptions()).urls,
                             timeout_ms=self.engine.settings.browser.timeout_ms)
        policy = self.engine.retry
        retrying = Retrying(
            retry=retry_if_exception_type(Transient),
            stop=_StepAttemptsUsed(self, policy.attempts) | stop_after_delay(policy.total_seconds),
            wait=wait_exponential_jitter(multiplier=policy.initial_seconds, max=policy.max_seconds),
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._steps_from(flow, self.restart_at)
        except Transient as error:
            tries = self.attempts.get(error.step or "", 1)
            return Outcome.FAILED, (f"{error.step or 'run'}: gave up after {tries} attempts: "
                                    f"{error.message}")
        raise AssertionError("unreachable")  # pragma: no cover

    def _steps_from(self, flow: Flow, start: int) -> tuple[Outcome, str]:
        steps = self.job.flow.STEPS
        for index in range(start, len(steps)):
            step = steps[index]
            if self.job.check and step.changes_state:
                with contextlib.suppress(NotImplementedError):  # recorded as "skipped"
                    self._step(flow, step.name, call=functools.partial(flow.check_step,
                                                                       step.name))
                self._skip_checks(steps[index + 1:], "comes after the state change, which a "
                                  "check never makes")
                return Outcome.SUBMITTED, "check passed; nothing was sent"
            try:
                result = self._step(flow, step.name)
            except Transient as error:
                error.step = error.step or step.name
                if (step.changes_state or self.state_changed) and \
                        self._applied_after_fault(flow, step.name):
                    self.state_changed = True
                    if self.submission_id is not None:
                        self.engine.ledger.mark_submission(
                            self.submission_id, "confirmed", "on record on the platform")
                    return (Outcome.SUBMITTED, "done; the answer was lost, and the platform "
                            "now shows it on record")
                restart = step.restart_from or step.name
                self.restart_at = next(i for i, s in enumerate(steps) if s.name == restart)
                raise
            if step.logs_in:
                self._save_session()
            if step.changes_state:
                self.state_changed = True
                if self.submission_id is not None:
                    self.engine.ledger.mark_submission(self.submission_id, "sent")
            if result is State.DONE:
                self._skip_checks(steps[index + 1:], "already on record for this account, so "
                                  "the platform does not show this page")
                return Outcome.ALREADY_DONE, "the platform already has it on record; nothing sent"
            if index + 1 < len(steps) and steps[index + 1].changes_state:
                self._note_submission_intent()
        facts = self.bundle.facts if self.bundle else {}
        if self.submission_id is not None:
            self.engine.ledger.mark_submission(self.submission_id, "confirmed",
                                               facts.get("confirmation"))
        return Outcome.SUBMITTED, str(facts.get("confirmation") or "sent")

    def _step(self, flow: Flow, name: str, call: Callable[[], object] | None = None) -> object:
        assert self.bundle is not None and self.page is not None
        attempt = self.attempts[name] = self.attempts.get(name, 0) + 1
        flow.step = name
        structlog.contextvars.bind_contextvars(step=name)
        self.engine.progress(Progress(self.platform, self.job.label, "step", name,
                                      f"attempt {attempt}" if attempt > 1 else ""))
        record = self.bundle.begin_step(name, attempt)
        self.log.info("step started", attempt=attempt)
        began = time.monotonic()
        try:
            result = (call or getattr(flow, name))()
        except BaseException as error:
            status = "retry" if isinstance(error, Transient) else "failed"
            self.bundle.end_step(record, status=status, url=self._url(),
                                 screenshot=self._screenshot(), error=_one_line(error))
            self.log.info("step ended", status=status, seconds=round(time.monotonic() - began, 3),
                          error=_one_line(error))
            self._record_check(name, record.screenshot, time.monotonic() - began, error)
            raise
        self.bundle.end_step(record, status="ok", url=self._url(), screenshot=self._screenshot())
        self.log.info("step ended", status="ok", seconds=round(time.monotonic() - began, 3))
        self._record_check(name, record.screenshot, time.monotonic() - began, None)
        return result

    # --- saved sessions -------------------------------------------------------------------

    def _session_path(self) -> Path | None:
        output = self.engine.settings.output
        if not output.save_sessions:
            return None
        return session_file(output.sessions_dir, self.job.mode, self.platform, self.job.label)

    def _save_session(self) -> None:
        path = self._session_path()
        if path is None or self.context is None:
            return
        try:
            save_session(self.context, path)
        except OSError as error:  # a session is a convenience: never fail a run for it
            self.log.warning("session not saved", error=_one_line(error))

    # --- check mode -------------------------------------------------------------------------

    def _record_check(self, step: str, screenshot: str | None, seconds: float,
                      error: BaseException | None) -> None:
        if not self.job.check or self.page is None or self.bundle is None:
            return
        account = self.job.account
        snapshot = aria_snapshot(self.page, [account.login, account.form_email_or_none() or ""])
        version = self.bundle.facts.get("form_version")
        baseline = closest_baseline(self.job.flow, account.locale, step,
                                    str(version) if version else None, snapshot)
        if snapshot is not None:
            self.bundle.add_file(f"{len(self.bundle.steps):02d}-{step}.aria.yml",
                                 snapshot.encode("utf-8"))
        result = step_verdict(self.job.flow, account.locale, step, baseline,
                              snapshot, error, updating=self.job.update_baselines)
        result.seconds, result.screenshot = round(seconds, 3), screenshot
        if self.job.update_baselines and snapshot is not None and error is None:
            write_baseline(baseline, snapshot)
        self.checks = [c for c in self.checks if c.step != step] + [result]

    def _skip_checks(self, steps: Sequence[Step], why: str) -> None:
        if self.job.check:
            self.checks += [StepCheck(s.name, "skipped", why) for s in steps]

    # --- safety around the state-changing step ------------------------------------------------

    def _note_submission_intent(self) -> None:
        """Before the submit: a ledger row saying we are about to send, so a crash right after
        the click is visible to the next run, which then asks the platform first."""
        assert self.bundle is not None
        facts = self.bundle.facts
        if self.submission_id is None:
            self.submission_id = self.engine.ledger.begin_submission(
                self.run_id, self.platform, self.job.label, self.job.mode,
                facts.get("form_url"), facts.get("form_version"),
                dict(facts.get("submitted") or {}))

    def _applied_after_fault(self, flow: Flow, step: str) -> bool:
        """Ask the platform whether a change went through; if it cannot tell, refuse to risk
        a second submission."""
        self.log.warning("state-changing step interrupted; checking the platform", step=step)
        policy = self.engine.retry
        reading = Retrying(  # reading the platform changes nothing, so it may be tried again
            retry=retry_if_exception_type(Transient), reraise=True,
            stop=stop_after_attempt(policy.attempts),
            wait=wait_exponential_jitter(multiplier=policy.initial_seconds, max=policy.max_seconds),
            before_sleep=self._log_retry)
        try:
            applied = reading(flow.is_applied)
        except NotImplementedError:
            raise FlowError(f"{step}: the answer was lost and this flow cannot check whether it "
                            "went through; not sending again", step=step) from None
        except Transient as error:
            raise FlowError(f"{step}: the answer was lost and the platform could not be "
                            f"checked ({error.message}); not sending again", step=step) from None
        self.log.info("platform checked after fault", applied=applied)
        if applied and self.bundle is not None:
            self.bundle.note("confirmation", self.bundle.facts.get("confirmation")
                             or "on record on the platform (checked after a lost answer)")
        return applied

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        step = getattr(error, "step", None)
        wait = state.next_action.sleep if state.next_action else 0
        self.log.warning("transient fault; retrying", step=step, cause=_one_line(error),
                         attempt=state.attempt_number, wait_seconds=round(wait, 2))
        self.engine.progress(Progress(self.platform, self.job.label, "retry", step,
                                      _one_line(error)))

    # --- outcome, evidence and clean-up -------------------------------------------------------

    def _classify(self, error: FlowError) -> tuple[Outcome, str]:
        for kind, outcome in OUTCOME_OF:
            if isinstance(error, kind):
                return outcome, error.message
        return Outcome.FAILED, error.message

    def _finish(self, outcome: Outcome, message: str) -> RunResult:
        assert self.bundle is not None
        if self.job.check:
            done = {c.step for c in self.checks}
            failed = next((c.step for c in self.checks if c.status != "ok"), "an earlier step")
            self._skip_checks([s for s in self.job.flow.STEPS if s.name not in done],
                              f"not reached: {failed} did not pass")
        bundle = self.bundle
        manifest_hash: str | None = None
        try:
            if self.job.replicas:
                lines = [entry for r in self.job.replicas for entry in r.log]
                bundle.add_file("replica-requests.jsonl", "".join(
                    _json_line(e) for e in sorted(lines, key=lambda e: e["time"])
                ).encode("utf-8"))
            manifest_hash = bundle.finish(outcome.value, message)
        except OSError as error:  # the outcome stands; the ledger says what is missing
            if not self.evidence_failed:
                message = f"{message}; {_unwritable(error)}"
            self.evidence_failed = True
        self.engine.ledger.finish_run(self.run_id, outcome.value, message, manifest_hash)
        recovery.resolve(self.engine.ledger, self.cut_off_sends, outcome, self.run_id)
        # A send cut off by a write error may have reached the platform: leave it "sending",
        # so the next run asks the platform before anything is sent.
        if self.submission_id is not None and not self.state_changed and \
                not self.evidence_failed:
            self.engine.ledger.mark_submission(self.submission_id, "not_sent")
        seconds = time.monotonic() - self.started
        self.log.info("run finished", outcome=outcome.value, message=message,
                      seconds=round(seconds, 2))
        self.engine.progress(Progress(self.platform, self.job.label, "done", None, outcome.value))
        last_step = bundle.steps[-1].name if bundle.steps else None
        return RunResult(self.platform, self.job.label, outcome, message, bundle.directory,
                         last_step, seconds, dict(bundle.facts.get("submitted") or {}),
                         list(self.checks))

    def _close(self, context: BrowserContext) -> None:
        with contextlib.suppress(PlaywrightError):  # the browser may already be gone
            context.close()

    def _url(self) -> str | None:
        try:
            return self.page.url if self.page is not None else None
        except PlaywrightError:
            return None

    def _screenshot(self) -> bytes | None:
        """A full-page screenshot with password fields and the account's email masked."""
        page = self.page
        if page is None:
            return None
        mask = [] if self.engine.settings.output.unmasked_evidence else _masks(
            page, self.job.account.form_email_or_none())
        try:
            return page.screenshot(full_page=True, mask=mask, mask_color="#3a3b3c",
                                   animations="disabled",
                                   timeout=self.engine.settings.browser.timeout_ms)
        except (PlaywrightError, PlaywrightTimeout) as error:
            self.log.warning("screenshot failed", error=_one_line(error))
            return None

    def _account_view(self) -> AccountView:
        account = self.job.account
        return AccountView(
            platform=self.platform, label=self.job.label, login=account.login,
            email=account.form_email_or_none() or "", locale=account.locale,
            country=account.country, reason=account.form_reason(),
            default_reason=DEFAULT_REASONS[account.locale],
            _password=lambda: account.password.get_secret_value() if account.password else "",
            _totp_seed=lambda: (account.totp_seed.get_secret_value()
                                if account.totp_seed else None),
        )


class _StepAttemptsUsed(stop_base):
    """Stop retrying once the step that keeps failing has had its attempts."""

    def __init__(self, run: _Run, attempts: int) -> None:
        self._run = run
        self._attempts = attempts

    def __call__(self, retry_state: RetryCallState) -> bool:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        step = getattr(error, "step", None) or ""
        return self._run.attempts.get(step, 0) >= self._attempts


def _masks(page: Page, email: str | None) -> list[Any]:
    masks: list[Any] = [page.locator("input[type=password]"),
                        page.locator("input[type=email], input[name*=email i], "
                                     "input[autocomplete=email], input[autocomplete=username]")]
    if email:
        masks.append(page.get_by_text(email))
    return masks


def _unwritable(error: OSError) -> str:
    where = f" to {Path(error.filename).parent}" if error.filename else ""
    return (f"the evidence could not be written{where}: {error.strerror or error}; free some "
            "space or choose another folder with --out")


def _one_line(error: BaseException | None) -> str:
    if error is None:
        return ""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _json_line(entry: Mapping[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False) + "\n"


class _Services:
    """What the engine lends the flow for one run (see ``optout_bot.flow.FlowServices``)."""

    def __init__(self, run: _Run) -> None:
        self._run = run

    def totp_code(self) -> str:
        seed = self._run.job.account.totp_seed
        if seed is None:
            raise NeedsHuman("the platform asks for an authenticator code and no TOTP seed is "
                             "configured: rerun with --headed and type it, or set totp_seed")
        return redactor.secret(str(pyotp.TOTP(seed.get_secret_value()).now()))

    def email_code(self, purpose: str) -> str:
        email = self._run.job.account.form_email_or_none()
        for replica in self._run.job.replicas:
            for mail in reversed(replica.mailbox):
                found = CODE_IN_MAIL.search(mail.body)
                if mail.to == email and found:
                    return redactor.secret(found.group(1))
        if self._run.job.ask_code is not None:
            return redactor.secret(self._run.job.ask_code(purpose))
        raise NeedsHuman(f"{purpose}: the platform emailed a code; rerun in a terminal to type "
                         "it")

    def hand_over(self, what: str, *, until: Callable[[], bool]) -> None:
        run = self._run
        if run.engine.settings.browser.headless or run.page is None:
            raise NeedsHuman(f"{what} — rerun with --headed to do it yourself in the browser")
        print(f"\n>>> {run.platform}/{run.job.label}: {what}. Waiting for you in the browser "
              "window...", file=sys.stderr)
        run.log.info("waiting for the person", what=what)
        deadline = time.monotonic() + 300
        while not until():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NeedsHuman(f"{what} — not done within 5 minutes")
            try:
                run.page.wait_for_event("framenavigated", timeout=remaining * 1000)
            except PlaywrightTimeout:
                continue

    def note(self, key: str, value: Any) -> None:
        assert self._run.bundle is not None
        if key in {"form_url", "form_version", "via", "confirmation", "submitted"}:
            self._run.bundle.note(key, value)
        else:
            notes = self._run.bundle.facts.setdefault("notes", {})
            notes[key] = value

    def submitted(self, values: Mapping[str, Any]) -> None:
        self.note("submitted", dict(values))

    def confirmation(self, text: str) -> None:
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        self.note("confirmation", " ".join(
            line if line[-1] in ".!?。:" else f"{line}." for line in lines))
