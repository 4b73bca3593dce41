"""Signing in yourself: the person signs in once in a window, the engine keeps the session.

``optout-bot login LABEL`` opens the platform's sign-in page in a headed window and waits
until the page is a signed-in one, by the address and structure the flow declares
(``Flow.SIGNED_IN``); then it keeps the session as every login is kept (``sessions``: 0600,
outside the evidence). No password is typed by the tool or stored for such an account. A
later run, in place of the flow's ``log_in``, opens the page the flow names and goes on when
it is signed in; when the platform shows its sign-in page instead the kept session has
expired: headless, the run ends ``needs_human`` saying how to renew it; headed, the person
may sign in again right there (the same choice as the login command).
"""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from optout_bot import browser as browsers
from optout_bot.browser import sessions
from optout_bot.errors import ConfigError, NeedsHuman
from optout_bot.flow import Flow
from optout_bot.flow.page import Target
from optout_bot.flow.sign_in import SignedIn
from optout_bot.log import get_logger
from optout_bot.records.locales import wording
from optout_bot.replica import mount
from optout_bot.run.hand_over import hand_over
from optout_bot.settings import PlatformOptions, Settings

if TYPE_CHECKING:
    from optout_bot.run.job import Job

WAIT_SECONDS = 300


def declared(flow: type[Flow] | Flow) -> SignedIn:
    """The flow's signed-in page, or a configuration error naming the platform."""
    signed_in = flow.SIGNED_IN
    if signed_in is None:
        raise ConfigError(
            f"{flow.PLATFORM}: this flow cannot tell a signed-in page yet, so signing in "
            "yourself (sign_in = 'yourself', optout-bot login) is not available for it"
        )
    return signed_in


def use_kept_session(flow: Flow, *, label: str, kept: bool, headless: bool) -> None:
    """The ``log_in`` step of an account the person signs in to themselves."""
    signed_in = declared(flow)
    flow.goto(signed_in.check_at)
    seen = flow.wait_for_any(
        {
            "signed_in": list(signed_in.shows),
            "sign_in": list(signed_in.sign_in_shows),
            "bot_wall": flow.bot_wall_targets(),
        },
        what="sign-in: signed-in page or sign-in page",
    )
    if seen == "bot_wall":
        flow.at_bot_wall()
        seen = "signed_in" if flow.signed_in_now() else "sign_in"
    if seen == "signed_in" and re.search(signed_in.address, flow.page.url):
        flow.services.note("sign_in", "a session kept from the person's own sign-in")
        return
    said = wording(flow.account.locale)
    key = "person.session_expired" if kept else "person.no_session"
    message = said.text(key, platform=flow.PLATFORM, label=label)
    if headless:
        raise NeedsHuman(message, step=flow.step)
    print(f"\n>>> {message}", file=sys.stderr)
    await_sign_in(flow, said.text("person.sign_in_here", platform=flow.PLATFORM))
    flow.services.note("sign_in", "the person signed in in the window")


def await_sign_in(flow: Flow, what: str, seconds: float = WAIT_SECONDS) -> None:
    """Wait, without a sleep, until the page is signed in (the flow's structure shows on its
    signed-in address): each wait ends when the structure appears or the page navigates."""
    signed_in = declared(flow)
    print(f"\n>>> {flow.PLATFORM}: {what}", file=sys.stderr)
    shows = _union(flow.page, signed_in.shows)
    deadline = time.monotonic() + seconds
    while True:
        remaining_ms = (deadline - time.monotonic()) * 1000
        if remaining_ms <= 0:
            raise NeedsHuman(
                f"{flow.PLATFORM}: not signed in within {seconds / 60:g} minutes", step=flow.step
            )
        try:
            shows.first.wait_for(state="visible", timeout=remaining_ms)
        except PlaywrightTimeout:
            continue
        if re.search(signed_in.address, flow.page.url):
            return
        try:
            flow.page.wait_for_event("framenavigated", timeout=remaining_ms)
        except PlaywrightTimeout:
            continue


def sign_in_and_keep(
    flow: Flow,
    context: BrowserContext,
    session: Path,
    *,
    save: Callable[[BrowserContext, Path], None],
    seconds: float = WAIT_SECONDS,
    headless: bool = False,
) -> Path:
    """The login command's work in an open window: the platform's sign-in page, the wait
    for the person, then the session kept. Headless (the local page without a display), the
    person signs in through the page's hand-over view, or it ends ``needs_human``."""
    signed_in = declared(flow)
    flow.step = "log_in"
    flow.goto(signed_in.start_at)
    said = wording(flow.account.locale)
    what = said.text("person.sign_in_here", platform=flow.PLATFORM)
    if headless:
        hand_over(
            flow.page,
            f"{flow.PLATFORM}/{flow.account.label}",
            what,
            headless=True,
            until=flow.signed_in_now,
            log=get_logger(platform=flow.PLATFORM),
        )
    else:
        await_sign_in(flow, what, seconds)
    save(context, session)
    return session


def _union(page: Page, targets: Sequence[Target]) -> Locator:
    union: Locator | None = None
    for target in targets:
        located = target.locate(page).filter(visible=True)
        union = located if union is None else union.or_(located)
    assert union is not None, "SignedIn.shows needs a target"
    return union


class WindowServices:
    """What a flow is lent in the login window: nothing there is evidence, and no code is
    typed by the tool (the person signs in)."""

    def __init__(self, page: Page, who: str, log: Any) -> None:
        self._page, self._who, self._log = page, who, log

    def totp_code(self) -> str:
        raise NeedsHuman("type the authenticator code yourself in the window")

    def email_code(self, purpose: str, *, requested: datetime | None = None) -> str:
        raise NeedsHuman(f"{purpose}: type the emailed code yourself in the window")

    def hand_over(
        self, what: str, *, until: Callable[[], bool], otherwise: str | None = None
    ) -> None:
        hand_over(self._page, self._who, what, headless=False, until=until, log=self._log)

    def note(self, key: str, value: Any) -> None:
        self._log.info("login window", **{key: value})

    def submitted(self, values: Mapping[str, Any]) -> None:
        return None

    def confirmation(self, text: str) -> None:
        return None


def log_in_yourself(
    settings: Settings,
    job: Job,
    browser: Browser,
    *,
    prepare: Callable[[Page], None] | None = None,
    seconds: float = WAIT_SECONDS,
    headless: bool = False,
) -> Path:
    """``optout-bot login``: a fresh window at the platform's sign-in page, the wait for the
    person, the session kept where runs look for it. ``prepare`` is given the page before
    the sign-in page opens (tests put the person's hands there). ``headless``: no window;
    the person signs in through the local page (``run.hand_over``'s remote helper)."""
    from optout_bot.run.services import account_view

    session = session_path(settings, job)
    if session is None:
        raise ConfigError("output.save_sessions is off: a sign-in of your own cannot be kept")
    declared(job.flow)
    log = get_logger(platform=job.flow.PLATFORM, account=job.label)
    context = browsers.new_context(browser, job.account.locale)
    try:
        if job.replicas:
            mount(context, job.replicas)
        page = context.new_page()
        page.set_default_timeout(settings.browser.timeout_ms)
        who = f"{job.flow.PLATFORM}/{job.label}"
        flow = job.flow(
            page,
            account_view(job),
            WindowServices(page, who, log),
            urls=settings.platforms.get(job.flow.PLATFORM, PlatformOptions()).urls,
            timeout_ms=settings.browser.timeout_ms,
        )
        if prepare is not None:
            prepare(page)
        kept = sign_in_and_keep(
            flow, context, session, save=sessions.save_session, seconds=seconds, headless=headless
        )
        log.info("session kept from the person's own sign-in")
        return kept
    finally:
        with contextlib.suppress(PlaywrightError):
            context.close()


def session_path(settings: Settings, job: Job) -> Path | None:
    """Where the job's login is kept between runs; None when the settings keep no logins."""
    output = settings.output
    if not output.save_sessions:
        return None
    return sessions.session_file(output.sessions_dir, job.mode, job.flow.PLATFORM, job.label)
