"""``optout-bot replica open PLATFORM``: a browser on a replica, for a person.

The replica is served exactly as a flow meets it (the same routing under the real addresses,
the same browser context and language), with a made-up account seeded, so a volunteer can walk
the pages a flow walks, in any language, page version or drift variant, and repair a flow
offline. The command waits until the person closes the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from optout_bot.browser import new_context, open_browser
from optout_bot.errors import ConfigError
from optout_bot.replica import mount
from optout_bot.run.jobs import plan_demo
from optout_bot.settings import Settings


@dataclass
class Opened:
    """What the first page showed (printed by ``--print-and-exit``)."""

    url: str
    title: str
    headings: list[str] = field(default_factory=list)


def open_replica(
    settings: Settings,
    platform: str,
    *,
    locale: str,
    page_version: str | None = None,
    drift: str | None = None,
    say: Callable[[str], None] = print,
    wait: bool = True,
) -> Opened:
    """Open the platform's login page on its replica; with ``wait``, return only once the
    person closed every tab (or the browser)."""
    plan = plan_demo([platform], locale=locale, page_version=page_version)
    job = plan.jobs[0]
    replica = job.replicas[0]
    if drift is not None:
        if drift not in replica.drifts():
            raise ConfigError(
                f"the {platform} replica has no drift {drift!r} "
                f"(has: {', '.join(replica.drifts())})"
            )
        replica.set_drift(drift)
    password = job.account.password.get_secret_value() if job.account.password else ""
    with open_browser(settings.browser) as browser:
        context = new_context(browser, locale)
        mount(context, [replica])
        page = context.new_page()
        page.goto(job.flow.URLS["login"], wait_until="domcontentloaded")
        variant = f", drift {drift}" if drift else ""
        say(
            f"{platform} replica, page version {replica.version}, language {locale}{variant}: "
            f"{page.url}"
        )
        say(
            f"Log in as {job.account.login} with password {password} (a made-up account on "
            "this machine; nothing leaves it)."
        )
        opened = _what_shows(page)
        if wait:
            say("Close the browser window when you are done.")
            _wait_until_closed(context)
        return opened


def _what_shows(page: Page) -> Opened:
    page.get_by_role("heading").or_(page.get_by_role("dialog")).first.wait_for()
    headings = [" ".join(h.split()) for h in page.get_by_role("heading").all_inner_texts()]
    return Opened(url=page.url, title=page.title(), headings=headings)


def _wait_until_closed(context: BrowserContext) -> None:
    """Until the person has closed every tab, or the whole browser."""
    while True:
        pages = [p for p in context.pages if not p.is_closed()]
        if not pages:
            return
        try:
            pages[0].wait_for_event("close", timeout=0)
        except PlaywrightError:  # the browser itself went away
            return
