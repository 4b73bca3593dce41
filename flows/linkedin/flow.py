"""LinkedIn: turns off "Use my data for training content creation AI models" under
Settings & Privacy → Data privacy → "Data for Generative AI Improvement".
Official setting: https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement
Strings are in ``labels/``; last checked against platforms.md (late 2025), 2026-11-25.
"""

from __future__ import annotations

from typing import ClassVar

from playwright.sync_api import Locator, expect

from optout_bot import (
    SETTING_STEPS,
    Flow,
    FlowError,
    LoginRejected,
    State,
    Target,
    Transient,
    UiChanged,
    Unavailable,
)


class LinkedInFlow(Flow):
    PLATFORM = "linkedin"
    DESCRIPTION = "LinkedIn setting: Data for Generative AI Improvement"
    KIND = "setting"
    URLS: ClassVar[dict[str, str]] = {
        "login": "https://www.linkedin.com/login",
        "settings": "https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement",
    }
    VERSIONS = ("2025",)
    LAST_CHECKED = "2026-11-25"
    STEPS = SETTING_STEPS

    def log_in(self) -> None:
        """Sign in with login and password; a security check is the person's to pass."""
        self.goto("login")
        signed_in = [Target(role="navigation", name=self.any_label("primary_nav"))]
        login_field = [Target(autocomplete="username"), Target(field_name="session_key"),
                       Target(label=self.any_label("login_field"))]
        if self.wait_for_any({"form": login_field,
                              "signed_in": signed_in}, what="sign-in page") == "signed_in":
            return
        self.find("sign-in: Email or phone field", *login_field).fill(self.account.login)
        password = self.find(
            "sign-in: Password field", Target(autocomplete="current-password"),
            Target(field_name="session_password"), Target(input_type="password"),
            Target(label=self.any_label("password")))
        password.fill(self.account.password())
        self.find("sign-in: Sign in button",
                  Target(input_type="submit", within=self.form_of(password)),
                  Target(role="button", name=self.any_label("sign_in"))).click()
        seen = self.wait_for_any({
            "signed_in": signed_in,
            "wrong_password": [Target(text=self.any_label("wrong_password"))],
            "unknown_login": [Target(text=self.any_label("unknown_login"))],
            "security_check": [Target(role="heading", name=self.any_label("security_check"))],
            "refused": [Target(role="alert")],
        }, what="page after signing in")
        if seen == "wrong_password":
            raise LoginRejected("LinkedIn rejected the password; not retried, to keep the "
                                "account from being locked")
        if seen in ("unknown_login", "refused"):
            said = self.page.get_by_role("alert").first.inner_text().strip()
            raise LoginRejected(f"LinkedIn refused the login {self.account.login!r}: {said}")
        if seen == "security_check":
            self.services.hand_over("pass LinkedIn's security check",
                                    until=lambda: "/checkpoint/" not in self.page.url)
            self.find("signed-in navigation", *signed_in)

    def open_settings(self) -> None:
        """Open the setting; where LinkedIn does not offer it, the address shows the Data
        privacy list without it."""
        self.goto("settings")
        seen = self.wait_for_any({
            "setting": self.toggle_targets(),
            "missing": [Target(role="heading", name=self.label("data_privacy"), exact=True)],
        }, what="Data for Generative AI Improvement page")
        if seen == "missing":
            raise Unavailable("LinkedIn does not offer 'Data for Generative AI Improvement' to "
                              "this account (it first left it out where it did not train on "
                              "members' data: the EU/EEA, Switzerland and the UK)")
        self.find("settings: page title", Target(role="heading", name=self.label(
            "settings_title")))
        self.services.note("form_url", self.page.url)
        self.services.note("form_version", self.VERSIONS[-1])

    def read_state(self) -> State:
        on = self.training_toggle().is_checked()
        self.services.note("controls_before", {self.label("toggle"): "on" if on else "off"})
        if not on:
            return State.DONE
        self.services.submitted({self.label("toggle"): "off"})
        return State.NOT_DONE

    def turn_off(self) -> None:
        """Click the switch once and wait for LinkedIn's answer: the switch Off and usable
        again, or an alert that the save failed."""
        self.training_toggle().click()
        saved = self.page.get_by_role("switch", name=self.matching("toggle"), checked=False,
                                      disabled=False)
        try:
            expect(saved.or_(self.page.get_by_role("alert")).first).to_be_visible(
                timeout=self.timeout_ms)
        except AssertionError:
            raise UiChanged("settings: switch in its Off position", step=self.step) from None
        if self.present(Target(role="alert")):
            said = self.page.get_by_role("alert").first.inner_text().strip()
            raise Transient(f"LinkedIn did not save the change: {said}", step=self.step)

    def check_step(self, step: str) -> None:
        """Check mode: the switch is there and could be turned Off; it is not touched."""
        if not self.training_toggle().is_enabled():
            raise UiChanged("settings: training switch (disabled)", step=self.step)

    def verify(self) -> None:
        """Reload: the page must show the state LinkedIn stored, not what the browser had."""
        self.goto("settings")
        on = self.training_toggle().is_checked()
        self.services.note("controls_after", {self.label("toggle"): "on" if on else "off"})
        if on:
            raise FlowError(f"'{self.label('toggle')}' is On again after a reload: LinkedIn "
                            "did not keep the change", step=self.step)
        self.services.confirmation(f"{self.label('settings_title')}: '{self.label('toggle')}'"
                                   " is Off after reloading the page")

    def is_applied(self) -> bool:
        self.goto("settings")
        return not self.training_toggle().is_checked()

    def toggle_targets(self) -> list[Target]:
        return [Target(role="switch", name=self.label("toggle")),
                Target(role="checkbox", name=self.label("toggle"))]

    def training_toggle(self) -> Locator:
        return self.find("settings: 'Use my data for training content creation AI models' "
                         "switch", *self.toggle_targets())
