"""Signing in yourself from the page (``sign_in = "yourself"`` accounts): the same work as
``optout-bot login`` (``run.yourself.log_in_yourself``), started by a button. With a display
the platform's sign-in page opens in a window; without one (a container, a server) the person
signs in through the page's hand-over view, which shows the live page and passes their
clicks and typing to it. The tool never types the person's password.

Against the replicas (practice), the made-up replica account gets a made-up password shown
on the page, and that replica is kept so a later practice run meets the same session.
"""

from __future__ import annotations

import os
import secrets

from optout_bot.errors import ConfigError, NeedsHuman
from optout_bot.log import redactor
from optout_bot.replica import Replica
from optout_bot.run.engine import RunResult
from optout_bot.run.job import Job
from optout_bot.settings import Settings
from optout_bot.ui.runs import Board


def has_display() -> bool:
    """Whether a window can be shown to the person (else: the hand-over view)."""
    from optout_bot.ui.guard import CONTAINER_ENV

    if os.environ.get(CONTAINER_ENV) == "1":
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def practice_password(jobs: list[Job]) -> str:
    """Reseed each job's replica account with a made-up password the person types themselves."""
    made_up = f"practice-{secrets.token_hex(4)}"
    for job in jobs:
        for replica in job.replicas:
            replica.seed_account(
                login=job.account.login,
                password=made_up,
                email=job.account.form_email_or_none() or job.account.login,
                locale=job.account.locale,
                country=job.account.country,
            )
    return made_up


def sign_in(board: Board, settings: Settings, jobs: list[Job]) -> list[RunResult]:
    """Each account's sign-in in turn, its end posted as a result row (no run result: a
    sign-in changes nothing at the platform and writes no evidence)."""
    from optout_bot.browser import open_browser
    from optout_bot.run.yourself import log_in_yourself

    headless = not has_display()
    chosen = settings.browser.model_copy(update={"headless": headless})
    with open_browser(chosen) as browser:
        for job in jobs:
            who = {"platform": job.flow.PLATFORM, "account": job.label}
            board.post({"event": "step", **who, "step": "log_in", "detail": ""})
            try:
                log_in_yourself(settings, job, browser, headless=headless)
            except (NeedsHuman, ConfigError) as error:
                detail, outcome = redactor.scrub(str(error)), "needs_human"
            else:
                detail, outcome = "", "signed_in"
            board.post(
                {"event": "result", **who, "outcome": outcome, "proof": "", "detail": detail}
            )
    return []


def kept_replicas(jobs: list[Job]) -> dict[str, Replica]:
    return {f"{j.flow.PLATFORM}/{j.label}": j.replicas[0] for j in jobs if j.replicas}
