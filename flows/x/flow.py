"""X (formerly Twitter): turns off the Grok and xAI training checkbox on "Grok & Third-Party
Collaborators". Official page: https://x.com/settings/grok_settings

What the page really has comes from x.com's shipped web client (public mirror
github:DzikStar/X-SCRAPER, builds 2025-04-11..2025-07-01): three checkboxes in this order -
training ("... to be used for training and fine-tuning"), personalization ("Allow X to
personalize your experience with Grok") and, where X shows it, memory ("Allow Grok to remember
your conversation history") - and a "Delete conversation history" action the flow never
touches. Each click saves at once; there is no Save button. Accounts under 18 or without a
birthday see the same checkboxes disabled, with no message: that is ``unavailable``.

Only the training checkbox is about AI training. Personalization is left as the person set it:
its label and help text speak of personalising the person's own Grok experience, not of
training or fine-tuning models, and X keeps training in a checkbox of its own; turning it off
would change how Grok works for the person, which an objection to training does not ask for.
The evidence records its state, and the message says it was left on. A checkbox the flow does
not know (a new AI switch) is reported by name - in the evidence, as a warning and in the
message - and left alone; if the training checkbox itself is not among the page's checkboxes
the run stops with ``ui_changed`` naming what the page has instead.
Strings are in ``labels/``; what the pages show whatever their language (the login's
fields and test ids, the settings' address, container and training checkbox) is in
``signals.toml``, each from the public client mirror; last checked against it, 2026-11-27.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from playwright.sync_api import Locator, Request, expect
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
    Unavailable,
    get_logger,
    labels,
)

TRAINING = {"2024": "training_2024", "2025": "training_2025"}
"""The training checkbox's label key on each version of the page: the one the flow turns off."""
OTHER_CONTROLS = ("personalization_2025", "memory_2025")
"""Checkboxes the flow knows and leaves as they are (see the module's docstring)."""
# The login's fields and buttons, the settings' address, container and training checkbox are
# found by what does not depend on the page's language: signals.toml beside this module, each
# with its source in X's shipped web client; the labels only cross-check.
# X's web client saves each checkbox with a GraphQL mutation of its own
# (XaiDataSharingSettingsMutation, XaiPersonalizationSettingsMutation, XaiMemoryMutation in
# client-web/ondemand/SettingsRevamp-6107ac1a.js of the mirror), posted to
# /i/api/graphql/<query id>/<operation>.
SAVE_REQUEST = re.compile(r"/i/api/graphql/[^/?#]+/(\w+Mutation)(?:[?#]|$)")
TRAINING_MUTATION = "XaiDataSharingSettingsMutation"
"""What the 2025 page's training checkbox saves with (module 310116 of the mirror's
SettingsRevamp-9f4db315.js): a click in its place that sends another is another setting."""
CHECKBOX_NAME = re.compile(r'^- checkbox "((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Box:
    """One checkbox as the page shows it: its label key (None when the flow does not know
    it), the name it is shown with, and its state."""

    key: str | None
    name: str
    checked: bool
    enabled: bool


class XFlow(Flow):
    PLATFORM = "x"
    DESCRIPTION = "Grok & Third-Party Collaborators: AI training off (X)"
    KIND = "setting"
    URLS: ClassVar[Mapping[str, str]] = {
        "login": "https://x.com/i/flow/login",
        "settings": "https://x.com/settings/grok_settings",
    }
    VERSIONS = ("2024", "2025")
    # No step is text-only: the login's Next is Enter in its field (the field submits itself,
    # signals.toml: login_field), the training checkbox is the first row's of the settings'
    # container (2025) or the page's one checkbox (2024, unconfirmed). Known only by their
    # words, but never on the way to a successful change: the cookie bar (no test id), the
    # refusals and the unusual-activity and 2FA headings of the login, and the other two
    # checkboxes (personalisation, memory), which the flow leaves as they are.
    TEXT_ONLY: ClassVar[dict[str, str]] = {}
    LAST_CHECKED = "2026-11-27"
    STEPS = SETTING_STEPS

    def whole_label(self, key: str) -> re.Pattern[str]:
        """Like ``any_label`` but matching a whole name only ("Next", never a longer name
        holding it): Playwright's ``exact`` does not apply to a pattern."""
        self.any_label(key)  # the step relied on it (for reports on unconfirmed labels)
        return labels.pattern(self.labels.every_text(key), whole=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reported: set[str] = set()
        """The unknown checkboxes already warned about in this run."""

    def log_in(self) -> None:
        """Two steps on one URL (login, then password); X may ask first who we are (unusual
        activity) and afterwards for a 2FA code, both in its ``ocfEnterText`` input. Fields
        and buttons are found by their attributes and test ids (``signals.toml``), the same in
        every language; the label is the fallback."""
        field = self.signal("login_field"), Target(label=self.any_label("login_field"))
        password_field = self.signal("password_field")
        for _ in range(3):  # the login app's first call failed: loading it again is safe
            self.goto("login")
            seen = self.wait_for_any(
                {
                    "home": [self.home()],
                    "login": list(field),
                    "load_error": [Target(text=self.any_label("load_error"))],
                },
                what="login: login",
            )
            if seen != "load_error":
                break
        if seen == "load_error":
            raise Transient("X's login app failed at the login", step=self.step)
        self.refuse_cookies()
        if seen == "home":
            return
        login = self.find("login: phone, email or username field", *field)
        login.fill(self.account.login)
        self.cross_check("login: Next button", Target(role="button", name=self.whole_label("next")))
        seen = self.press_and_wait(  # Enter in the field is its Next; safe to send again
            login,
            {
                "password": [password_field],
                "unknown": [Target(text=self.any_label("unknown_account"))],
                "unusual": [Target(role="heading", name=self.any_label("unusual"))],
            },
            failed=[Target(text=self.any_label("load_error"))],
            what="login: password step",
            attempts=3,
            key="Enter",
        )
        if seen == "unknown":
            raise LoginRejected(f"X does not know the login {self.account.login!r}; not retried")
        if seen == "unusual":  # X takes the username or the email: we answer the login
            self.answer_ocf("unusual-activity check", self.account.login, [password_field])
        self.find("login: password field", password_field).fill(self.account.password())
        # Pressed again only when the request was lost on the way, never after a refusal:
        # starting the login over would send the same password again anyway.
        seen = self.press_and_wait(
            self.find("login: Log in button", self.signal("log_in_button")),
            {
                "home": [self.home()],
                "wrong": [Target(text=self.any_label("wrong_password"))],
                "two_factor": [Target(role="heading", name=self.any_label("two_factor"))],
            },
            failed=[Target(text=self.any_label("load_error"))],
            what="login: page after the password",
            attempts=3,
        )
        if seen == "wrong":
            raise LoginRejected(
                "X rejected the password; not retried, to keep the account from being locked"
            )
        if seen == "two_factor" and not self.account.has_totp_seed():
            self.services.hand_over(
                "type the code from your authenticator app",
                until=lambda: self.home().locate(self.page).count() > 0,
            )
        elif seen == "two_factor":
            self.answer_ocf("two-factor code", self.services.totp_code(), [self.home()])

    def home(self) -> Target:
        """What shows once X let the person in (its side navigation's Home link)."""
        return self.signal("home")

    def cross_check(self, element: str, named: Target) -> None:
        """An element the flow does without (found by structure instead): when its label
        names nothing on the page, that is noted (``label differs``), never fatal."""
        if not self.present(named):
            self.label_differs(element, "nothing so named", [str(named.names)])

    def refuse_cookies(self) -> None:
        """X's cookie bar, where X shows one: refuse the cookies that are not essential."""
        refuse = self.find(
            "cookie bar: refuse button",
            Target(role="button", name=self.whole_label("cookie_refuse")),
            required=False,
            timeout_ms=1,
        )
        if refuse.count() == 0:
            return
        refuse.click()
        try:
            expect(refuse).to_be_hidden(timeout=self.timeout_ms)
        except AssertionError:
            raise Transient("X's cookie bar did not take the answer", step=self.step) from None
        self.services.note("cookies", "refused the cookies that are not essential")

    def next_page(self, what: str, **choices: list[Target]) -> str:
        """Which step the login app shows next; its "Something went wrong" toast (a request
        that failed) is Transient, so the engine starts the login over."""
        seen = self.wait_for_any(
            {**choices, "load_error": [Target(text=self.any_label("load_error"))]},
            what=f"login: {what}",
        )
        if seen == "load_error":
            raise Transient(f"X's login app failed at the {what}", step=self.step)
        return seen

    def answer_ocf(self, what: str, value: str, then: list[Target]) -> None:
        """X's generic one-field step ("ocfEnterText"): any other toast is a refusal."""
        self.find(f"login: {what} field", self.signal("ocf_input")).fill(value)
        self.find(f"login: {what} Next button", self.signal("ocf_next")).click()
        if (
            self.next_page(f"answer to the {what}", next=then, refused=[Target(role="alert")])
            == "refused"
        ):
            raise LoginRejected(
                f"X refused the answer to its {what} (not retried): "
                f"{self.page.get_by_role('alert').first.inner_text()}"
            )

    def open_settings(self) -> None:
        """The settings' address is the page (``settings_path``); its title only cross-checks."""
        self.goto("settings")
        self.services.note("form_url", self.page.url)
        self.refuse_cookies()
        self.expect_address("settings: Grok settings page", "settings_path")
        self.controls()  # tells the page version apart, or finds the setting out of reach
        self.cross_check(
            "settings: title", Target(role="heading", name=self.label("settings_title"))
        )

    # --- the checkboxes ------------------------------------------------------------------

    def controls(self) -> dict[str, Box]:
        """The page's checkboxes by label key; ``unknown`` ones go under their shown name.
        The training checkbox must be there and usable, else the run stops here."""
        self.wait_for_any(
            {"checkboxes": [Target(role="checkbox")]}, what="settings: Grok settings checkboxes"
        )
        named = [self.read_box(box) for box in self.page.get_by_role("checkbox").all()]
        version = self.page_version(named)
        boxes = self.by_structure(version, named)
        unknown = [b for b in boxes if b.key is None]
        self.services.note("form_version", version)
        known = {b.key: b for b in boxes if b.key is not None}
        training = known.get(TRAINING[version])
        if training is None:
            shown = "; ".join(f"«{b.name}»" for b in boxes)
            raise UiChanged(
                f"settings: {TRAINING[version]} checkbox",
                step=self.step,
                detail=f"the page's checkboxes are: {shown}",
            )
        if unknown:
            self.report_unknown(unknown)
        if not training.enabled:
            raise Unavailable(
                "X shows its Grok settings greyed out for this account, as it does when the "
                "account has no birthday or its holder is under 18; nothing can be changed "
                f"here («{training.name}»: {'on' if training.checked else 'off'})"
            )
        return {**known, **{b.name: b for b in unknown}}

    def page_version(self, boxes: list[Box]) -> str:
        """2025 when its container shows (``settings_panel``); else 2024, unless the
        checkboxes' names say 2025 (a container renamed under known words)."""
        if self.present(self.signal("settings_panel")):
            return "2025"
        if any(b.key is not None and b.key != TRAINING["2024"] for b in boxes):
            return "2025"
        return "2024"

    def by_structure(self, version: str, boxes: list[Box]) -> list[Box]:
        """``boxes`` with the training checkbox known by its place, whatever its name: the
        checkbox of the container's first row (2025), the page's one checkbox (2024). Of two
        there, the one its exact label names; two alike stop the run naming both. A name that
        is not the training label's is noted (``label differs``)."""
        key = TRAINING[version]
        place = "training_checkbox" if version == "2025" else "training_checkbox_2024"
        found = self.find(
            f"settings: {key} checkbox",
            self.signal(place),
            Target(role="checkbox", name=self.label(key), exact=True),
            required=False,
            timeout_ms=1,
        )
        if found.count() == 0:
            return boxes  # not in its place: the names decide (``controls`` says what shows)
        element = found.element_handle()
        checkboxes = self.page.get_by_role("checkbox").all()
        placed = [bool(box.evaluate("(e, t) => e === t", element)) for box in checkboxes]
        there = next(b for b, here in zip(boxes, placed, strict=True) if here)
        elsewhere = [
            b.name for b, here in zip(boxes, placed, strict=True) if b.key == key and not here
        ]
        if elsewhere:  # place and name point at two checkboxes: neither is trusted
            raise UiChanged(
                f"settings: {key} checkbox",
                step=self.step,
                detail=f"two candidates: «{there.name}» in its place, «{elsewhere[0]}» by its name",
            )
        if there.key is not None and there.key != key:  # the rows moved: another known one
            raise UiChanged(
                f"settings: {key} checkbox",
                step=self.step,
                detail=f"its place holds «{there.name}», which is {there.key}",
            )
        return [
            Box(key, b.name, b.checked, b.enabled) if here else b
            for b, here in zip(boxes, placed, strict=True)
        ]

    def read_box(self, box: Locator) -> Box:
        """A checkbox's accessible name, as the browser computes it, and its state."""
        found = CHECKBOX_NAME.match(box.aria_snapshot())
        name = json.loads(f'"{found.group(1)}"') if found else ""
        locale = self.account.locale
        key = next(
            (
                k
                for k in (*TRAINING.values(), *OTHER_CONTROLS)
                if any(self.same_text(name, v) for v in self.labels.label(k, locale).variants)
            ),
            None,
        )
        if key is not None:
            self.label(key)  # the step relied on it (for reports on unconfirmed labels)
        return Box(key, name, box.is_checked(), box.is_enabled())

    def report_unknown(self, unknown: list[Box]) -> None:
        """A checkbox the flow does not know may be a new AI switch: say so by name."""
        states = {b.name: "on" if b.checked else "off" for b in unknown}
        self.services.note("unknown_controls", states)
        if set(states) <= self.reported:
            return
        self.reported |= set(states)
        get_logger().warning(
            "X shows a checkbox this flow does not know; left as it is", controls=states
        )

    def checkbox(self, key: str) -> Locator:
        """The training checkbox by its place (see :meth:`by_structure`), its name the
        cross-check."""
        version = next(v for v, k in TRAINING.items() if k == key)
        place = "training_checkbox" if version == "2025" else "training_checkbox_2024"
        return self.find(
            f"settings: {key} checkbox",
            self.signal(place),
            Target(role="checkbox", name=self.label(key), exact=True),
        )

    def states(self, boxes: Mapping[str, Box]) -> dict[str, str]:
        return {b.name: "on" if b.checked else "off" for b in boxes.values()}

    def training_key(self, boxes: Mapping[str, Box]) -> str:
        return next(k for k in TRAINING.values() if k in boxes)

    def read_state(self) -> State:
        boxes = self.controls()
        self.services.note("controls_before", self.states(boxes))
        training = boxes[self.training_key(boxes)]
        if not training.checked:
            return State.DONE
        self.services.submitted({training.name: "off"})
        return State.NOT_DONE

    def turn_off(self) -> None:
        """Uncheck the training checkbox. X saves each click by itself (no Save button) and
        shows the new state before its server has answered, so what counts is the answer
        to the save request the click sent."""
        boxes = self.controls()
        key = self.training_key(boxes)
        if boxes[key].checked:
            self.save(key, self.checkbox(key))

    def save(self, key: str, box: Locator) -> None:
        def is_save(request: Request) -> bool:
            return request.method == "POST" and bool(SAVE_REQUEST.search(request.url))

        try:
            with self.page.expect_request(is_save, timeout=self.timeout_ms) as sent:
                box.click()
        except PlaywrightTimeout:
            raise UiChanged(
                f"settings: saving the {key} checkbox",
                step=self.step,
                detail="clicking it sent nothing to X",
            ) from None
        found = SAVE_REQUEST.search(sent.value.url)
        operation = found.group(1) if found else ""
        if key == TRAINING["2025"] and operation != TRAINING_MUTATION:
            raise UiChanged(
                f"settings: saving the {key} checkbox",
                step=self.step,
                detail=f"the checkbox in its place saved {operation}, not {TRAINING_MUTATION}: "
                "it is another setting (check it on the page)",
            )
        answer = sent.value.response()  # waits for the answer; None when the connection failed
        if answer is None:
            raise Transient(f"X's answer to the change of {key} was lost", step=self.step)
        try:
            body = answer.json() if answer.ok else {}
        except ValueError:
            body = {}
        if not answer.ok or not isinstance(body, dict) or body.get("errors") or "data" not in body:
            raise Transient(
                f"X did not save the change of {key} (HTTP {answer.status})", step=self.step
            )

    def check_step(self, step: str) -> None:
        """Check mode: the training checkbox is there and could be unchecked."""
        boxes = self.controls()  # raises when it is missing or disabled
        self.checkbox(self.training_key(boxes))

    def verify(self) -> None:
        """Reload: only what the server stored counts."""
        self.goto("settings")
        boxes = self.controls()
        self.services.note("controls_after", self.states(boxes))
        training = boxes[self.training_key(boxes)]
        if training.checked:
            raise FlowError(f"after a reload X still shows on: {training.name}", step=self.step)
        said = [f"After a reload X shows «{training.name}» off"]
        left = [b for k, b in boxes.items() if k in OTHER_CONTROLS and b.checked]
        if left:
            said.append(
                "Left as you set them (not about AI training): "
                + "; ".join(f"«{b.name}»: on" for b in left)
            )
        unknown = [b for b in boxes.values() if b.key is None]
        if unknown:
            said.append(
                "X also shows a checkbox this tool does not know, left as it is - "
                "check whether it is about AI training: "
                + "; ".join(f"«{b.name}»: {'on' if b.checked else 'off'}" for b in unknown)
            )
        # The tool's finding, in the person's language on receipts and letters; only the
        # setting's name is X's own words.
        self.services.note(
            "conclusion",
            {"key": "setting_off_after_reload", "quoted": {"setting": training.name}},
        )
        self.services.confirmation(". ".join(said))

    def is_applied(self) -> bool:
        self.goto("settings")
        boxes = self.controls()
        return not boxes[self.training_key(boxes)].checked
