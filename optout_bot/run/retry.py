"""Every retry decision of a run, in one place: what may be tried again, how often, how far apart.

Only what is safe is ever tried again. Loading a page and re-reading the platform change
nothing. A step that failed with a passing fault (``Transient``) starts over from its
``Step.restart_from``, keeping what earlier steps achieved. A request the page says was lost on
the way is sent again only when the flow vouches that it carries no password and changes
nothing. A state-changing step is never repeated blindly: the submission guard
(``optout_bot.run.guard``) first asks the platform whether it went through. Everything else (a
rejected password, a block, a changed page) is not ``Transient`` and is never retried.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from optout_bot.errors import Transient, one_line
from optout_bot.log import get_logger

if TYPE_CHECKING:
    from optout_bot.flow import Step

OnRetry = Callable[[RetryCallState], None]
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a run tries, with jittered exponential backoff between tries.

    Steps: at most ``attempts`` tries of any one step and ``total_seconds`` in all. Re-reading
    the platform after a fault: ``attempts`` tries. Page loads: ``page_loads`` tries, with a
    shorter backoff. A safe request the page says was lost: ``presses`` sends in all.
    """

    attempts: int = 5
    total_seconds: float = 180.0
    initial_seconds: float = 0.5
    max_seconds: float = 8.0
    page_loads: int = 3
    page_initial_seconds: float = 0.25
    page_max_seconds: float = 2.0
    presses: int = 3

    def steps(self, tries_of: Callable[[str], int], on_retry: OnRetry) -> Retrying:
        """Steps that fail transiently, until the failing step (named by the error) has been
        tried ``attempts`` times (``tries_of``), or the run has spent ``total_seconds``."""
        return Retrying(
            retry=retry_if_exception_type(Transient),
            reraise=True,
            stop=_StepUsedUp(tries_of, self.attempts) | stop_after_delay(self.total_seconds),
            wait=self._backoff(),
            before_sleep=on_retry,
        )

    def reads(self, on_retry: OnRetry) -> Retrying:
        """Re-reading the platform (``Flow.is_applied``), which changes nothing."""
        return Retrying(
            retry=retry_if_exception_type(Transient),
            reraise=True,
            stop=stop_after_attempt(self.attempts),
            wait=self._backoff(),
            before_sleep=on_retry,
        )

    def loads(self, on_retry: OnRetry) -> Retrying:
        """Loading a page, which changes nothing."""
        return Retrying(
            retry=retry_if_exception_type(Transient),
            reraise=True,
            stop=stop_after_attempt(self.page_loads),
            wait=wait_exponential_jitter(
                multiplier=self.page_initial_seconds, max=self.page_max_seconds
            ),
            before_sleep=on_retry,
        )

    def mail(self, wait_seconds: float, on_retry: OnRetry) -> Retrying:
        """Looking for the platform's confirmation email, which may take a while to arrive:
        reading a mailbox changes nothing. ``MailNotYet`` means "look again"."""
        return Retrying(
            retry=retry_if_exception_type(MailNotYet),
            reraise=True,
            stop=stop_after_delay(wait_seconds),
            wait=wait_exponential_jitter(multiplier=1, max=15),
            before_sleep=on_retry,
        )

    def load(self, action: Callable[[], T]) -> T:
        """``action`` (a page load and what follows it), tried ``page_loads`` times, each retry
        logged: what the engine lends a flow (``optout_bot.flow.page.Retries``)."""
        for attempt in self.loads(announce(get_logger(), "page load failed; retrying")):
            with attempt:
                return action()
        raise AssertionError("unreachable")  # pragma: no cover

    def sends(self, safe_to_repeat: bool) -> int:
        """How many times in all a request the page says was lost is sent."""
        return self.presses if safe_to_repeat else 1

    def _backoff(self) -> Any:
        return wait_exponential_jitter(multiplier=self.initial_seconds, max=self.max_seconds)


class MailNotYet(Exception):
    """The confirmation email has not arrived (yet)."""


class _StepUsedUp(stop_base):
    """Stop once the step that keeps failing has had its tries (earlier steps' tries do not
    count against it)."""

    def __init__(self, tries_of: Callable[[str], int], attempts: int) -> None:
        self._tries_of = tries_of
        self._attempts = attempts

    def __call__(self, retry_state: RetryCallState) -> bool:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        return self._tries_of(getattr(error, "step", None) or "") >= self._attempts


def restart_index(steps: Sequence[Step], failed: Step) -> int:
    """Where a step that failed transiently starts over: its ``restart_from`` (itself when
    None), so a page that broke mid-form is reopened rather than typed into again."""
    restart = failed.restart_from or failed.name
    return next(i for i, step in enumerate(steps) if step.name == restart)


def announce(
    log: Any, event: str, report: Callable[[str | None, str], None] | None = None
) -> OnRetry:
    """A tenacity ``before_sleep`` that logs each retry as ``event`` (and reports it, e.g. to
    the progress display), so every retry is visible."""

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        step = getattr(error, "step", None)
        wait = state.next_action.sleep if state.next_action else 0
        log.warning(
            event,
            step=step,
            cause=one_line(error),
            attempt=state.attempt_number,
            wait_seconds=round(wait, 2),
        )
        if report is not None:
            report(step, one_line(error))

    return before_sleep
