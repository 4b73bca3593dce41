"""LinkedIn: turns off "Use my data for training content creation AI models" under
Settings & Privacy → Data privacy → "Data for Generative AI Improvement".
Official setting: https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement

The sign-in page changed in 2026 (https://github.com/vesaias/JobNavigator/pull/16): no form,
ids generated per render, a hidden second set of fields, and a localized ``type=button`` Sign
in button; only the ``autocomplete`` attributes stay. So the fields are found by those (visible
ones only, exactly one each), the button by its label, and where no such button shows, Enter
submits. Signed in is the new top bar (``data-testid="primary-nav"``, a ``<nav>`` without a
name), the feed column, or the older bar named "Primary Navigation". Visitors in Europe meet a
cookie banner first: the flow rejects the cookies that are not essential. A security check
(the puzzle or a code LinkedIn emails) is the person's to pass.
Strings are in ``labels/``; last checked against public sources, 2026-11-27.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar
from urllib.parse import urlsplit

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
    failed_sends,
    labels,
)

LOGIN_FIELD = Target(css='input[autocomplete~="username"]')
PASSWORD_FIELD = Target(css='input[type="password"][autocomplete~="current-password"]')
OLD_FORM = Target(css='form input[name="session_key"]')
"""The older sign-in page's form (page version 2025)."""
NEW_BAR = Target(testid="primary-nav")
FEED = Target(testid="mainFeed")
EMAIL_PIN = Target(css="#input__email_verification_pin")
CHECK_PATHS = ("/checkpoint/", "/uas/consumer-email-challenge")
"""Where LinkedIn's security checks live (a check is over once the page is elsewhere)."""


class LinkedInFlow(Flow):
    PLATFORM = "linkedin"
    DESCRIPTION = "LinkedIn setting: Data for Generative AI Improvement"
    KIND = "setting"
    URLS: ClassVar[dict[str, str]] = {
        "login": "https://www.linkedin.com/login",
        "settings": "https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement",
    }
    VERSIONS = ("2025", "2026")
    LAST_CHECKED = "2026-11-27"
    STEPS = SETTING_STEPS

    def whole_label(self, key: str) -> re.Pattern[str]:
        """Like ``any_label`` but matching a whole name only ("Sign in", never "Sign in with
        Apple"): Playwright's ``exact`` does not apply to a pattern."""
        self.any_label(key)  # the step relied on it (for reports on unconfirmed labels)
        return labels.pattern(self.labels.every_text(key), whole=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version: str | None = None
        """The sign-in page's version once seen: the older form (2025) or the form-less
        page (2026)."""

    def signed_in(self) -> list[Target]:
        return [NEW_BAR, FEED, Target(role="navigation", name=self.whole_label("primary_nav"))]

    def signed_in_now(self) -> bool:
        path = urlsplit(self.page.url).path
        if any(path.startswith(p) for p in CHECK_PATHS):
            return False
        return path.startswith("/feed") or self.present(*self.signed_in())

    def log_in(self) -> None:
        """Sign in with login and password; a security check is the person's to pass."""
        self.goto("login")
        seen = self.wait_for_any(
            {"signed_in": self.signed_in(), "form": [LOGIN_FIELD]},
            what="sign-in page",
            addresses={"signed_in": self.address_of("feed_path")},
        )
        self.reject_cookies()
        if seen == "signed_in":
            self.note_version("2026" if self.present(NEW_BAR, FEED) else "2025")
            return
        self.note_version("2025" if self.present(OLD_FORM) else "2026")
        # the page keeps a hidden duplicate set of fields: find() acts on the one shown,
        # and two shown at once is a changed page (AmbiguousElement)
        self.find(
            "sign-in: email or phone field",
            LOGIN_FIELD,
            Target(label=self.any_label("login_field")),
        ).fill(self.account.login)
        password = self.find(
            "sign-in: password field", PASSWORD_FIELD, Target(label=self.any_label("password"))
        )
        password.fill(self.account.password())
        button = self.find(
            "sign-in: Sign in button",
            Target(role="button", name=self.whole_label("sign_in")),
            required=False,
            timeout_ms=1,
        )
        with failed_sends(self.page, carrying=self.account.login) as failed:
            if button.count():
                button.click()
            else:  # the button's text is in a language we have no label for
                password.press("Enter")
            seen = self.wait_for_any(
                {
                    "signed_in": self.signed_in(),
                    "wrong_password": [Target(text=self.any_label("wrong_password"))],
                    "unknown_login": [Target(text=self.any_label("unknown_login"))],
                    "email_pin": [EMAIL_PIN],
                    "security_check": [
                        Target(role="heading", name=self.any_label("security_check"))
                    ],
                    "refused": [Target(role="alert")],
                },
                what="page after signing in",
                addresses={"signed_in": self.address_of("feed_path")},
            )
        if seen == "refused" and failed:
            # LinkedIn never judged the password: the request did not reach it, or it failed
            raise Transient(
                f"LinkedIn's sign-in request failed on the way ({failed[0]})", step=self.step
            )
        if seen == "wrong_password":
            raise LoginRejected(
                "LinkedIn rejected the password; not retried, to keep the account from being locked"
            )
        if seen in ("unknown_login", "refused"):
            said = self.page.get_by_role("alert").filter(visible=True).first.inner_text()
            raise LoginRejected(
                f"LinkedIn refused the login {self.account.login!r}: {said.strip()}"
            )
        if seen == "email_pin":
            self.services.hand_over(
                "type the code LinkedIn emailed you (security check)", until=self.signed_in_now
            )
        elif seen == "security_check":
            self.services.hand_over("pass LinkedIn's security check", until=self.signed_in_now)
        if seen in ("email_pin", "security_check"):
            self.find("signed-in navigation", *self.signed_in())

    def note_version(self, version: str) -> None:
        self.version = version
        self.services.note("form_version", version)

    def reject_cookies(self) -> None:
        """The cookie banner LinkedIn shows visitors in Europe: reject what is not
        essential."""
        reject = self.find(
            "cookie banner: Reject button",
            self.signal("cookie_reject"),
            Target(role="button", name=self.whole_label("cookie_reject")),
            required=False,
            timeout_ms=1,
        )
        if reject.count() == 0:
            return
        reject.click()
        try:
            expect(reject).to_be_hidden(timeout=self.timeout_ms)
        except AssertionError:
            raise Transient(
                "LinkedIn's cookie banner did not take the answer", step=self.step
            ) from None
        self.services.note("cookies", "rejected the cookies that are not essential")

    def open_settings(self) -> None:
        """Open the setting; where LinkedIn does not offer it, the address shows the Data
        privacy list without it."""
        self.goto("settings")
        self.reject_cookies()
        seen = self.wait_for_any(
            {
                "setting": self.toggle_targets(),
                "missing": [Target(role="heading", name=self.label("data_privacy"), exact=True)],
            },
            what="Data for Generative AI Improvement page",
        )
        if seen == "missing":
            raise Unavailable(
                "LinkedIn does not offer 'Data for Generative AI Improvement' to "
                "this account (it first left it out where it did not train on "
                "members' data: the EU/EEA, Switzerland and the UK)"
            )
        if not self.at_address("settings_path"):
            self.find(
                "settings: page title", Target(role="heading", name=self.label("settings_title"))
            )
        self.services.note("form_url", self.page.url)
        if self.version is None:
            self.note_version(self.VERSIONS[-1])

    def shown_state(self) -> str | None:
        """The state the page writes next to the switch ("On"/"Off", „Ein“/„Aus“), as a
        cross-check of the switch itself; None when it writes none."""
        for key in ("on", "off"):
            if self.present(Target(text=self.label(key), exact=True)):
                return str(self.label(key))
        return None

    def note_state(self, when: str, on: bool) -> None:
        self.services.note(f"controls_{when}", {self.label("toggle"): "on" if on else "off"})
        shown = self.shown_state()
        if shown is not None:
            self.services.note(f"state_shown_{when}", shown)

    def read_state(self) -> State:
        on = self.training_toggle().is_checked()
        self.note_state("before", on)
        if not on:
            return State.DONE
        self.services.submitted({self.label("toggle"): "off"})
        return State.NOT_DONE

    def turn_off(self) -> None:
        """Click the switch once and wait for LinkedIn's answer: the switch Off and usable
        again, or an alert that the save failed."""
        toggle = self.training_toggle()
        toggle.click()
        saved = toggle.and_(self.page.get_by_role("switch", checked=False, disabled=False))
        try:
            expect(saved.or_(self.page.get_by_role("alert")).first).to_be_visible(
                timeout=self.timeout_ms
            )
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
        self.note_state("after", on)
        if on:
            raise FlowError(
                f"'{self.label('toggle')}' is On again after a reload: LinkedIn "
                "did not keep the change",
                step=self.step,
            )
        shown = self.shown_state()
        # The tool's finding, in the person's language on receipts and letters; only the
        # switch's name is LinkedIn's own words.
        self.services.note(
            "conclusion",
            {"key": "setting_off_after_reload", "quoted": {"setting": str(self.label("toggle"))}},
        )
        self.services.confirmation(
            f"{self.label('settings_title')}: '{self.label('toggle')}' is Off after reloading "
            "the page" + (f" (the page shows «{shown}»)" if shown else "")
        )

    def is_applied(self) -> bool:
        self.goto("settings")
        return not self.training_toggle().is_checked()

    def toggle_targets(self) -> list[Target]:
        """At the setting's address, its one switch whatever its name (the name then only
        cross-checks); anywhere else, only a switch of that name."""
        by_name = [
            Target(role="switch", name=self.label("toggle")),
            Target(role="checkbox", name=self.label("toggle")),
        ]
        return (
            [self.signal("training_switch"), *by_name]
            if self.at_address("settings_path")
            else by_name
        )

    def training_toggle(self) -> Locator:
        return self.find(
            "settings: 'Use my data for training content creation AI models' switch",
            *self.toggle_targets(),
        )
