"""Google Gemini: turns off "Keep Activity" (formerly "Gemini Apps Activity"; uploads are
sampled for training while it is on, since 2025-09-02) and unticks "Improve Google services
for everyone with your audio and Gemini Live recordings". Official page:
https://myactivity.google.com/product/gemini

Google refuses to sign in a browser it takes for automated ("This browser or app may not be
secure."): the flow never hides automation. It uses the session the person kept by signing in
themselves (``optout-bot login``); without one, when Google refuses, the run ends
``needs_human`` with the page's address and the steps, in the person's language. The menu
item that also deletes past activity is never chosen. A checkbox the flow does not know may
be a new training switch: it is reported by name and left alone. Strings are in ``labels/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import ClassVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from optout_bot import (
    SETTING_STEPS,
    Flow,
    FlowError,
    LoginRejected,
    NeedsHuman,
    State,
    Target,
    Transient,
    get_logger,
)

EMAIL_FIELD = Target(input_type="email")
PASSWORD_FIELD = Target(input_type="password")
CHECKBOX_NAME = re.compile(r'^- checkbox "((?:[^"\\]|\\.)*)"')


class GeminiFlow(Flow):
    PLATFORM = "gemini"
    DESCRIPTION = "Gemini Apps activity: Keep Activity off, audio recordings unticked (Google)"
    KIND = "setting"
    URLS: ClassVar[Mapping[str, str]] = {
        "login": "https://accounts.google.com/v3/signin/identifier",
        "settings": "https://myactivity.google.com/product/gemini",
    }
    VERSIONS = ("2025",)
    LAST_CHECKED = "2026-12-07"
    STEPS = SETTING_STEPS
    TEXT_ONLY: ClassVar[dict[str, str]] = {
        **{
            step: "the Keep Activity section, its Turn off button and menu item and the audio "
            "checkbox are found only by their names"
            for step in ("open_settings", "read_state", "turn_off", "verify")
        },
    }

    def setting_section(self) -> Target:
        return Target(role="region", name=self.any_label("keep_activity"))

    def log_in(self) -> None:
        """A kept session opens the page at once; else Google's sign-in, which refuses an
        automated browser after the email (``needs_human`` with what to do by hand)."""
        seen = self.open_and_wait(
            "settings",
            {"settings": [self.setting_section()], "email": [EMAIL_FIELD]},
            failed=[],
            what="activity page or Google sign-in",
        )
        if seen == "settings":
            return
        self.find("sign-in: email field", EMAIL_FIELD).fill(self.account.login)
        self.find(
            "sign-in: Next button",
            self.signal("identifier_next"),
            Target(role="button", name=self.label("next")),
        ).click()
        seen = self.wait_for_any(
            {
                "refused": [Target(text=self.any_label("bot_wall"))],
                "password": [PASSWORD_FIELD],
            },
            what="page after the email",
        )
        if seen == "refused":
            raise NeedsHuman(self.steps_by_hand())
        self.find("sign-in: password field", PASSWORD_FIELD).fill(self.account.password())
        self.find(
            "sign-in: Next button",
            self.signal("password_next"),
            Target(role="button", name=self.label("next")),
        ).click()
        seen = self.wait_for_any(
            {
                "settings": [self.setting_section()],
                "wrong": [Target(text=self.any_label("wrong_password"))],
                "refused": [Target(text=self.any_label("bot_wall"))],
            },
            what="page after the password",
            addresses={"settings": self.address_of("settings_path")},  # whatever its words
        )
        if seen == "wrong":
            raise LoginRejected("Google rejected the password; not retried")
        if seen == "refused":
            raise NeedsHuman(self.steps_by_hand())

    def steps_by_hand(self) -> str:
        """The setting's address and the steps, in the person's language."""
        return self.label("hand_steps").format(
            url=self.urls["settings"],
            setting=self.label("keep_activity"),
            turn_off=self.label("turn_off"),
            delete=self.label("turn_off_and_delete"),
            audio=self.label("audio"),
        )

    def open_settings(self) -> None:
        self.goto("settings")
        self.services.note("form_url", self.page.url)
        self.services.note("form_version", self.VERSIONS[-1])
        self.find("activity page: Keep Activity", self.setting_section())

    # --- reading and changing ---------------------------------------------------------------

    def controls(self) -> dict[str, bool]:
        """Keep Activity (on while its Turn off button shows) and every checkbox, by name."""
        section = self.find("activity page: Keep Activity", self.setting_section())
        seen = self.wait_for_any(
            {
                "on": [Target(role="button", name=self.label("turn_off"), within=section)],
                "off": [Target(role="button", name=self.label("turn_on"), within=section)],
            },
            what="activity page: Keep Activity's button",
        )
        states: dict[str, bool] = {self.label("keep_activity"): seen == "on"}
        unknown: dict[str, str] = {}
        for box in self.page.get_by_role("checkbox").all():
            found = CHECKBOX_NAME.match(box.aria_snapshot())
            name = json.loads(f'"{found.group(1)}"') if found else ""
            if any(self.same_text(name, v) for v in self.label("audio").variants):
                states[self.label("audio")] = box.is_checked()
            else:
                states[name] = box.is_checked()
                unknown[name] = "on" if box.is_checked() else "off"
        if self.label("audio") not in states:
            get_logger().warning("Gemini's audio recordings checkbox is not shown")
        if unknown:
            self.services.note("unknown_controls", unknown)
            get_logger().warning(
                "Google shows a checkbox this flow does not know; left as it is", controls=unknown
            )
        return states

    def training_on(self, states: Mapping[str, bool]) -> list[str]:
        known = (self.label("keep_activity"), self.label("audio"))
        return [name for name in known if states.get(name)]

    def read_state(self) -> State:
        states = self.controls()
        self.services.note("controls_before", {n: on_off(v) for n, v in states.items()})
        on = self.training_on(states)
        if not on:
            return State.DONE
        self.services.submitted(dict.fromkeys(on, "off"))
        return State.NOT_DONE

    def turn_off(self) -> None:
        """Keep Activity: its menu's plain Turn off (never the item that also deletes); then
        the audio checkbox. Each change reloads the page, which then shows what Google kept."""
        states = self.controls()
        if states.get(self.label("keep_activity")):
            section = self.find("activity page: Keep Activity", self.setting_section())
            self.find(
                "activity page: Turn off button",
                Target(role="button", name=self.label("turn_off"), within=section),
            ).click()
            item = self.find(
                "activity page: Turn off menu item",
                Target(role="menuitem", name=self.label("turn_off")),
            )
            self.change_and_reload(item.click)
            self.controls()
        if self.controls().get(self.label("audio")):
            self.change_and_reload(self.audio_checkbox().uncheck)

    def change_and_reload(self, change: Callable[[], None]) -> None:
        """Make one change; Google answers it with a reload. A reload that is lost on the way
        leaves it open whether Google kept the change: that is Transient, so the engine asks
        the page (``is_applied``) before anything is done again."""
        try:
            with self.page.expect_navigation():
                change()
        except PlaywrightError as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise Transient(
                f"activity page: the answer to the change was lost ({first_line})",
                step=self.step,
            ) from None

    def audio_checkbox(self) -> Locator:
        return self.find(
            "activity page: audio recordings checkbox",
            Target(role="checkbox", name=self.label("audio")),
        )

    def check_step(self, step: str) -> None:
        """Check mode: Keep Activity's button and the audio checkbox are there."""
        self.controls()

    def verify(self) -> None:
        """Reload: only what Google stored counts."""
        self.goto("settings")
        states = self.controls()
        self.services.note("controls_after", {n: on_off(v) for n, v in states.items()})
        still = self.training_on(states)
        if still:
            raise FlowError(
                "after a reload Google still shows on: " + "; ".join(f"«{n}»" for n in still),
                step=self.step,
            )
        said = [
            "After a reload Google shows off: "
            + "; ".join(f"«{n}»" for n in (self.label("keep_activity"), self.label("audio")))
        ]
        known = (self.label("keep_activity"), self.label("audio"))
        # The tool's finding, in the person's language on receipts and letters; only the
        # settings' names are Google's own words.
        shown = [str(n) for n in known if n in states]  # Keep Activity is always shown
        self.services.note(
            "conclusion",
            {"key": "settings_off_after_reload", "quoted": {"setting": shown[0], "other": shown[1]}}
            if len(shown) == 2
            else {"key": "setting_off_after_reload", "quoted": {"setting": shown[0]}},
        )
        unknown = {n: v for n, v in states.items() if n not in known}
        if unknown:
            said.append(
                "Google also shows a checkbox this tool does not know, left as it is - check "
                "whether it is about AI training: "
                + "; ".join(f"«{n}»: {on_off(v)}" for n, v in unknown.items())
            )
        self.services.confirmation(". ".join(said))

    def is_applied(self) -> bool:
        self.goto("settings")
        return not self.training_on(self.controls())


def on_off(value: bool) -> str:
    return "on" if value else "off"
