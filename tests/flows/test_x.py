"""X: the user's story against the replica, in every locale and both page versions.

Every test asserts what the replica stored and logged (its settings, ``setting_changed`` events
and login attempts) and the outcome; none trusts a file's mere existence.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Route, expect
from pydantic import SecretStr

from fixtures.x import FIELDS, SAVE_PATH, TASK_PATH, TRAINING, Control, XAccount, XReplica
from flows.x import XFlow
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import verify_bundle
from optout_bot.replica import Replica, ReplicaResponse, mount
from optout_bot.replica.faults import FaultPlan
from optout_bot.run.engine import RunResult
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, evidence, manifest_of, password_of, run_case

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 160 bits
LABELS = XFlow.label_book()
OFF = (TRAINING.field,)
"""What a run that turns training off changes: the training checkbox, nothing else."""


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "x"
    changed: tuple[str, ...] = ()
    """The controls the replica must log exactly one ``setting_changed`` for."""

    def account(self) -> Account:
        return account(**{"locale": self.locale, "country": None, **self.config})

    def state(self, replica: Replica, user: Account) -> dict[str, bool]:
        assert isinstance(replica, XReplica)
        return replica.settings_of(user.login)

    def check_received(
        self, replica: Replica, user: Account, result: RunResult, before: Any
    ) -> None:
        assert isinstance(replica, XReplica)
        changes = replica.events("setting_changed")
        assert sorted(e["control"] for e in changes) == sorted(self.changed)
        assert all(e["value"] is False and e["previous"] is True for e in changes)
        after = replica.settings_of(user.login)
        assert after == {**before, **dict.fromkeys(self.changed, False)}
        if self.outcome in (Outcome.SUBMITTED, Outcome.ALREADY_DONE):
            assert after[TRAINING.field] is False
        assert replica.events("conversation_history_deleted") == []
        assert [a["ok"] for a in replica.login_attempts] == [True]


CASES = [
    *(
        Case("turned_off", v, loc, Outcome.SUBMITTED, changed=OFF)
        for v in ("2025", "2024")
        for loc in ("en", "de", "ko")
    ),
    *(
        Case("already_off", v, loc, Outcome.ALREADY_DONE, {"training_on": False})
        for v, loc in (("2025", "en"), ("2025", "ko"), ("2024", "de"))
    ),
    # Personalization is not AI training: it is left on, and the message says so.
    Case(
        "personalization_left_as_set",
        "2025",
        "de",
        Outcome.SUBMITTED,
        changed=OFF,
        message=LABELS.text("personalization_2025", "de") + "»: on",
    ),
    Case("only_personalization_on", "2025", "ko", Outcome.ALREADY_DONE, {"training_on": False}),
    Case(
        "memory_shown_and_left_as_set",
        "2025",
        "en",
        Outcome.SUBMITTED,
        {"memory_visibility": "show"},
        changed=OFF,
        message=LABELS.text("memory_2025", "en"),
    ),
    Case(
        "memory_shown_disabled",
        "2025",
        "ko",
        Outcome.SUBMITTED,
        {"memory_visibility": "disable"},
        changed=OFF,
    ),
    Case(
        "unusual_activity_email_login",
        "2025",
        "en",
        Outcome.SUBMITTED,
        {"unusual_activity": True},
        changed=OFF,
    ),
    Case(
        "unusual_activity_username_login",
        "2024",
        "ko",
        Outcome.SUBMITTED,
        {"unusual_activity": True, "username": "mina_k"},
        {"login": "mina_k"},
        changed=OFF,
    ),
    Case(
        "totp_with_seed",
        "2025",
        "de",
        Outcome.SUBMITTED,
        {"two_factor": "totp", "totp_seed": SEED},
        {"totp_seed": SEED},
        changed=OFF,
    ),
    Case(
        "totp_without_seed",
        "2025",
        "en",
        Outcome.NEEDS_HUMAN,
        {"two_factor": "totp", "totp_seed": SEED},
        message="authenticator",
    ),
    Case(
        "unusual_then_totp",
        "2024",
        "en",
        Outcome.SUBMITTED,
        {"unusual_activity": True, "two_factor": "totp", "totp_seed": SEED},
        {"totp_seed": SEED},
        changed=OFF,
    ),
    # Under 18 or no birthday: the same checkboxes, disabled, and no message on the page.
    Case(
        "no_birthday",
        "2025",
        "en",
        Outcome.UNAVAILABLE,
        {"birthday": False},
        message="no birthday or its holder is under 18",
    ),
    Case("under_18", "2024", "ko", Outcome.UNAVAILABLE, {"age": 16}, message="greyed out"),
    Case(
        "under_18_with_memory_shown",
        "2025",
        "de",
        Outcome.UNAVAILABLE,
        {"age": 17, "memory_visibility": "show"},
        message="under 18",
    ),
]


def seeded(
    version: str = "2025",
    locale: str = "en",
    config: dict[str, Any] | None = None,
    replica_class: type[XReplica] = XReplica,
    **seed: Any,
) -> tuple[XReplica, Account]:
    replica = replica_class(version=version, locale=locale)
    user = account(locale=locale, country=None, **(config or {}))
    assert user.password is not None
    replica.seed_account(
        login=user.login,
        password=user.password.get_secret_value(),
        email=user.email or "mina@example.org",
        locale=locale,
        **seed,
    )
    return replica, user


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    run_case(case, runner)


def test_second_run_sends_nothing(runner: FlowRunner) -> None:
    replica, user = seeded()
    first = runner.run(XFlow, replica, user, trust_ledger=False)
    second = runner.run(XFlow, replica, user, trust_ledger=False)
    assert (first.outcome, second.outcome) == (Outcome.SUBMITTED, Outcome.ALREADY_DONE)
    assert [
        (e["event"], e["control"]) for e in replica.log if e["event"].startswith("setting_")
    ] == [("setting_changed", TRAINING.field)]


def test_wrong_password_is_tried_once(runner: FlowRunner) -> None:
    replica, user = seeded()
    wrong = user.model_copy(update={"password": SecretStr("not-the-password")})
    result = runner.run(XFlow, replica, wrong)
    assert result.outcome is Outcome.LOGIN_FAILED and "rejected the password" in result.message
    assert [a["ok"] for a in replica.login_attempts] == [False]
    assert replica.settings_of(user.login) == dict.fromkeys(FIELDS["2025"], True)


def test_unknown_login_is_reported_and_not_retried(runner: FlowRunner) -> None:
    replica, user = seeded(locale="de")
    result = runner.run(XFlow, replica, user.model_copy(update={"login": "nobody@example.org"}))
    assert result.outcome is Outcome.LOGIN_FAILED and "nobody@example.org" in result.message
    assert len(replica.login_attempts) == 1


def test_an_unknown_new_switch_is_reported_by_name(runner: FlowRunner) -> None:
    """X adds a checkbox the flow does not know: the known training checkbox is turned off,
    the new one is left alone and named in the message, the evidence and a warning."""
    replica, user = seeded("2025", "de")
    new = "Erlauben, dass xAI deine Bilder zum Training von Bildmodellen verwendet"
    replica.extra_control = new
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert f"«{new}»: on" in result.message and "does not know" in result.message
    assert manifest_of(result)["notes"]["unknown_controls"] == {new: "on"}
    logged = [json.loads(line) for line in runner.log_file.read_text().splitlines()]
    warnings = [e for e in logged if e["event"].startswith("X shows a checkbox")]
    assert len(warnings) == 1 and warnings[0]["controls"] == {new: "on"}
    assert [e["control"] for e in replica.events("setting_changed")] == [TRAINING.field]
    assert replica.accounts[user.login].settings["extra_control"] is True


def test_a_reworded_training_checkbox_in_its_place_is_turned_off_and_the_label_differs(
    runner: FlowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X rewords the training checkbox: it is still the checkbox of the settings container's
    first row (flows/x/signals.toml, training_checkbox), so it is turned off, once, and the new
    name is noted (``label differs``)."""
    replica, user = seeded()
    reworded = "Let xAI learn from your posts and your Grok chats"
    monkeypatch.setitem(replica.text("en"), "training_2025", reworded)
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert [e["control"] for e in replica.events("setting_changed")] == [TRAINING.field]
    log = runner.log_file.read_text(encoding="utf-8")
    assert "label differs" in log and reworded in log


def test_another_known_checkbox_in_the_training_checkboxs_place_is_ui_changed(
    runner: FlowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows moved (the first row says what the personalisation checkbox says): place and
    words disagree, so the flow stops naming what the place holds, having sent nothing."""
    replica, user = seeded()
    monkeypatch.setitem(
        replica.text("en"), "training_2025", replica.text("en")["personalization_2025"]
    )
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert "personalization_2025" in result.message
    assert replica.events("setting_changed") == []


class PersonalisationFirst(XReplica):
    """The rows moved: personalisation's checkbox in the first row."""

    def shown_controls(self, account: XAccount) -> list[tuple[Control, bool]]:
        shown = super().shown_controls(account)
        return [shown[1], shown[0], *shown[2:]]


def test_a_click_in_the_training_place_that_saves_another_setting_is_ui_changed(
    runner: FlowRunner,
) -> None:
    """In words nobody wrote labels for, the rows moved: the click in the training
    checkbox's place sends personalisation's mutation, so the run stops saying so; training
    is never reported off."""
    from tests.flows.test_pseudo_locale import pseudo_localise  # it imports this module

    replica, user = seeded(replica_class=PersonalisationFirst)
    pseudo_localise(replica)
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert "XaiPersonalizationSettingsMutation" in result.message
    assert replica.settings_of(user.login)[TRAINING.field] is True


class SecondCheckboxInTheFirstRow(XReplica):
    """A second checkbox in the container's first row, named as the training checkbox:
    neither place nor words tell them apart."""

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        response = super().render(template, **context)
        if template == "grok_settings.html":
            first = response.body.index('<input type="checkbox"')
            at = response.body.index("</label>", first) + len("</label>")
            name = html.escape(self.text(self.locale)["training_2025"])
            decoy = f'<input type="checkbox" aria-label="{name}" checked>'
            response.body = response.body[:at] + decoy + response.body[at:]
        return response


def test_a_second_checkbox_in_the_training_checkboxs_place_stops_the_run_naming_both(
    runner: FlowRunner,
) -> None:
    replica, user = seeded(replica_class=SecondCheckboxInTheFirstRow)
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert "training_2025 checkbox: two candidates" in result.message
    assert replica.events("setting_changed") == []


class SecondLoginField(XReplica):
    """A second field in the login's first step with the login field's attributes and name:
    Enter would go to whichever the flow typed into, so neither is trusted."""

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        response = super().render(template, **context)
        if template == "login.html":
            first = response.body.index('name="text" autocomplete="username"')
            at = response.body.index(">", first) + 1
            name = html.escape(self.text(self.locale)["login_field"])
            decoy = f'<input type="text" name="text" autocomplete="username" aria-label="{name}">'
            response.body = response.body[:at] + decoy + response.body[at:]
        return response


def test_a_second_login_field_stops_the_run_naming_both(runner: FlowRunner) -> None:
    replica, user = seeded(replica_class=SecondLoginField)
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert "username field: two candidates" in result.message
    assert replica.login_attempts == []


def test_a_change_the_server_drops_is_not_reported_as_done(runner: FlowRunner) -> None:
    """The page shows the box unchecked after the click, but the server stored nothing: the
    reload shows it on again, and the flow must say so instead of reporting success."""
    replica, user = seeded()
    replica.ignore_changes = True
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.FAILED
    assert "still shows on" in result.message
    assert len(replica.events("setting_change_dropped")) == 1
    assert replica.events("setting_changed") == []
    training = LABELS.text("training_2025", "en")
    assert manifest_of(result)["notes"]["controls_after"][training] == "on"


def test_a_failed_save_is_checked_then_sent_again(runner: FlowRunner) -> None:
    replica, user = seeded("2024")
    replica.faults = FaultPlan(rate=1, kinds=("server_error",), match=SAVE_PATH, limit=1)
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.events("fault_injected")) == 1
    assert [e["control"] for e in replica.events("setting_changed")] == [TRAINING.field]
    assert replica.settings_of(user.login) == {TRAINING.field: False}


def test_a_lost_answer_is_checked_not_sent_twice(runner: FlowRunner) -> None:
    """The server stored the change but its answer was lost: the flow asks the page and
    finds it done, and never sends it again."""
    replica, user = seeded("2025")
    replica.faults = FaultPlan(rate=1, kinds=("lost_answer",), match=SAVE_PATH, limit=1)
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert "answer was lost" in result.message
    assert len(replica.events("fault_injected")) == 1
    assert [e["control"] for e in replica.events("setting_changed")] == [TRAINING.field]
    assert replica.settings_of(user.login)[TRAINING.field] is False


def test_a_failed_login_request_starts_the_login_over(runner: FlowRunner) -> None:
    replica, user = seeded("2025", "ko")
    replica.faults = FaultPlan(rate=1, kinds=("cut",), match=TASK_PATH, limit=1)
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.events("fault_injected")) == 1
    assert [a["ok"] for a in replica.login_attempts] == [True]
    assert len(replica.events("setting_changed")) == 1


def test_the_cookie_bar_is_answered_with_refuse(runner: FlowRunner) -> None:
    replica, user = seeded("2025", "de")
    replica.cookie_bar = True
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert [e["choice"] for e in replica.events("cookie_consent")] == ["refuse"]
    assert manifest_of(result)["notes"]["cookies"].startswith("refused")
    assert [e["control"] for e in replica.events("setting_changed")] == [TRAINING.field]


def test_evidence_records_each_control_before_and_after(runner: FlowRunner) -> None:
    replica, user = seeded("2025", "ko", personalization_on=False, memory_visibility="show")
    result = runner.run(XFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED
    folder = evidence(result)
    manifest = manifest_of(result)
    training, personalization, memory = (
        LABELS.text(key, "ko") for key in ("training_2025", "personalization_2025", "memory_2025")
    )
    assert manifest["notes"]["controls_before"] == {
        training: "on",
        personalization: "off",
        memory: "on",
    }
    assert manifest["notes"]["controls_after"] == {
        training: "off",
        personalization: "off",
        memory: "on",
    }
    assert manifest["submitted"] == {training: "off"}
    assert manifest["form_version"] == "2025"
    assert manifest["form_url"] == "https://x.com/settings/grok_settings"
    assert [s["name"] for s in manifest["steps"]] == [
        "log_in",
        "open_settings",
        "read_state",
        "turn_off",
        "verify",
    ]
    requests = [
        json.loads(line) for line in (folder / "replica-requests.jsonl").read_text().splitlines()
    ]
    assert [(r["event"], r["control"]) for r in requests if r["event"] == "setting_changed"] == [
        ("setting_changed", TRAINING.field)
    ]
    assert verify_bundle(folder) == []


def test_the_checkbox_stays_usable_while_x_saves(browser: Browser) -> None:
    """X saves a click at once and shows the new state before its server answers; the
    checkbox is not disabled meanwhile (no such state in X's client). Held here: the save."""
    replica, user = seeded("2025", "en", memory_visibility="show")
    context = browser.new_context(locale="en-US")
    held: list[Route] = []
    try:
        mount(context, [replica])

        def hold(route: Route) -> None:
            held.append(route)

        context.route(re.compile(SAVE_PATH), hold)  # later routes are asked first
        page = context.new_page()
        page.goto(XFlow.URLS["login"])
        page.locator('input[autocomplete="username"]').fill(user.login)
        page.get_by_role("button", name="Next", exact=True).click()
        page.locator('input[name="password"]').fill(password_of(user))
        page.get_by_test_id("LoginForm_Login_Button").click()
        page.get_by_test_id("AppTabBar_Home_Link").wait_for()
        page.goto(XFlow.URLS["settings"])
        panel = page.get_by_test_id("xaiDataSharingSettings")
        names = [
            LABELS.text(k, "en") for k in ("training_2025", "personalization_2025", "memory_2025")
        ]
        boxes = panel.get_by_role("checkbox")
        expect(boxes).to_have_count(3)
        for box, name in zip(boxes.all(), names, strict=True):  # the real order
            expect(box).to_have_accessible_name(name)
        assert page.get_by_role("button", name="Save").count() == 0
        training = panel.get_by_role("checkbox", name=names[0], exact=True)
        with page.expect_request(re.compile(SAVE_PATH)) as sent:
            training.click()
        expect(training).not_to_be_checked()
        expect(training).to_be_enabled()
        assert replica.events("setting_changed") == []  # the save is still held
        held[0].fallback()
        assert sent.value.response() is not None
        expect(training).not_to_be_checked()
        assert replica.settings_of(user.login)[TRAINING.field] is False
        page.reload()
        expect(panel.get_by_role("checkbox", name=names[0], exact=True)).not_to_be_checked()
    finally:
        context.close()


def test_an_account_under_18_sees_the_checkboxes_disabled_without_a_message(
    browser: Browser,
) -> None:
    replica, user = seeded("2025", "de", age=15)
    context = browser.new_context(locale="de-DE")
    try:
        mount(context, [replica])
        page = context.new_page()
        page.goto(XFlow.URLS["login"])
        page.locator('input[autocomplete="username"]').fill(user.login)
        page.get_by_role("button", name=LABELS.text("next", "de"), exact=True).click()
        page.locator('input[name="password"]').fill(password_of(user))
        page.get_by_test_id("LoginForm_Login_Button").click()
        page.get_by_test_id("AppTabBar_Home_Link").wait_for()
        page.goto(XFlow.URLS["settings"])
        boxes = page.get_by_test_id("xaiDataSharingSettings").get_by_role("checkbox")
        expect(boxes).to_have_count(2)  # training, personalization; memory hidden by default
        for box in boxes.all():
            expect(box).to_be_disabled()
        shown = page.get_by_test_id("xaiDataSharingSettings").inner_text()
        for key in (
            "training_2025",
            "personalization_2025",
            "page.training_help_2025",
            "page.personalization_help_2025",
            "page.learn_more",
            "page.delete_history",
        ):
            assert LABELS.text(key, "de").strip() in shown
            shown = shown.replace(LABELS.text(key, "de").strip(), "")
        assert shown.strip() == ""  # nothing else: no "not available" message
    finally:
        context.close()
