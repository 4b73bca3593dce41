"""Claude: turns off "Help improve Claude" in Settings → Privacy (claude.ai).
Official address: https://claude.ai/settings/data-privacy-controls

Anthropic's help article names the path (Settings → Privacy → "Help Improve Claude", a switch;
privacy.anthropic.com/en/articles/12109829) and Anthropic's Claude Code documentation links the
page itself (code.claude.com/docs/en/data-usage: "Privacy settings can be changed at any time at
claude.ai/settings/data-privacy-controls"). The switch saves on its own. A guide read on
2026-10-02 gives its live name as "Help improve our AI models"; the flow accepts both (the
newer one unconfirmed, see labels/en.toml). Only it is turned off:
"Location metadata" beside it is left alone, and any other switch on the page is reported by
name and left alone. Feedback (thumbs up or down) still sends a chat to Anthropic, and the
mobile apps share the account's setting.

Claude has no password: the sign-in page asks for the email address, then Claude emails a
link and the page asks for the code that link shows (a recorded copy of the live page:
github:lukin0110/dataporter/docs/spike/claude-sign-in-link-sent.html@37f5e13, es-419, with
``data-testid="code"``, ``autocomplete="one-time-code"`` and a submit ``data-testid="continue"``;
the email step, github:lukin0110/dataporter/docs/spike/claude-sign-in-screen-2026-09-18.html
@715d1c1: ``data-testid="email"``, ``autocomplete="email"``, ``data-testid="continue"``). The
code is read from the person's mailbox (``EMAIL_CODE``: DKIM-verified, newest after the
request); the sender's domain is not in the sources found (unconfirmed: anthropic.com). The
person may sign in themselves instead (``sign_in = "yourself"``, ``optout-bot login``).
Cloudflare's "Verify you are human" ends the run ``needs_human`` with the address above.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import ClassVar

from playwright.sync_api import Locator

from optout_bot import (
    SETTING_STEPS,
    LoginRejected,
    MailPattern,
    SignedIn,
    Switch,
    Target,
    read_switches,
    unknown_switches,
)

from .._switch_setting import TRAINING, SwitchSettingFlow

LOCATION = "location_metadata"  # a known switch that is not about training: left alone
EMAIL_FIELD = Target(testid="email")
CODE_FIELD = Target(testid="code")
CONTINUE = "continue"  # the test id of the submit button of both sign-in steps
# The chat box of a signed-in page (the sign-in page has none). A recorded sign-in names the
# page it lands on, /new, with its message box (github:lukin0110/dataporter/docs/
# claude-ui-map.md@a726be2, "signed in by the link"); that it is contenteditable is that
# project's reading, unconfirmed.
COMPOSER = Target(css='[contenteditable="true"]')
PRIVACY = Target(css='[data-perf-screen="data-privacy-controls"]')  # same map, unconfirmed


class ClaudeFlow(SwitchSettingFlow):
    PLATFORM = "claude"
    SERVICE = "Claude"
    SWITCH_ELEMENT = "privacy: Help improve Claude switch"
    PANEL_NAME = "Privacy"
    DESCRIPTION = "Privacy: “Help improve Claude” off (Claude)"
    KIND = "setting"
    URLS: ClassVar[Mapping[str, str]] = {
        "login": "https://claude.ai/login",
        "home": "https://claude.ai/new",
        "settings": "https://claude.ai/settings/data-privacy-controls",
    }
    VERSIONS = ("2025",)
    LAST_CHECKED = "2026-12-07"
    STEPS = SETTING_STEPS
    TEXT_ONLY: ClassVar[dict[str, str]] = dict.fromkeys(
        ("open_settings", "read_state", "turn_off", "verify"),
        "the Privacy panel's switches (Help improve Claude, Location metadata) are told apart "
        "only by their names: its rows have no test id and React's own ids "
        "(github:lukin0110/dataporter/docs/claude-ui-map.md@262f318, export button row)",
    )
    NEEDS_PASSWORD = False
    EMAIL_CODE = MailPattern(domains=("anthropic.com",), code=r"(?<!\d)(\d{6,8})(?!\d)")
    SIGNED_IN = SignedIn(
        address=r"^https://claude\.ai/(?!login)",
        shows=(COMPOSER,),
        sign_in_shows=(EMAIL_FIELD,),
        check_at="home",
    )

    def log_in(self) -> None:
        """Email address, then the code Claude emails, each answered by the sign-in page."""
        self.goto("login")
        if self.next_page("sign-in page", email=[EMAIL_FIELD]) == "signed_in":
            return
        email = self.find("sign-in: email field", EMAIL_FIELD, Target(input_type="email"))
        email.fill(self.account.login)
        requested = datetime.now(UTC)
        self.continue_in(email)
        self.next_page("code step", code=[CODE_FIELD])
        code = self.services.email_code("sign-in code", requested=requested)
        field = self.find(
            "sign-in: verification code field", CODE_FIELD, Target(autocomplete="one-time-code")
        )
        field.fill(code)
        self.continue_in(field)
        if self.next_page("page after the code", wrong=[Target(role="alert")]) == "wrong":
            raise LoginRejected("Claude did not accept the emailed code; not tried again")

    def continue_in(self, field: Locator) -> None:
        form = self.form_of(field)
        self.find(
            "sign-in: Continue button",
            Target(testid=CONTINUE, within=form),
            Target(input_type="submit", within=form),
        ).click()

    def open_panel(self) -> None:
        """The Privacy panel is the settings page itself: the switch shows there."""
        self.training_switch()

    def privacy_panel(self) -> Locator:
        return self.find("settings: Privacy", PRIVACY)

    def switches(self) -> dict[str, Switch]:
        shown = read_switches(
            self.privacy_panel(), [TRAINING, LOCATION], self.labels, self.account.locale
        )
        self.label(TRAINING)  # the step relied on it (reports on unconfirmed labels)
        unknown = unknown_switches(shown)
        if unknown:
            self.services.note("unknown_controls", unknown)
        return {s.key or s.name: s for s in shown}

    def left_as_they_were(self, shown: Mapping[str, Switch]) -> list[str]:
        """Every switch but the training one (Location metadata included) is named."""
        return [s.name for s in shown.values() if s.key != TRAINING]

    def training_switch(self) -> Locator:
        return self.find(
            "privacy: Help improve Claude switch",
            Target(role="switch", name=self.label(TRAINING), within=self.privacy_panel()),
        )
