"""A Playwright trace of each run, kept in the evidence folder only when the run failed.

A trace records everything the page saw and every action's parameters: typed values, request
bodies and headers, cookies, DOM snapshots. It is recorded without the screencast (pixels of a
typed one-time code cannot be scrubbed; the evidence keeps a masked screenshot of every step),
written by Playwright into the run's private scratch folder (``optout_bot.browser.scratch``), and
rewritten by ``trace_scrub`` before it is kept: no password in any spelling, no cookie or
token, no one-time code. The tests unzip it and scan every byte.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import quote, quote_plus

import pyotp
from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError

from optout_bot.browser.trace_scrub import scrub_trace

TRACE = "trace.zip"
TOTP_STEP_SECONDS = 30


def start(context: BrowserContext) -> bool:
    """Start recording; False when the browser cannot trace (a remote one, say). No
    screencast: ``trace_scrub`` drops every frame of one before a trace is kept (pixels cannot
    be scrubbed), so recording it only cost the run CPU."""
    try:
        context.tracing.start(screenshots=False, snapshots=True)
    except PlaywrightError:
        return False
    return True


def stop(context: BrowserContext, keep: bool, secrets: Iterable[str]) -> bytes | None:
    """Stop recording; when ``keep``, the trace zip with ``secrets`` and the context's cookie
    values scrubbed out."""
    try:
        if not keep:
            context.tracing.stop()
            return None
        cookies = [c.get("value", "") for c in context.cookies()]
        with TemporaryDirectory(prefix="optout-trace-") as folder:
            path = Path(folder) / TRACE
            context.tracing.stop(path=str(path))
            return scrub_zip(path.read_bytes(), [*secrets, *cookies])
    except PlaywrightError:  # the browser died with the run; there is nothing to keep
        return None


def one_time_codes(seed: str | None, since: float) -> list[str]:
    """Every code ``seed`` gave from a step before ``since`` to a step after now: the ones a
    run may have typed, however it came by them."""
    if not seed:
        return []
    totp = pyotp.TOTP(seed)
    now = time.time()
    steps = range(
        int(since) - TOTP_STEP_SECONDS, int(now) + 2 * TOTP_STEP_SECONDS, TOTP_STEP_SECONDS
    )
    return sorted({totp.at(moment) for moment in steps})


def spellings(secret: str) -> list[str]:
    """Common ways ``secret`` can appear in text, longest first (what the leak tests scan for;
    the trace scrubber itself matches every spelling, ``secret_spellings``)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    return sorted((f for f in forms if f), key=len, reverse=True)


def scrub_zip(data: bytes, secrets: Iterable[str]) -> bytes:
    """The trace zip ``data`` rewritten to hold none of ``secrets`` and no cookie value."""
    return scrub_trace(data, secrets)
