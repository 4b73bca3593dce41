"""Bot walls: pages a platform's security vendor shows instead of the platform when it takes
the browser for a program ("Verify you are human"). optout-bot never gets past one (no stealth
plugin, nothing that hides automation): headed, the person deals with it in the window;
headless, the run ends ``needs_human`` with the platform's own address for the setting and
the steps to take there by hand (``Flow.at_bot_wall``).

What a wall looks like is the vendor's, not a platform's, so it lives here and every flow
recognises it the same way. Each signature carries its source.
"""

from __future__ import annotations

from dataclasses import dataclass

from optout_bot.flow.page import Target


@dataclass(frozen=True)
class BotWall:
    """One vendor's challenge as a page shows it: how to recognise it, its name for people,
    and where we saw it."""

    name: str
    targets: tuple[Target, ...]
    source: str
    date: str


CLOUDFLARE = BotWall(
    name="Cloudflare “Verify you are human”",
    targets=(Target(css='iframe[title="Widget containing a Cloudflare security challenge"]'),),
    # A Playwright recording against an AI chat service's sign-in, where Cloudflare's widget
    # stood in front of the page: frameLocator('iframe[title="Widget containing a
    # Cloudflare security challenge"]').getByLabel('Verify you are human').
    source="github:nagadurgakokkiligadda/Automation-D1/mytest.spec.js"
    "@ae0580f94da99256997409b6cad3e48f3db71603",
    date="2023-10-11",
)

WALLS: tuple[BotWall, ...] = (CLOUDFLARE,)


def targets() -> list[Target]:
    """Every known wall's signature, for a step's ``wait_for_any`` choices."""
    return [target for wall in WALLS for target in wall.targets]
