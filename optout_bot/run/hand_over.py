"""The person hand-over: when a platform asks for something only the account's owner can give
(a code from their phone, a device approval, a captcha), the run waits in the open browser
window for them to do it, never bypasses it, and gives up after a while. Headless, nobody can
help: the run ends ``needs_human`` saying how to rerun, unless a remote helper is registered
(the local web page, ``optout_bot.ui``): then the person solves it through that page, which
shows the live page and passes their clicks and typing to it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from optout_bot.errors import NeedsHuman

WAIT_SECONDS = 300

RemoteHelper = Callable[[Page, str, str, Callable[[], bool], float], None]
"""Called as ``helper(page, who, what, until, deadline)`` in the run's own thread (Playwright
objects belong to it); returns once ``until()`` holds, raises ``NeedsHuman`` when it did not."""
_remote: list[RemoteHelper] = []


def set_remote_helper(helper: RemoteHelper | None) -> None:
    """Register (or, with None, remove) the helper that brings a headless page to the person."""
    _remote.clear()
    if helper is not None:
        _remote.append(helper)


def hand_over(
    page: Page | None,
    who: str,
    what: str,
    *,
    headless: bool,
    until: Callable[[], bool],
    log: Any,
    otherwise: str | None = None,
) -> None:
    """Tell the person ``what`` to do for ``who`` and wait until ``until()`` holds, looking
    again each time the page navigates (no polling sleep). Headless: through the local page
    when one is registered, else NeedsHuman saying ``otherwise``, or to rerun headed."""
    if headless and page is not None and _remote:
        log.info("handing over through the local page", what=what)
        _remote[0](page, who, what, until, time.monotonic() + WAIT_SECONDS)
        return
    if headless or page is None:
        raise NeedsHuman(
            otherwise or f"{what} — rerun with --headed to do it yourself in the browser"
        )
    print(f"\n>>> {who}: {what}. Waiting for you in the browser window...", file=sys.stderr)
    log.info("waiting for the person", what=what)
    deadline = time.monotonic() + WAIT_SECONDS
    while not until():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NeedsHuman(f"{what} — not done within {WAIT_SECONDS // 60} minutes")
        try:
            page.wait_for_event("framenavigated", timeout=remaining * 1000)
        except PlaywrightTimeout:
            continue
