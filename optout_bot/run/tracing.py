"""A Playwright trace of each run, kept in the evidence folder only when the run failed.

A trace records everything the page saw and every action's parameters: typed values, request
bodies, DOM snapshots. So before it is kept, every member of the zip is scrubbed of the run's
secrets in every spelling they can take there (as typed, URL-encoded, JSON-escaped); the test
scans the unzipped bytes for them.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import quote, quote_plus

from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError

from optout_bot.log import REDACTED

TRACE = "trace.zip"


def start(context: BrowserContext) -> bool:
    """Start recording; False when the browser cannot trace (a remote one, say)."""
    try:
        context.tracing.start(screenshots=True, snapshots=True)
    except PlaywrightError:
        return False
    return True


def stop(context: BrowserContext, keep: bool, secrets: Iterable[str]) -> bytes | None:
    """Stop recording; when ``keep``, the trace zip with ``secrets`` scrubbed out."""
    try:
        if not keep:
            context.tracing.stop()
            return None
        with TemporaryDirectory(prefix="optout-trace-") as folder:
            path = Path(folder) / TRACE
            context.tracing.stop(path=str(path))
            return scrub_zip(path.read_bytes(), secrets)
    except PlaywrightError:  # the browser died with the run; there is nothing to keep
        return None


def spellings(secret: str) -> list[str]:
    """The ways ``secret`` can appear in a trace's text, longest first."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    return sorted((f for f in forms if f), key=len, reverse=True)


def scrub_zip(data: bytes, secrets: Iterable[str]) -> bytes:
    """A copy of the zip with every spelling of every secret replaced, member by member."""
    needles = [s.encode("utf-8") for secret in secrets if secret for s in spellings(secret)]
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            content = source.read(member)
            for needle in needles:
                content = content.replace(needle, REDACTED.encode("utf-8"))
            out.writestr(member.filename, content)
    return target.getvalue()
