"""Deepseek: turns off the setting that lets Deepseek train AI on your data.
TODO: name the real setting and its official address; https://www.deepseek.example is a placeholder.
Strings are in ``labels/``: TODO check each against the real pages and give it a source.
"""

from __future__ import annotations

from typing import ClassVar

from playwright.sync_api import Locator

from optout_bot import SETTING_STEPS, Flow, FlowError, LoginRejected, State, Target, UiChanged


class DeepseekFlow(Flow):
    PLATFORM = "deepseek"
    DESCRIPTION = "Deepseek setting: AI training off (TODO: the setting's real name)"
    KIND = "setting"
    URLS: ClassVar[dict[str, str]] = {
        "login": "https://www.deepseek.example/login",  # TODO: the real login page
        "settings": "https://www.deepseek.example/settings/ai",  # TODO: the real settings page
    }
    VERSIONS = ("2025",)
    LAST_CHECKED = "never"  # TODO: the date the labels were last compared with the real pages
    STEPS = SETTING_STEPS

    def log_in(self) -> None:
        """Sign in with login and password. TODO: the real site's other pages after the
        password (two-factor, security checks) and what each means for the run."""
        self.goto("login")
        signed_in = [Target(role="navigation", name=self.any_label("home"))]
        login_field = [Target(autocomplete="username"),
                       Target(label=self.any_label("login_field"))]
        if self.wait_for_any({"form": login_field, "signed_in": signed_in},
                             what="sign-in page") == "signed_in":
            return
        self.find("sign-in: login field", *login_field).fill(self.account.login)
        password = self.find("sign-in: password field", Target(autocomplete="current-password"),
                             Target(input_type="password"),
                             Target(label=self.any_label("password")))
        password.fill(self.account.password())
        self.find("sign-in: Log in button",
                  Target(input_type="submit", within=self.form_of(password)),
                  Target(role="button", name=self.label("log_in"))).click()
        seen = self.wait_for_any({
            "signed_in": signed_in,
            "wrong_password": [Target(text=self.any_label("wrong_password"))],
        }, what="page after signing in")
        if seen == "wrong_password":
            raise LoginRejected("Deepseek rejected the password; not retried, to keep the "
                                "account from being locked")

    def open_settings(self) -> None:
        self.goto("settings")
        self.find("settings: page title",
                  Target(role="heading", name=self.label("settings_title")))
        self.training_switch()
        self.services.note("form_url", self.page.url)
        self.services.note("form_version", self.VERSIONS[-1])

    def read_state(self) -> State:
        on = self.training_switch().is_checked()
        self.services.note("controls_before", {self.label("toggle"): "on" if on else "off"})
        if not on:
            return State.DONE
        self.services.submitted({self.label("toggle"): "off"})
        return State.NOT_DONE

    def turn_off(self) -> None:
        """Uncheck the switch and save; the platform's saved notice is its answer."""
        self.training_switch().uncheck()
        self.find("settings: Save button",
                  Target(role="button", name=self.label("save"), exact=True)).click()
        self.find("settings: saved notice", Target(text=self.label("saved")))

    def verify(self) -> None:
        """Reload: only what the platform stored counts."""
        self.goto("settings")
        on = self.training_switch().is_checked()
        self.services.note("controls_after", {self.label("toggle"): "on" if on else "off"})
        if on:
            raise FlowError(f"'{self.label('toggle')}' is on again after a reload: Deepseek "
                            "did not keep the change", step=self.step)
        self.services.confirmation(f"{self.label('settings_title')}: '{self.label('toggle')}'"
                                   " is off after reloading the page")

    def check_step(self, step: str) -> None:
        """Check mode: the switch is there and could be turned off; it is not touched."""
        if not self.training_switch().is_enabled():
            raise UiChanged("settings: AI-training switch (disabled)", step=self.step)

    def is_applied(self) -> bool:
        self.goto("settings")
        return not self.training_switch().is_checked()

    def training_switch(self) -> Locator:
        return self.find("settings: AI-training switch",
                         Target(role="switch", name=self.label("toggle")),
                         Target(role="checkbox", name=self.label("toggle")))
