"""What a flow declares so that a person can sign in themselves, and what every flow shares
at a bot wall.

A flow that declares ``SIGNED_IN`` (the address and structure of a signed-in page, and of its
sign-in page) lets the person sign in once in a window (``optout-bot login LABEL``); the
engine keeps that session and later runs use it (``optout_bot.run.yourself``). A flow whose
platform signs in with a code sent by email declares ``EMAIL_CODE`` (the sender's domains
and the code's pattern); the engine reads the code from the person's mailbox, DKIM-verified
(``optout_bot.run.email_code``). At a bot wall (``optout_bot.flow.bot_walls``) a flow calls
:meth:`SignInPart.at_bot_wall`: headed, the person deals with it; headless, the run ends
``needs_human`` with the platform's own address and the steps in the person's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from optout_bot.errors import NeedsHuman
from optout_bot.flow import bot_walls
from optout_bot.flow.page import Target
from optout_bot.records.locales import wording

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from optout_bot.labels import Label


@dataclass(frozen=True)
class SignedIn:
    """How a signed-in page differs from the sign-in page, by what does not depend on the
    language: ``address`` (a pattern searched in the page's address once signed in) and
    ``shows`` (elements only a signed-in page has); ``sign_in_shows`` are the sign-in page's.
    ``check_at`` is the ``URLS`` key opened to see whether a kept session still holds,
    ``start_at`` the one where the person signs in."""

    address: str
    shows: tuple[Target, ...]
    sign_in_shows: tuple[Target, ...]
    check_at: str = "settings"
    start_at: str = "login"


class SignsIn(Protocol):
    """What :class:`SignInPart` reads from the flow holding it (``optout_bot.flow.flow.Flow``)."""

    PLATFORM: ClassVar[str]
    SIGNED_IN: ClassVar[SignedIn | None]
    MANUAL_STEPS_KEY: ClassVar[str]
    services: Any  # FlowServices (optout_bot.flow.flow, which holds this part)
    account: Any  # AccountView, likewise

    @property
    def page(self) -> Page: ...
    @property
    def urls(self) -> dict[str, str]: ...
    @property
    def step(self) -> str: ...

    def label(self, key: str) -> Label: ...
    def present(self, *targets: Target, timeout_ms: float = 0) -> bool: ...


class SignInPart:
    """Held by ``Flow``: what its sign-in declarations mean on the page, and the bot-wall stop."""

    def __init__(self, flow: SignsIn) -> None:
        self.flow = flow

    def signed_in_now(self) -> bool:
        """Whether this page is a signed-in one (address and structure both)."""
        declared = self.flow.SIGNED_IN
        if declared is None:
            return False
        return bool(re.search(declared.address, self.flow.page.url)) and self.flow.present(
            *declared.shows
        )

    def bot_wall_targets(self) -> list[Target]:
        """Every known bot wall, as choices for a step's ``wait_for_any``."""
        return bot_walls.targets()

    def bot_wall_shown(self) -> bot_walls.BotWall | None:
        return next((w for w in bot_walls.WALLS if self.flow.present(*w.targets)), None)

    def manual_instructions(self, wall: str) -> str:
        """What the person does by hand, in their language: the platform's own address of
        the setting and the steps there (the flow's ``manual_steps`` label)."""
        text = wording(self.flow.account.locale).text(
            "person.bot_wall",
            platform=self.flow.PLATFORM,
            wall=wall,
            address=self.flow.urls["settings"],
            steps=str(self.flow.label(self.flow.MANUAL_STEPS_KEY)),
        )
        return text

    def at_bot_wall(self) -> None:
        """A bot wall stands in front of the page: never get past it. Headed, the person
        deals with it in the window and the step goes on once it is gone; headless, the run
        ends ``needs_human`` saying what to do by hand."""
        wall = self.bot_wall_shown()
        name = wall.name if wall is not None else "a check whether you are a person"
        instructions = self.manual_instructions(name)
        self.flow.services.note("bot_wall", name)
        self.flow.services.hand_over(
            instructions,
            until=lambda: self.bot_wall_shown() is None,
            otherwise=instructions,
        )

    def stop_at_bot_wall(self) -> None:
        """Raise ``needs_human`` with the manual steps, whoever is at the window (for a
        platform that refuses automated browsers even after a person dealt with the wall)."""
        wall = self.bot_wall_shown()
        raise NeedsHuman(
            self.manual_instructions(wall.name if wall else "a check whether you are a person"),
            step=self.flow.step,
        )
