"""GitHub Copilot: sets "Allow GitHub to use my data for AI model training" to Disabled.
Official page: https://github.com/settings/copilot (training on Free, Pro and Pro+ accounts'
data is on by default since 2026-04-24: GitHub's docs,
data/reusables/copilot/model-training-policy.md).

The page has a dropdown per policy (Enabled / Disabled). Only the training one concerns AI
training; the others (Copilot Chat on github.com, Copilot CLI) are left as set. A dropdown the
flow does not know may be a new training switch: it is reported by name and left alone.
Sign-in: login and password, then, for accounts with an authenticator app, its code (TOTP).
github.com is in English only, whatever the person's language. Strings are in ``labels/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from playwright.sync_api import Locator, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from optout_bot import (
    SETTING_STEPS,
    Flow,
    FlowError,
    LoginRejected,
    State,
    Target,
    Transient,
    UiChanged,
    get_logger,
)

TRAINING = "training"
OTHER_POLICIES = ("chat_on_github", "copilot_cli")
"""Dropdowns the flow knows and leaves as they are: features, not AI training."""
LOGIN_FIELD = Target(css="input#login_field")
PASSWORD_FIELD = Target(css="input#password")
SIGN_IN = Target(css='input[name="commit"]')
CODE_FIELD = Target(css="input#app_totp")
COMBOBOX_NAME = re.compile(r'^- combobox "((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Policy:
    """One dropdown as the page shows it: its label key (None when unknown), name and value."""

    key: str | None
    name: str
    enabled: bool


class GithubCopilotFlow(Flow):
    PLATFORM = "github_copilot"
    DESCRIPTION = 'GitHub Copilot: "Allow GitHub to use my data for AI model training" off'
    KIND = "setting"
    URLS: ClassVar[Mapping[str, str]] = {
        "login": "https://github.com/login",
        "settings": "https://github.com/settings/copilot",
    }
    VERSIONS = ("2026",)
    LAST_CHECKED = "2026-12-07"
    STEPS = SETTING_STEPS
    TEXT_ONLY: ClassVar[dict[str, str]] = {
        **{
            step: "the policy dropdowns are told apart only by their names, and their values "
            "(Enabled, Disabled) only by their words"
            for step in ("open_settings", "read_state", "turn_off", "verify")
        },
    }

    def log_in(self) -> None:
        """Open the settings (a kept session goes straight there), else sign in: fields by
        their ids, the same in every language; then the authenticator code if asked."""
        seen = self.open_and_wait(
            "settings",
            {"settings": [Target(role="combobox")], "login": [LOGIN_FIELD]},
            failed=[],
            what="sign-in or settings page",
        )
        if seen == "settings":
            return
        self.find("sign-in: login field", LOGIN_FIELD).fill(self.account.login)
        self.find("sign-in: password field", PASSWORD_FIELD).fill(self.account.password())
        self.find(
            "sign-in: Sign in button", SIGN_IN, Target(role="button", name=self.label("sign_in"))
        ).click()
        seen = self.wait_for_any(
            {
                "settings": [Target(role="combobox")],
                "wrong": [Target(text=self.any_label("wrong_password"))],
                "two_factor": [CODE_FIELD],
            },
            what="page after the password",
        )
        if seen == "wrong":
            raise LoginRejected(
                "GitHub rejected the login or password; not retried, to keep the account "
                "from being locked"
            )
        if seen == "two_factor":
            self.enter_code()

    def enter_code(self) -> None:
        """GitHub sends the code as soon as it is typed (no button to press)."""
        self.any_label("two_factor")  # the page the code goes to (for unconfirmed reports)
        if not self.account.has_totp_seed():
            self.services.hand_over(
                "type the code from your authenticator app",
                until=lambda: self.present(Target(role="combobox")),
            )
            return
        self.find("two-factor: code field", CODE_FIELD).fill(self.services.totp_code())
        seen = self.wait_for_any(
            {
                "settings": [Target(role="combobox")],
                "failed": [Target(text=self.any_label("two_factor_failed"))],
            },
            what="page after the authenticator code",
        )
        if seen == "failed":
            raise LoginRejected("GitHub refused the authenticator code; not retried")

    def open_settings(self) -> None:
        self.goto("settings")
        self.services.note("form_url", self.page.url)
        self.services.note("form_version", self.VERSIONS[-1])
        self.policies()

    # --- the dropdowns -------------------------------------------------------------------

    def policies(self) -> dict[str, Policy]:
        """The page's dropdowns by label key (unknown ones by their shown name). The training
        dropdown must be there, else the run stops naming what the page has instead."""
        self.wait_for_any({"dropdowns": [Target(role="combobox")]}, what="settings: policies")
        shown = [self.read_policy(box) for box in self.page.get_by_role("combobox").all()]
        known = {p.key: p for p in shown if p.key is not None}
        unknown = {p.name: p for p in shown if p.key is None}
        if TRAINING not in known:
            raise UiChanged(
                "settings: AI model training dropdown",
                step=self.step,
                detail="the page's dropdowns are: " + "; ".join(f"«{p.name}»" for p in shown),
            )
        if unknown:
            states = {p.name: on_off(p.enabled) for p in unknown.values()}
            self.services.note("unknown_controls", states)
            get_logger().warning(
                "GitHub shows a policy this flow does not know; left as it is", controls=states
            )
        return {**known, **unknown}

    def read_policy(self, box: Locator) -> Policy:
        found = COMBOBOX_NAME.match(box.aria_snapshot())
        name = json.loads(f'"{found.group(1)}"') if found else ""
        locale = self.account.locale
        key = next(
            (
                k
                for k in (TRAINING, *OTHER_POLICIES)
                if any(self.same_text(name, v) for v in self.labels.label(k, locale).variants)
            ),
            None,
        )
        if key is not None:
            self.label(key)
        value = box.locator("option:checked").inner_text()
        if any(self.same_text(value, v) for v in self.any_label("enabled").variants):
            return Policy(key, name, True)
        if any(self.same_text(value, v) for v in self.any_label("disabled").variants):
            return Policy(key, name, False)
        raise UiChanged(f"settings: value of «{name}»", step=self.step, detail=f"shows «{value}»")

    def training_dropdown(self) -> Locator:
        return self.find(
            "settings: AI model training dropdown",
            Target(role="combobox", name=self.label(TRAINING)),
        )

    def read_state(self) -> State:
        policies = self.policies()
        self.services.note("controls_before", states(policies))
        if not policies[TRAINING].enabled:
            return State.DONE
        # The tool's record of the change, in its own words ("off", translated on letters);
        # GitHub's own value («Disabled») is quoted in the confirmation.
        self.services.submitted({policies[TRAINING].name: "off"})
        return State.NOT_DONE

    def turn_off(self) -> None:
        """Pick Disabled. What counts is GitHub's answer to the change it sent."""
        if not self.policies()[TRAINING].enabled:
            return
        dropdown = self.training_dropdown()

        def is_save(response: Response) -> bool:
            request = response.request
            return request.method == "POST" and request.url.startswith("https://github.com/")

        try:
            with self.page.expect_response(is_save, timeout=self.timeout_ms) as answer:
                dropdown.select_option(label=self.label("disabled"))
        except PlaywrightTimeout:
            raise UiChanged(
                "settings: saving the AI model training dropdown",
                step=self.step,
                detail="choosing Disabled sent nothing to GitHub",
            ) from None
        if answer.value.status >= 400:
            raise Transient(
                f"GitHub did not save the change (HTTP {answer.value.status})", step=self.step
            )

    def check_step(self, step: str) -> None:
        """Check mode: the training dropdown is there and offers Disabled."""
        self.policies()
        self.training_dropdown().locator("option").filter(has_text=self.label("disabled"))

    def verify(self) -> None:
        """Reload: only what GitHub stored counts."""
        self.goto("settings")
        policies = self.policies()
        self.services.note("controls_after", states(policies))
        training = policies[TRAINING]
        if training.enabled:
            raise FlowError(
                f"after a reload GitHub still shows «{training.name}» Enabled", step=self.step
            )
        said = [f"After a reload GitHub shows «{training.name}»: {self.label('disabled')}"]
        # The tool's finding, in the person's language on receipts and letters; only the
        # setting's name is GitHub's own words.
        self.services.note(
            "conclusion",
            {"key": "setting_off_after_reload", "quoted": {"setting": training.name}},
        )
        unknown = [p for p in policies.values() if p.key is None]
        if unknown:
            said.append(
                "GitHub also shows a policy this tool does not know, left as it is - check "
                "whether it is about AI training: "
                + "; ".join(f"«{p.name}»: {on_off(p.enabled)}" for p in unknown)
            )
        self.services.confirmation(". ".join(said))

    def is_applied(self) -> bool:
        self.goto("settings")
        return not self.policies()[TRAINING].enabled


def on_off(enabled: bool) -> str:
    return "on" if enabled else "off"


def states(policies: Mapping[str, Policy]) -> dict[str, str]:
    return {p.name: on_off(p.enabled) for p in policies.values()}
