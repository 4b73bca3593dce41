"""X (formerly Twitter): turns off every AI-training control under "Grok & Third-party
Collaborators" (Grok/xAI training and, on the 2025 page, sharing with third-party collaborators).
Official page: https://x.com/settings/grok_settings
Strings are in ``labels/``; last checked against platforms.md (late 2025), 2026-11-25.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from playwright.sync_api import Error as PlaywrightError
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

CONTROLS = {"2024": ("training_2024",), "2025": ("training_2025", "collaborators_2025")}
HOME = Target(testid="AppTabBar_Home_Link")
OCF_INPUT = Target(testid="ocfEnterTextTextInput")
OCF_NEXT = Target(testid="ocfEnterTextNextButton")


class XFlow(Flow):
    PLATFORM = "x"
    DESCRIPTION = "Grok & Third-party Collaborators: AI training off (X)"
    KIND = "setting"
    URLS: ClassVar[Mapping[str, str]] = {"login": "https://x.com/i/flow/login",
            "settings": "https://x.com/settings/grok_settings"}
    VERSIONS = ("2024", "2025")
    LAST_CHECKED = "2026-11-25"
    STEPS = SETTING_STEPS

    def log_in(self) -> None:
        """Two steps on one URL (login, then password); X may ask first who we are (unusual
        activity) and afterwards for a 2FA code, both in its ``ocfEnterText`` input."""
        field = (Target(autocomplete="username"), Target(field_name="text"),
                 Target(label=self.any_label("login_field")))
        for _ in range(3):  # the login app's first call failed: loading it again is safe
            self.goto("login")
            seen = self.wait_for_any({"home": [HOME], "login": list(field),
                                      "load_error": [Target(text=self.any_label("load_error"))]},
                                     what="login: login")
            if seen != "load_error":
                break
        if seen == "load_error":
            raise Transient("X's login app failed at the login", step=self.step)
        if seen == "home":
            return
        identifier = self.find("login: phone, email or username field", *field)
        identifier.fill(self.account.login)
        password = Target(autocomplete="current-password")
        seen = self.press_and_wait(  # the identifier is safe to send again
            self.find("login: Next button",
                      Target(input_type="submit", within=self.form_of(identifier)),
                      Target(role="button", name=self.any_label("next"))),
            {"password": [password],
             "unknown": [Target(text=self.any_label("unknown_account"))],
             "unusual": [Target(role="heading", name=self.any_label("unusual"))]},
            failed=[Target(text=self.any_label("load_error"))], what="login: password step",
            attempts=3)
        if seen == "unknown":
            raise LoginRejected(f"X does not know the login {self.account.login!r}; not retried")
        if seen == "unusual":  # (modelled) X takes the username or the email: we answer the login
            self.answer_ocf("unusual-activity check", self.account.login, [password])
        self.find("login: password field", password, Target(field_name="password"),
                  Target(input_type="password")).fill(self.account.password())
        # Pressed again only when the request was lost on the way, never after a refusal:
        # starting the login over would send the same password again anyway.
        seen = self.press_and_wait(
            self.find("login: Log in button", Target(testid="LoginForm_Login_Button")),
            {"home": [HOME], "wrong": [Target(text=self.any_label("wrong_password"))],
             "two_factor": [Target(role="heading", name=self.any_label("two_factor"))]},
            failed=[Target(text=self.any_label("load_error"))],
            what="login: page after the password", attempts=3)
        if seen == "wrong":
            raise LoginRejected("X rejected the password; not retried, to keep the account "
                                "from being locked")
        if seen == "two_factor" and not self.account.has_totp_seed():
            self.services.hand_over("type the code from your authenticator app",
                                    until=lambda: HOME.locate(self.page).count() > 0)
        elif seen == "two_factor":
            self.answer_ocf("two-factor code", self.services.totp_code(), [HOME])

    def next_page(self, what: str, **choices: list[Target]) -> str:
        """Which step the login app shows next; its "Something went wrong" toast (a request
        that failed) is Transient, so the engine starts the login over."""
        seen = self.wait_for_any({**choices, "load_error": [
            Target(text=self.any_label("load_error"))]}, what=f"login: {what}")
        if seen == "load_error":
            raise Transient(f"X's login app failed at the {what}", step=self.step)
        return seen

    def answer_ocf(self, what: str, value: str, then: list[Target]) -> None:
        """X's generic one-field step ("ocfEnterText"): any other toast is a refusal."""
        self.find(f"login: {what} field", OCF_INPUT).fill(value)
        self.find(f"login: {what} Next button", OCF_NEXT).click()
        if self.next_page(f"answer to the {what}", next=then,
                          refused=[Target(role="alert")]) == "refused":
            raise LoginRejected(f"X refused the answer to its {what} (not retried): "
                                f"{self.page.get_by_role('alert').first.inner_text()}")

    def open_settings(self) -> None:
        self.goto("settings")
        self.services.note("form_url", self.page.url)
        self.find("settings: page title",
                  Target(role="heading", name=self.label("settings_title")))
        self.checkboxes()  # tells the page version apart, or finds the setting missing

    def checkboxes(self) -> dict[str, Locator]:
        """Every AI-training checkbox on the page by its label key; a checkbox we cannot name
        means the page changed (it might be a training control we would miss)."""
        seen = self.wait_for_any({"unavailable": [Target(text=self.label("unavailable"))],
                                  "controls": [Target(role="checkbox")]}, what="Grok settings")
        if seen == "unavailable":
            raise Unavailable("X shows no Grok training setting for this account (it hides it "
                              "when no birthday is set or the account holder is under 18): "
                              f"{self.label('unavailable')}")
        version = "2024" if self.present(Target(role="checkbox",
                                                name=self.label("training_2024"))) else "2025"
        boxes = {key: self.find(f"settings: {key} checkbox",
                                Target(role="checkbox", name=self.label(key)))
                 for key in CONTROLS[version]}
        total = self.page.get_by_role("checkbox").count()
        if total != len(boxes):
            raise UiChanged("settings: AI-training checkboxes", step=self.step,
                            detail=f"the page has {total} checkboxes, {len(boxes)} known")
        self.services.note("form_version", version)
        return boxes

    def read_controls(self) -> dict[str, bool]:
        return {key: box.is_checked() for key, box in self.checkboxes().items()}

    def states(self, controls: dict[str, bool]) -> dict[str, str]:
        return {self.label(key): "on" if on else "off" for key, on in controls.items()}

    def read_state(self) -> State:
        controls = self.read_controls()
        self.services.note("controls_before", self.states(controls))
        if not any(controls.values()):
            return State.DONE
        self.services.submitted({self.label(k): "off" for k, on in controls.items() if on})
        return State.NOT_DONE

    def turn_off(self) -> None:
        """Uncheck each control that is on; X saves each change by itself (no Save button)
        and keeps the checkbox disabled until the server has answered."""
        for key, box in self.checkboxes().items():
            if not box.is_checked():
                continue
            try:
                box.uncheck()
            except PlaywrightError as error:  # the page flipped it back: the save failed
                raise Transient(f"X did not keep the change of {key}: "
                                f"{str(error).splitlines()[0]}", step=self.step) from None
            try:
                expect(box).to_be_enabled(timeout=self.timeout_ms)
            except AssertionError:
                raise Transient(f"X did not answer the change of {key}", step=self.step) from None
            if self.present(Target(role="alert")):
                raise Transient(f"X did not save {key}: "
                                f"{self.page.get_by_role('alert').first.inner_text()}",
                                step=self.step)

    def check_step(self, step: str) -> None:
        """Check mode: every training control is there and could be unchecked."""
        disabled = [key for key, box in self.checkboxes().items() if not box.is_enabled()]
        if disabled:
            raise UiChanged(f"settings: {', '.join(disabled)} checkbox (disabled)",
                            step=self.step)

    def verify(self) -> None:
        """Reload: only what the server stored counts."""
        self.goto("settings")
        controls = self.read_controls()
        self.services.note("controls_after", self.states(controls))
        still_on = [self.label(key) for key, on in controls.items() if on]
        if still_on:
            raise FlowError(f"after a reload X still shows on: {'; '.join(still_on)}",
                            step=self.step)
        self.services.confirmation("After a reload X shows every AI-training control off: "
                                   + "; ".join(f"{label}: off" for label in self.states(controls)))

    def is_applied(self) -> bool:
        self.goto("settings")
        return not any(self.read_controls().values())
