"""The step loop: a flow's steps in order, each one recorded, retried as the policy says.

A step that fails with a passing fault starts over from its ``restart_from`` (the policy's
``restart_index``), keeping what earlier steps achieved; after a fault once something may have
been sent, the submission guard asks the platform before anything is sent again. In check mode
the state-changing step is replaced by the flow's ``check_step``, and the run stops there.
With teach mode on, a step that did not find an element the person then shows starts over the
same way (``optout_bot.run.teach``), but never once something may have been sent.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from optout_bot.errors import FlowError, Transient, UiChanged, one_line
from optout_bot.flow import Flow, State, Step
from optout_bot.outcome import Outcome
from optout_bot.run.guard import SubmissionGuard
from optout_bot.run.job import StepWatcher
from optout_bot.run.recorder import EvidenceRecorder
from optout_bot.run.retry import RetryPolicy, announce, restart_index
from optout_bot.run.teach import Teacher

Report = Callable[[str, str | None, str], None]  # (event, step, detail) for the progress display


class StepAttempts:
    """One attempt at one step: announced, recorded with its screenshot, timed, and counted
    per step (the count the retry policy reads). Apart from :class:`StepLoop` so that the
    loop reads as the order of steps and what a fault means, this as what every try leaves."""

    def __init__(
        self,
        flow: Flow,
        *,
        recorder: EvidenceRecorder,
        checks: StepWatcher,
        report: Report,
        log: Any,
    ) -> None:
        self.flow = flow
        self.recorder, self.checks = recorder, checks
        self.report = report
        self.log = log
        self.attempts: dict[str, int] = {}

    def _step(self, name: str, call: Callable[[], object] | None = None) -> object:
        """One attempt at step ``name``: announced, recorded with its screenshot, timed."""
        attempt = self.attempts[name] = self.attempts.get(name, 0) + 1
        self.flow.step = name
        structlog.contextvars.bind_contextvars(step=name)
        self.report("step", name, f"attempt {attempt}" if attempt > 1 else "")
        record = self.recorder.begin_step(name, attempt)
        self.log.info("step started", attempt=attempt)
        began = time.monotonic()
        try:
            result = (call or getattr(self.flow, name))()
        except BaseException as error:
            status = "retry" if isinstance(error, Transient) else "failed"
            self.recorder.end_step(record, status, error)
            self.log.info(
                "step ended",
                status=status,
                seconds=round(time.monotonic() - began, 3),
                error=one_line(error),
            )
            self.checks.record(name, record.screenshot, time.monotonic() - began, error)
            self._note_labels(name)
            raise
        self.recorder.end_step(record, "ok")
        self.log.info("step ended", status="ok", seconds=round(time.monotonic() - began, 3))
        self.checks.record(name, record.screenshot, time.monotonic() - began, None)
        self._note_labels(name)
        return result

    def _note_labels(self, step: str) -> None:
        """Say when a step relied on strings no source confirms (``run -v``, check reports):
        a failure there may be our guess rather than the platform's change."""
        unconfirmed = self.flow.unconfirmed_used(step)
        if unconfirmed:
            self.log.info("step relied on unconfirmed labels", labels=unconfirmed)
        self.checks.note_unconfirmed(step, unconfirmed)


class StepLoop(StepAttempts):
    """Runs one flow instance's ``STEPS`` to an outcome."""

    def __init__(
        self,
        flow: Flow,
        *,
        recorder: EvidenceRecorder,
        checks: StepWatcher,
        guard: SubmissionGuard,
        retry: RetryPolicy,
        report: Report,
        logged_in: Callable[[], None],
        log: Any,
        teacher: Teacher | None = None,
        replace: Mapping[str, Callable[[], object]] | None = None,
    ) -> None:
        super().__init__(flow, recorder=recorder, checks=checks, report=report, log=log)
        self.teacher = teacher
        self.replace = dict(replace or {})  # the engine's own step in place of a flow's
        self.steps = type(flow).STEPS
        self.guard = guard
        self.retry = retry
        self.logged_in = logged_in
        self.restart_at = 0
        self.on_retry = announce(
            log, "transient fault; retrying", lambda step, cause: report("retry", step, cause)
        )

    def run(self) -> tuple[Outcome, str]:
        retrying = self.retry.steps(lambda step: self.attempts.get(step, 0), self.on_retry)
        try:
            for attempt in retrying:
                with attempt:
                    return self._steps_from(self.restart_at)
        except Transient as error:
            tries = self.attempts.get(error.step or "", 1)
            return Outcome.FAILED, (
                f"{error.step or 'run'}: gave up after {tries} attempts: {error.message}"
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def _steps_from(self, start: int) -> tuple[Outcome, str]:
        while True:
            try:
                return self._steps_once(start)
            except UiChanged as error:
                after = self._after_teaching(error)
                if isinstance(after, int):
                    start = self.restart_at = after
                    continue
                if after is None:
                    raise
                return after

    def _steps_once(self, start: int) -> tuple[Outcome, str]:
        steps = self.steps
        for index in range(start, len(steps)):
            step, later = steps[index], steps[index + 1 :]
            if self.checks.enabled and step.changes_state:
                return self._check_instead(step, later)
            try:
                result = self._step(step.name, self.replace.get(step.name))
            except Transient as error:
                error.step = error.step or step.name
                if self._applied_after_fault(step):
                    return (
                        Outcome.SUBMITTED,
                        "done; the answer was lost, and the platform now shows it on record",
                    )
                self.restart_at = restart_index(steps, step)
                raise
            if step.logs_in:
                self.logged_in()
            if step.changes_state:
                self.guard.sent()
            if result is State.DONE:
                self.checks.skip(
                    later,
                    "already on record for this account, so the platform does not show this page",
                )
                return Outcome.ALREADY_DONE, "the platform already has it on record; nothing sent"
            if later and later[0].changes_state:
                self.guard.about_to_send(self.recorder.facts)
        confirmation = self.recorder.facts.get("confirmation")
        self.guard.confirmed(confirmation)
        return Outcome.SUBMITTED, str(confirmation or "sent")

    def _after_teaching(self, error: UiChanged) -> int | tuple[Outcome, str] | None:
        """After ``error``: where to start over once the person taught the missing element,
        the outcome when the platform turned out to have the submission, or None (the error
        stands). Once something may have been sent, nothing is taught or run again: a submit
        that failed is first checked with the platform (``is_applied``), as after a fault."""
        step = next((s for s in self.steps if s.name == error.step), None)
        if (
            self.teacher is None
            or step is None
            or self.guard.state_changed
            or not self.teacher.can_teach(error)
        ):
            return None
        if step.changes_state and not self.checks.enabled:
            try:
                if self._applied_after_fault(step):
                    return (
                        Outcome.SUBMITTED,
                        "done; the platform shows it on record "
                        f"although {error.element} was not found afterwards",
                    )
            except (FlowError, NotImplementedError):  # cannot tell: never risk a second send
                return None
        if self.teacher.teach(error) is None:
            return None
        self.report("taught", step.name, error.element)
        return restart_index(self.steps, step)

    def _check_instead(self, step: Step, later: tuple[Step, ...]) -> tuple[Outcome, str]:
        """Check mode: verify what the state change would use, without making it."""
        with contextlib.suppress(NotImplementedError):  # recorded as "skipped"
            self._step(step.name, call=functools.partial(self.flow.check_step, step.name))
        self.checks.skip(later, "comes after the state change, which a check never makes")
        return Outcome.SUBMITTED, "check passed; nothing was sent"

    def _applied_after_fault(self, step: Step) -> bool:
        applied = self.guard.applied_after_fault(self.flow, step, self.retry.reads(self.on_retry))
        if applied:
            self.recorder.note(
                "confirmation",
                self.recorder.facts.get("confirmation")
                or "on record on the platform (checked after a lost answer)",
            )
        return applied
