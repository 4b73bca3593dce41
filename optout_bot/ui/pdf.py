"""Receipts and letters as PDF: the HTML the tool already wrote, printed to A4 by the
project's own Chromium (``optout_bot.browser.launch``), headless, in a thread of its own (the
sync API refuses a thread that runs an event loop, and the run's browser belongs to the run).

The document is set as the page's content with every request refused: nothing it names is
fetched (no font, picture or address from anywhere), so printing reaches nothing outside.
"""

from __future__ import annotations

import threading

from playwright.sync_api import Route, sync_playwright

from optout_bot.browser import launch
from optout_bot.settings import BrowserSettings

_one_at_a_time = threading.Lock()


def print_pdf(html: str, settings: BrowserSettings, locale: str) -> bytes:
    """``html`` printed to an A4 PDF (call from a worker thread, e.g. ``asyncio.to_thread``)."""
    headless = settings.model_copy(update={"headless": True, "endpoint": None})
    with _one_at_a_time, sync_playwright() as playwright:
        browser = launch(playwright, headless)
        try:
            context = browser.new_context(locale=locale, java_script_enabled=False)
            context.route("**/*", _refuse)
            page = context.new_page()
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True, prefer_css_page_size=False)
        finally:
            browser.close()


def _refuse(route: Route) -> None:
    route.abort()
