"""The flow API: what a platform module subclasses and the services the engine lends it.

A flow is one class per platform with one method per named step (a template method: the
engine owns the order, the retries, the screenshots, the ledger and the logging). Steps find
elements the way a person does, by role, label and visible text from the flow's locale table,
through :meth:`Flow.find`, which names every element so that a missing one reads as
"fill: Send button not found".
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Literal, Protocol

import structlog
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Request, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from optout_bot.errors import Transient, UiChanged
from optout_bot.mail import MailPattern

GOTO_ATTEMPTS = 3

AriaRole = Any  # Playwright's Literal of ARIA roles; kept loose so flows can pass plain strings


@dataclass(frozen=True)
class Step:
    """A named step. ``changes_state`` steps are never retried blindly: the engine first asks
    the platform (``Flow.is_applied``) and, if nothing went through, restarts at
    ``restart_from``. After a ``logs_in`` step the engine saves the session."""

    name: str
    changes_state: bool = False
    restart_from: str | None = None
    logs_in: bool = False


# A step that fails transiently is retried from ``restart_from`` (itself when None): a page
# that broke mid-form is reopened rather than typed into again.
FORM_STEPS: tuple[Step, ...] = (
    Step("log_in", logs_in=True),
    Step("open_form"),
    Step("read_state", restart_from="open_form"),
    Step("fill", restart_from="open_form"),
    Step("submit", changes_state=True, restart_from="open_form"),
    Step("confirm", restart_from="open_form"),
)
SETTING_STEPS: tuple[Step, ...] = (
    Step("log_in", logs_in=True),
    Step("open_settings"),
    Step("read_state", restart_from="open_settings"),
    Step("turn_off", changes_state=True, restart_from="open_settings"),
    Step("verify", restart_from="open_settings"),
)


class State(StrEnum):
    """What ``read_state`` found on the platform before anything is changed."""

    NOT_DONE = "not_done"
    DONE = "done"


@dataclass(frozen=True)
class AccountView:
    """The account as a flow sees it. Secrets are reachable only by calling a method, so they
    never end up in a repr, a log line or the manifest by accident."""

    platform: str
    label: str
    login: str
    email: str
    locale: str
    country: str | None
    reason: str
    default_reason: str
    _password: Callable[[], str] = field(repr=False, compare=False)
    _totp_seed: Callable[[], str | None] = field(repr=False, compare=False)

    def password(self) -> str:
        return self._password()

    def has_totp_seed(self) -> bool:
        return self._totp_seed() is not None


class FlowServices(Protocol):
    """What the engine lends a flow: second factors, a person, and evidence notes."""

    def totp_code(self) -> str:
        """The current authenticator code; raises NeedsHuman when no seed is configured."""
        ...

    def email_code(self, purpose: str) -> str:
        """A code the platform emailed (replica mailbox, prompt or IMAP)."""
        ...

    def hand_over(self, what: str, *, until: Callable[[], bool]) -> None:
        """Give the page to the person (headed) until ``until()``; headless: NeedsHuman."""
        ...

    def note(self, key: str, value: Any) -> None:
        """Record a fact for the evidence manifest (form URL, version, before/after states)."""
        ...

    def submitted(self, values: Mapping[str, Any]) -> None:
        """Record the values the flow put into the form or setting."""
        ...

    def confirmation(self, text: str) -> None:
        """Record what the platform answered."""
        ...


@dataclass
class Target:
    """One way to find an element, described for humans in error messages."""

    role: AriaRole | None = None
    name: str | re.Pattern[str] | None = None
    label: str | re.Pattern[str] | None = None
    text: str | re.Pattern[str] | None = None
    testid: str | None = None
    css: str | None = None
    exact: bool = False

    def locate(self, page: Page | Locator) -> Locator:
        if self.role is not None:
            return page.get_by_role(self.role, name=self.name, exact=self.exact or None)
        if self.label is not None:
            return page.get_by_label(self.label, exact=self.exact or None)
        if self.text is not None:
            return page.get_by_text(self.text, exact=self.exact or None)
        if self.testid is not None:
            return page.get_by_test_id(self.testid)
        if self.css is not None:
            return page.locator(self.css)
        raise ValueError("a Target needs a role, label, text, testid or css")

    def describe(self) -> str:
        if self.role is not None:
            return f"role={self.role} name={_show(self.name)}"
        if self.label is not None:
            return f"label={_show(self.label)}"
        if self.text is not None:
            return f"text={_show(self.text)}"
        if self.testid is not None:
            return f"testid={self.testid!r}"
        return f"css={self.css!r}"


def _show(value: str | re.Pattern[str] | None) -> str:
    return f"/{value.pattern}/" if isinstance(value, re.Pattern) else repr(value)


class Flow:
    """Base class of every platform flow; see ``flows/facebook.py`` for a worked example.

    Class constants declare the platform (``PLATFORM``, ``DESCRIPTION``, ``KIND``, ``URLS``,
    ``LABELS`` per locale, ``LAST_CHECKED``, ``WORKING``); methods named after ``STEPS`` do the
    work. A flow never writes files, never logs secrets and never retries by itself.
    """

    PLATFORM: ClassVar[str]
    DESCRIPTION: ClassVar[str]
    KIND: ClassVar[Literal["form", "setting"]] = "form"
    URLS: ClassVar[Mapping[str, str]]
    LABELS: ClassVar[Mapping[str, Mapping[str, str]]]
    UNCONFIRMED: ClassVar[Mapping[str, frozenset[str]]] = {}
    VERSIONS: ClassVar[tuple[str, ...]] = ()
    LAST_CHECKED: ClassVar[str] = "unknown"
    FLOW_VERSION: ClassVar[str] = "1"
    WORKING: ClassVar[bool] = True
    BROKEN_REASON: ClassVar[str] = ""
    STEPS: ClassVar[tuple[Step, ...]] = FORM_STEPS
    # The platform's confirmation email, when it sends one (``optout_bot.mail``).
    CONFIRMATION_MAIL: ClassVar[MailPattern | None] = None

    def __init__(self, page: Page, account: AccountView, services: FlowServices,
                 *, urls: Mapping[str, str] | None = None, timeout_ms: float = 15_000) -> None:
        self.page = page
        self.account = account
        self.services = services
        self.urls: dict[str, str] = {**self.URLS, **(urls or {})}
        self.timeout_ms = timeout_ms
        self.step = ""
        self.last_document_status: int | None = None
        self.failed_navigation: str | None = None
        page.on("response", self._remember_document_status)
        page.on("requestfailed", self._remember_failed_navigation)

    # --- declared metadata ----------------------------------------------------------------

    @classmethod
    def locales(cls) -> tuple[str, ...]:
        return tuple(cls.LABELS)

    @classmethod
    def origins(cls) -> tuple[str, ...]:
        """The origins the flow visits, derived from ``URLS``."""
        found: list[str] = []
        for url in cls.URLS.values():
            origin = "/".join(url.split("/", 3)[:3])
            if origin not in found:
                found.append(origin)
        return tuple(found)

    def label(self, key: str) -> str:
        """The visible string ``key`` in the account's locale (English when not translated)."""
        table = self.LABELS.get(self.account.locale, {})
        if key in table:
            return table[key]
        try:
            return self.LABELS["en"][key]
        except KeyError:
            raise KeyError(f"{self.PLATFORM} flow has no label {key!r}") from None

    def any_label(self, key: str) -> re.Pattern[str]:
        """A pattern matching ``key`` in every locale: for pages whose language the account
        does not choose (e.g. the login page follows the browser's language)."""
        variants = {table[key] for table in self.LABELS.values() if key in table}
        return re.compile("|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True)))

    # --- finding elements -----------------------------------------------------------------

    def find(self, element: str, *targets: Target, required: bool = True,
             within: Locator | None = None, timeout_ms: float | None = None) -> Locator:
        """The first visible element matching any target, waiting for it to appear.

        ``element`` is the human name used in errors ("objection form: Send button"). A missing
        required element raises ``UiChanged`` (or ``Transient`` when the page itself is a
        server error); a missing optional one returns an empty locator (``count() == 0``).
        """
        scope: Page | Locator = within if within is not None else self.page
        located = [target.locate(scope) for target in targets]
        combined = located[0]
        for other in located[1:]:
            combined = combined.or_(other)
        combined = combined.filter(visible=True).first
        if not self._wait_visible(combined, timeout_ms or self.timeout_ms,
                                  fail_fast=required):
            if not required:
                return combined
            self.raise_if_server_error()
            raise UiChanged(element, step=self.step, tried=[t.describe() for t in targets],
                            detail=self._page_detail())
        return combined

    def present(self, *targets: Target, timeout_ms: float = 0) -> bool:
        """Whether any target is visible now (or within ``timeout_ms``), without failing."""
        located = self.find("", *targets, required=False, timeout_ms=timeout_ms or 1)
        return located.count() > 0 and located.is_visible()

    def wait_for_any(self, choices: Mapping[str, Sequence[Target]],
                     timeout_ms: float | None = None, what: str = "next page") -> str:
        """Wait until one of several possible pages shows; returns the name of the one seen.

        This is how a step tells apart the answers a platform may give (logged in, wrong
        password, two-factor page, checkpoint) without a fixed sleep.
        """
        union: Locator | None = None
        for targets in choices.values():
            for target in targets:
                loc = target.locate(self.page)
                union = loc if union is None else union.or_(loc)
        assert union is not None
        if not self._wait_visible(union.filter(visible=True).first,
                                  timeout_ms or self.timeout_ms, fail_fast=True):
            self.raise_if_server_error()
            tried = [t.describe() for ts in choices.values() for t in ts]
            raise UiChanged(what, step=self.step, tried=tried, detail=self._page_detail())
        for name, targets in choices.items():
            for target in targets:
                loc = target.locate(self.page).filter(visible=True)
                if loc.count() > 0:
                    return name
        return next(iter(choices))  # pragma: no cover - the union was visible a moment ago

    def _wait_visible(self, locator: Locator, timeout_ms: float, *,
                      fail_fast: bool = False) -> bool:
        """Wait for ``locator``; with ``fail_fast``, stop early (Transient) as soon as the page
        turned out to be a server error or a failed load, instead of waiting out the timeout.
        The wait is cut into slices only to look at those events; it is not a sleep."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms < 5:  # what is left is too short to ask the browser about
                return False
            try:
                locator.wait_for(state="visible",
                                 timeout=min(remaining_ms, 500) if fail_fast else remaining_ms)
                return True
            except PlaywrightTimeout:
                if fail_fast:
                    self.raise_if_server_error()

    def press_and_wait(self, button: Locator, choices: Mapping[str, Sequence[Target]], *,
                       failed: Sequence[Target], what: str, attempts: int = 1) -> str:
        """Press ``button`` and return which of ``choices`` shows. When the page says the
        request failed on the way (``failed``), press again, up to ``attempts`` times in all,
        logged; only for buttons whose request is safe to repeat (it carries no password and
        changes nothing), which the caller vouches for. What still fails is Transient."""
        for attempt in range(1, attempts + 1):
            shown = Target(role="alert").locate(self.page).filter(visible=True)
            stale = shown.first.element_handle() if shown.count() else None
            if attempt > 1 and not button.is_enabled():
                break  # the page wants a reload, not another press: start the step over
            button.click()
            if stale is not None:  # the old message must go before the new answer counts
                with contextlib.suppress(PlaywrightError):  # detached: gone, as wanted
                    stale.wait_for_element_state("hidden", timeout=self.timeout_ms)
            seen = self.wait_for_any({**choices, "_failed": list(failed)}, what=what)
            if seen != "_failed":
                return seen
            if attempt < attempts:
                structlog.get_logger("optout_bot").warning(
                    "request failed on the way; pressing again", step=self.step, what=what,
                    attempt=attempt)
        raise Transient(f"{what}: the platform's request kept failing", step=self.step)

    # --- navigation -----------------------------------------------------------------------

    def goto(self, url_or_key: str) -> Response | None:
        """Open a page by URL or by ``URLS`` key. Loading a page changes nothing, so a failed
        load is retried here a few times (backoff, logged); what still fails is Transient."""
        url = self.urls.get(url_or_key, url_or_key)
        retrying = Retrying(retry=retry_if_exception_type(Transient), reraise=True,
                            stop=stop_after_attempt(GOTO_ATTEMPTS),
                            wait=wait_exponential_jitter(multiplier=0.25, max=2),
                            before_sleep=self._log_page_retry)
        for attempt in retrying:
            with attempt:
                return self._load(url)
        raise AssertionError("unreachable")  # pragma: no cover

    def _log_page_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        structlog.get_logger("optout_bot").warning(
            "page load failed; retrying", step=self.step, cause=str(error),
            attempt=state.attempt_number)

    def _load(self, url: str) -> Response | None:
        self.failed_navigation = None
        try:
            response = self.page.goto(url, wait_until="domcontentloaded",
                                      timeout=self.timeout_ms)
        except PlaywrightTimeout as error:
            raise Transient(f"{url} did not load in time", step=self.step) from error
        except PlaywrightError as error:
            raise Transient(f"{url} could not be loaded: {_first_line(error)}",
                            step=self.step) from error
        self.raise_if_server_error()
        return response

    def _page_detail(self) -> str:
        status = self.last_document_status
        where = f"on {self.page.url}"
        return f"{where}, which answered HTTP {status}" if status and status >= 400 else where

    def raise_if_server_error(self) -> None:
        """Transient when the page now showing is a server error or a load that failed."""
        if self.failed_navigation:
            raise Transient(f"the page did not load: {self.failed_navigation}", step=self.step)
        status = self.last_document_status
        if status is not None and status >= 500:
            raise Transient(f"the platform answered HTTP {status}", step=self.step)

    def _remember_document_status(self, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.last_document_status = response.status
            self.failed_navigation = None

    def _remember_failed_navigation(self, request: Request) -> None:
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.failed_navigation = request.failure or "connection failed"

    # --- step hooks (override the ones in STEPS) ---------------------------------------------

    def check_step(self, step: str) -> None:
        """Check mode, in place of a state-changing ``step``: verify that what it would use is
        there and usable (visible, enabled, the right role and name), without acting.

        The default cannot check anything and says so; flows override it.
        """
        raise NotImplementedError(f"{self.PLATFORM} cannot check {step} without doing it")

    def is_applied(self) -> bool:
        """After a state-changing step failed in transit: is the change on the platform?

        Flows override this by re-reading the platform; the default says "cannot tell", which
        makes the engine stop instead of risking a second submission.
        """
        raise NotImplementedError


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
