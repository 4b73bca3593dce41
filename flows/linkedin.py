"""LinkedIn: turns off "Use my data for training content creation AI models" under
Settings & Privacy → Data privacy → "Data for Generative AI Improvement".
Official setting: https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement
Labels last checked against platforms.md (late 2025), 2026-11-25.
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
    LABELS: ClassVar[dict[str, dict[str, str]]] = {
        "en": {
            "login_field": "Email or phone", "password": "Password", "sign_in": "Sign in",
            "wrong_password": "That's not the right password.",
            "unknown_login": "Couldn't find a LinkedIn account associated with this email.",
            "security_check": "Let's do a quick security check",
            "primary_nav": "Primary Navigation", "data_privacy": "Data privacy",
            "settings_title": "Data for Generative AI Improvement",
            "toggle": "Use my data for training content creation AI models",
        },
        "de": {
            "login_field": "E-Mail-Adresse oder Telefon", "password": "Passwort",
            "sign_in": "Einloggen", "wrong_password": "Das ist nicht das richtige Passwort.",
            "unknown_login": "Es wurde kein LinkedIn Konto mit dieser E-Mail-Adresse gefunden.",
            "security_check": "Kurze Sicherheitsüberprüfung",
            "primary_nav": "Primäre Navigation", "data_privacy": "Datenschutz",
            "settings_title": "Daten zur Verbesserung generativer KI",
            "toggle": "Meine Daten für das Training von KI-Modellen zur Erstellung von Inhalten "
                      "verwenden",
        },
        "ko": {
            "login_field": "이메일 또는 전화번호", "password": "비밀번호", "sign_in": "로그인",
            "wrong_password": "비밀번호가 올바르지 않습니다.",
            "unknown_login": "이 이메일과 연결된 LinkedIn 계정을 찾을 수 없습니다.",
            "security_check": "간단한 보안 확인을 진행하겠습니다",
            "primary_nav": "기본 탐색", "data_privacy": "데이터 개인정보",
            "settings_title": "생성형 AI 개선을 위한 데이터",
            "toggle": "콘텐츠 생성 AI 모델 학습에 내 데이터 사용",
        },
    }
    # platforms.md confirms the English sign-in field, "Sign in", the security check title, the
    # setting's title and the switch's label; the rest is our best version.
    UNCONFIRMED: ClassVar[dict[str, frozenset[str]]] = {
        "en": frozenset({"wrong_password", "unknown_login", "primary_nav", "data_privacy"}),
        "de": frozenset(LABELS["de"]),
        "ko": frozenset(LABELS["ko"]),
    }
    VERSIONS = ("2025",)
    LAST_CHECKED = "2026-11-25"
    STEPS = SETTING_STEPS

    def log_in(self) -> None:
        """Sign in with login and password; a security check is the person's to pass."""
        self.goto("login")
        signed_in = [Target(role="navigation", name=self.any_label("primary_nav"))]
        if self.wait_for_any({"form": [Target(label=self.any_label("login_field"))],
                              "signed_in": signed_in}, what="sign-in page") == "signed_in":
            return
        self.find("sign-in: Email or phone field", Target(label=self.any_label("login_field")),
                  Target(css="#username")).fill(self.account.login)
        self.find("sign-in: Password field", Target(label=self.any_label("password")),
                  Target(css="#password")).fill(self.account.password())
        self.find("sign-in: Sign in button", Target(role="button", name=self.any_label(
            "sign_in"), exact=True)).click()
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
        saved = self.page.get_by_role("switch", name=self.label("toggle"), checked=False,
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
