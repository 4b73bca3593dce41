"""ChatGPT: turns off "Improve the model for everyone" in Settings → Data controls.
Official address: https://chatgpt.com/#settings/DataControls

Data controls show the setting as a button; it opens a dialog holding the switch, which saves
on its own (an automation script for the live site clicks test id
``improve-model-open-modal-button``, then toggles ``improve-model-toggle`` and closes the
dialog with Escape; see labels/en.toml for the sources). Only that switch is turned off; any
other switch in the dialog is reported by name and left alone. Logged-in chats only: the
setting of the logged-out mode and the mobile apps are not touched. Feedback (thumbs up or
down) can still send a chat to training. The person may sign in themselves
(``sign_in = "yourself"``); Cloudflare's "Verify you are human" ends the run ``needs_human``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from playwright.sync_api import Locator

from optout_bot import (
    SETTING_STEPS,
    LoginRejected,
    SignedIn,
    Switch,
    Target,
    UiChanged,
    read_switches,
    unknown_switches,
)

from .._switch_setting import TRAINING, SwitchSettingFlow

LOGIN_BUTTON = Target(testid="login-button")
EMAIL_FIELD = Target(input_type="email")
PASSWORD_FIELD = Target(input_type="password")
PROMPT = Target(css="#prompt-textarea")  # the chat box only a signed-in page shows
# The dialog's button and its training switch are found by their test ids (signals.toml,
# unconfirmed: the script's repository could not be resolved), their names only cross-check.


class ChatgptFlow(SwitchSettingFlow):
    PLATFORM = "chatgpt"
    SERVICE = "ChatGPT"
    SWITCH_ELEMENT = "data controls: Improve the model switch"
    PANEL_NAME = "Data controls"
    DESCRIPTION = "Data controls: “Improve the model for everyone” off (ChatGPT)"
    KIND = "setting"
    URLS: ClassVar[Mapping[str, str]] = {
        "login": "https://chatgpt.com/auth/login",
        "settings": "https://chatgpt.com/#settings/DataControls",
    }
    VERSIONS = ("2025",)
    LAST_CHECKED = "2026-12-07"
    STEPS = SETTING_STEPS
    # No step is text-only: the training switch is the one with its test id, whatever its
    # name; other switches in the dialog are named by their words only, and left alone.
    TEXT_ONLY: ClassVar[dict[str, str]] = {}
    SIGNED_IN = SignedIn(
        address=r"^https://chatgpt\.com/",
        shows=(PROMPT,),
        sign_in_shows=(LOGIN_BUTTON, EMAIL_FIELD),
    )

    def log_in(self) -> None:
        """Log in, then email, then password, each answered by ChatGPT's sign-in page."""
        self.goto("login")
        if self.next_page("sign-in page", login=[LOGIN_BUTTON]) == "signed_in":
            return
        self.find("sign-in: Log in button", LOGIN_BUTTON).click()
        self.next_page("email step", email=[EMAIL_FIELD])
        email = self.find("sign-in: email field", EMAIL_FIELD)
        email.fill(self.account.login)
        self.continue_in(email)
        self.next_page("password step", password=[PASSWORD_FIELD])
        password = self.find("sign-in: password field", PASSWORD_FIELD)
        password.fill(self.account.password())
        self.continue_in(password)
        if self.next_page("page after the password", wrong=[Target(role="alert")]) == "wrong":
            raise LoginRejected(
                "ChatGPT rejected the password; not retried, to keep the account from being locked"
            )

    def continue_in(self, field: Locator) -> None:
        self.find(
            "sign-in: Continue button",
            Target(input_type="submit", within=self.form_of(field)),
            Target(role="button", name=self.any_label("continue")),
        ).click()

    def open_panel(self) -> None:
        """Data controls list the setting as a button that opens its dialog."""
        self.find(
            "data controls: Improve the model button",
            self.signal("open_dialog"),
            Target(role="button", name=self.label("toggle_button")),
        ).click()
        self.find("data controls: model improvement dialog", Target(role="dialog"))
        self.training_switch()

    def switches(self) -> dict[str, Switch]:
        dialog = self.find("data controls: model improvement dialog", Target(role="dialog"))
        shown = self.placed(
            dialog, read_switches(dialog, [TRAINING], self.labels, self.account.locale)
        )
        self.label(TRAINING)  # the step relied on it (reports on unconfirmed labels)
        unknown = unknown_switches(shown)
        if unknown:
            self.services.note("unknown_controls", unknown)
        return {s.key or s.name: s for s in shown}

    def placed(self, dialog: Locator, shown: list[Switch]) -> list[Switch]:
        """``shown`` with the training switch known by its test id, whatever its name. Two
        with the test id, or the training name on another switch, stop the run naming both."""
        css = str(self.signal("training_switch").css)
        self.only_one(self.SWITCH_ELEMENT, dialog.locator(css))
        here = [
            bool(e.evaluate("(e, css) => e.matches(css)", css))
            for e in dialog.get_by_role("switch").all()
        ]
        if not any(here):
            return shown  # no test id: the names decide (read_state says what shows)
        pairs = list(zip(shown, here, strict=True))
        there = next(s for s, h in pairs if h)
        elsewhere = [s.name for s, h in pairs if s.key == TRAINING and not h]
        if elsewhere:
            raise UiChanged(
                self.SWITCH_ELEMENT,
                step=self.step,
                detail=f"two candidates: «{there.name}» by its test id, «{elsewhere[0]}» by "
                "its name",
            )
        return [Switch(TRAINING, s.name, s.on, s.enabled) if h else s for s, h in pairs]

    def training_switch(self) -> Locator:
        return self.find(
            "data controls: Improve the model switch",
            self.signal("training_switch"),
            Target(role="switch", name=self.label(TRAINING)),
        )
