"""DeepSeek: turns off "Improve the model for everyone" in Settings → Data.
Official address: https://chat.deepseek.com/ (the setting has no address of its own: the
account menu beside the person's name → Settings → Data).

DeepSeek added the switch in April 2025 after the Korean privacy commission's review; its
Korean privacy policy names it. The sign-in page (/sign_in) opens on a code login; the flow
changes to the password login and signs in with the email and password. Only the training
switch is turned off; any other switch in the Data tab is reported by name and left alone.
What was shared before the switch went off is not withdrawn by it. The person may sign in
themselves (``sign_in = "yourself"``); a Cloudflare check ends the run ``needs_human``.
Roles of the menu, the tab and the switch are modelled: no source shows them (labels/).
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
    read_switches,
    unknown_switches,
)

from .._switch_setting import TRAINING, SwitchSettingFlow

CHAT_INPUT = Target(css="textarea#chat-input")  # only a signed-in page has the chat box
PASSWORD_FIELD = Target(input_type="password")
ACCOUNT_FIELD = Target(input_type="text")


class DeepseekFlow(SwitchSettingFlow):
    PLATFORM = "deepseek"
    SERVICE = "DeepSeek"
    SWITCH_ELEMENT = "settings: Improve the model switch"
    PANEL_NAME = "Settings → Data"
    DESCRIPTION = "Settings → Data: “Improve the model for everyone” off (DeepSeek)"
    KIND = "setting"
    URLS: ClassVar[Mapping[str, str]] = {
        "login": "https://chat.deepseek.com/sign_in",
        "settings": "https://chat.deepseek.com/",
    }
    VERSIONS = ("2025",)
    LAST_CHECKED = "2026-12-07"
    STEPS = SETTING_STEPS
    TEXT_ONLY: ClassVar[dict[str, str]] = {
        "log_in": "the code login's Password login switch and the Log in button are found only by "
        "their names (the password field's type is the only attribute a source shows)",
        "open_settings": "the account menu, its Settings item and the dialog's Data tab are found "
        "only by their names",
        **{
            step: "the settings dialog's switch is found only by its name"
            for step in ("read_state", "turn_off", "verify")
        },
    }
    SIGNED_IN = SignedIn(
        address=r"^https://chat\.deepseek\.com/",
        shows=(CHAT_INPUT,),
        sign_in_shows=(PASSWORD_FIELD, ACCOUNT_FIELD),
    )

    def log_in(self) -> None:
        """The code login first; its password login, then the account and password."""
        self.goto("login")
        code_login = [Target(role="button", name=self.any_label("password_login"))]
        seen = self.next_page("sign-in page", password=[PASSWORD_FIELD], code=code_login)
        if seen == "signed_in":
            return
        if seen == "code":
            self.find("sign-in: password login", *code_login).click()
            self.next_page("password login", password=[PASSWORD_FIELD])
        self.find(
            "sign-in: phone number / email field",
            ACCOUNT_FIELD,
            Target(role="textbox", name=self.any_label("account")),
        ).fill(self.account.login)
        self.find("sign-in: password field", PASSWORD_FIELD).fill(self.account.password())
        self.find(
            "sign-in: Log in button", Target(role="button", name=self.any_label("log_in"))
        ).click()
        wrong = [Target(text=self.any_label("wrong_password"))]
        if self.next_page("page after the password", wrong=wrong) == "wrong":
            raise LoginRejected(
                "DeepSeek rejected the password; not retried, to keep the account from being locked"
            )

    def open_panel(self) -> None:
        """The account menu beside the person's name → Settings → the dialog's Data tab."""
        self.find(
            "sidebar: account menu", Target(role="button", name=self.label("account_menu"))
        ).click()
        self.find(
            "account menu: Settings", Target(role="menuitem", name=self.label("settings"))
        ).click()
        dialog = self.settings_dialog()
        self.find(
            "settings: Data tab", Target(role="tab", name=self.label("data_tab")), within=dialog
        ).click()
        self.training_switch()

    def settings_dialog(self) -> Locator:
        return self.find("settings dialog", Target(role="dialog"))

    def switches(self) -> dict[str, Switch]:
        shown = read_switches(self.settings_dialog(), [TRAINING], self.labels, self.account.locale)
        self.label(TRAINING)  # the step relied on it (reports on unconfirmed labels)
        unknown = unknown_switches(shown)
        if unknown:
            self.services.note("unknown_controls", unknown)
        return {s.key or s.name: s for s in shown}

    def training_switch(self) -> Locator:
        return self.find(
            "settings: Improve the model switch",
            Target(role="switch", name=self.label(TRAINING)),
            within=self.settings_dialog(),
        )
