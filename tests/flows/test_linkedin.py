"""LinkedIn: the user's story against the replica, in every locale.

Every test asserts what the replica stored and logged (the setting, ``setting_changed``
entries, login attempts) and the outcome; none trusts a file's mere existence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, expect
from pydantic import SecretStr

from fixtures.linkedin import EARLY_REGIONS_WITHOUT_SETTING, LinkedInReplica
from flows.linkedin import LinkedInFlow
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import verify_bundle
from optout_bot.replica import Replica, ReplicaResponse, mount
from optout_bot.replica.faults import FaultPlan
from optout_bot.run.engine import RunResult
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, evidence, manifest_of, password_of, run_case

TOGGLE = {
    locale: LinkedInFlow.label_book().text("toggle", locale) for locale in LinkedInFlow.locales()
}
SAVE_PATH = r"/mypreferences/d/api/settings/"


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "linkedin"
    regions_without_setting: frozenset[str] = frozenset()
    visitor_region: str = "US"
    changes: int = 0
    cookie_choices: tuple[str, ...] = ()
    """What the cookie banner must have been answered with, once each."""

    def replica(self) -> Replica:
        return LinkedInReplica(
            version=self.version,
            locale=self.locale,
            regions_without_setting=self.regions_without_setting,
            visitor_region=self.visitor_region,
        )

    def state(self, replica: Replica, user: Account) -> bool:
        assert isinstance(replica, LinkedInReplica)
        return replica.training_on(user.login)

    def check_received(
        self, replica: Replica, user: Account, result: RunResult, before: Any
    ) -> None:
        assert isinstance(replica, LinkedInReplica)
        changes = replica.events("setting_changed")
        assert len(changes) == self.changes
        if self.changes:
            assert changes[0]["before"] is True and changes[0]["after"] is False
            assert changes[0]["login"] == user.login
        assert replica.training_on(user.login) is (before and self.outcome is not Outcome.SUBMITTED)
        assert replica.events("setting_change_dropped") == []
        assert [a["ok"] for a in replica.login_attempts] == [True]
        assert [e["choice"] for e in replica.events("cookie_consent")] == list(self.cookie_choices)
        if self.outcome is Outcome.SUBMITTED:
            assert result.submitted == {TOGGLE[self.locale]: "off"}
        else:
            assert result.submitted == {}


CASES = [
    *(
        Case("turned_off", v, loc, Outcome.SUBMITTED, changes=1)
        for v in ("2026", "2025")
        for loc in ("en", "de", "ko")
    ),
    *(
        Case("already_off", v, loc, Outcome.ALREADY_DONE, {"training_on": False})
        for v, loc in (("2026", "en"), ("2026", "de"), ("2025", "ko"))
    ),
    Case(
        "security_check_headless",
        "2026",
        "en",
        Outcome.NEEDS_HUMAN,
        {"checkpoint": True},
        message="security check",
    ),
    Case(
        "security_check_headless",
        "2025",
        "ko",
        Outcome.NEEDS_HUMAN,
        {"checkpoint": True},
        message="--headed",
    ),
    Case(
        "email_pin_headless",
        "2026",
        "de",
        Outcome.NEEDS_HUMAN,
        {"checkpoint": "email_pin"},
        message="emailed you",
    ),
    Case(
        "email_pin_headless",
        "2025",
        "en",
        Outcome.NEEDS_HUMAN,
        {"checkpoint": "email_pin"},
        message="--headed",
    ),
    Case(
        "unavailable_region",
        "2026",
        "de",
        Outcome.UNAVAILABLE,
        {"region": "EU"},
        regions_without_setting=EARLY_REGIONS_WITHOUT_SETTING,
        message="does not offer",
    ),
    Case("available_region", "2026", "en", Outcome.SUBMITTED, {"region": "EU"}, changes=1),
    # A visitor in Europe meets the cookie banner first: the flow rejects, once.
    Case(
        "cookie_banner_rejected",
        "2026",
        "de",
        Outcome.SUBMITTED,
        {"region": "EU"},
        visitor_region="EU",
        changes=1,
        cookie_choices=("deny",),
    ),
    Case(
        "cookie_banner_rejected",
        "2025",
        "en",
        Outcome.ALREADY_DONE,
        {"region": "UK", "training_on": False},
        visitor_region="UK",
        cookie_choices=("deny",),
    ),
]


def seeded(
    locale: str = "en",
    regions_without_setting: frozenset[str] = frozenset(),
    version: str | None = None,
    **seed: Any,
) -> tuple[LinkedInReplica, Account]:
    replica = LinkedInReplica(
        version=version, locale=locale, regions_without_setting=regions_without_setting
    )
    user = account(locale=locale)
    replica.seed_account(
        login=user.login,
        password=password_of(user),
        email=user.email or user.login,
        locale=locale,
        **seed,
    )
    return replica, user


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    run_case(case, runner)


def test_evidence_records_the_switch_before_and_after_a_reload(runner: FlowRunner) -> None:
    replica, user = seeded("ko")
    result = runner.run(LinkedInFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED
    manifest = manifest_of(result)
    assert manifest["notes"]["controls_before"] == {TOGGLE["ko"]: "on"}
    assert manifest["notes"]["controls_after"] == {TOGGLE["ko"]: "off"}
    assert manifest["submitted"] == {TOGGLE["ko"]: "off"}
    assert manifest["form_url"] == LinkedInFlow.URLS["settings"]
    assert TOGGLE["ko"] in manifest["confirmation"]
    assert [s["name"] for s in manifest["steps"]] == [
        "log_in",
        "open_settings",
        "read_state",
        "turn_off",
        "verify",
    ]
    requests = [
        json.loads(line)
        for line in (evidence(result) / "replica-requests.jsonl").read_text().splitlines()
    ]
    assert [r["event"] for r in requests].count("setting_changed") == 1
    assert verify_bundle(evidence(result)) == []


def test_second_run_sends_nothing(runner: FlowRunner) -> None:
    replica, user = seeded("de")
    first = runner.run(LinkedInFlow, replica, user, trust_ledger=False)
    second = runner.run(LinkedInFlow, replica, user, trust_ledger=False)
    assert (first.outcome, second.outcome) == (Outcome.SUBMITTED, Outcome.ALREADY_DONE)
    assert len(replica.events("setting_changed")) == 1
    assert replica.settings_of(user.login) == {"data_for_generative_ai_improvement": False}
    manifest = manifest_of(second)
    assert manifest["notes"]["controls_before"] == {TOGGLE["de"]: "off"}
    assert "submitted" not in manifest


@pytest.mark.parametrize("version", LinkedInReplica.VERSIONS)
def test_wrong_password_is_tried_once(runner: FlowRunner, version: str) -> None:
    replica, user = seeded(version=version)
    wrong = user.model_copy(update={"password": SecretStr("not-the-password")})
    result = runner.run(LinkedInFlow, replica, wrong)
    assert result.outcome is Outcome.LOGIN_FAILED
    assert "rejected the password" in result.message
    assert [a["ok"] for a in replica.login_attempts] == [False]
    assert [e["reason"] for e in replica.events("login_rejected")] == ["wrong_password"]
    assert replica.training_on(user.login) and replica.events("setting_changed") == []


def test_unknown_email_is_reported_and_not_retried(runner: FlowRunner) -> None:
    replica, user = seeded("ko")
    stranger = user.model_copy(update={"login": "nobody@example.org"})
    result = runner.run(LinkedInFlow, replica, stranger)
    assert result.outcome is Outcome.LOGIN_FAILED
    assert "nobody@example.org" in result.message
    assert "LinkedIn 계정을 찾을 수 없습니다" in result.message  # the page followed ko-KR
    assert [e["reason"] for e in replica.events("login_rejected")] == ["unknown_login"]
    assert len(replica.login_attempts) == 1


@pytest.mark.parametrize("kind", ["captcha", "email_pin"])
def test_security_check_is_handed_over_never_answered(runner: FlowRunner, kind: str) -> None:
    replica, user = seeded(checkpoint=kind)
    result = runner.run(LinkedInFlow, replica, user)
    assert result.outcome is Outcome.NEEDS_HUMAN
    assert [e["kind"] for e in replica.events("security_check_shown")] == [kind]
    assert replica.events("security_check_failed") == []
    assert replica.events("setting_changed") == []
    manifest = manifest_of(result)
    assert "/checkpoint/challenge/" in manifest["steps"][-1]["url"]


def test_reload_reads_what_linkedin_stored(runner: FlowRunner) -> None:
    """LinkedIn answers the save but does not keep it: the switch looks Off in the browser,
    and only the reload shows the truth. The flow must not report success."""
    replica, user = seeded()
    replica.drop_changes = True
    result = runner.run(LinkedInFlow, replica, user)
    assert result.outcome is Outcome.FAILED
    assert "on again after a reload" in result.message.lower()
    assert len(replica.events("setting_change_dropped")) == 1
    assert replica.events("setting_changed") == []
    assert replica.training_on(user.login)
    manifest = manifest_of(result)
    assert manifest["notes"]["controls_after"] == {TOGGLE["en"]: "on"}
    assert "confirmation" not in manifest


def test_failed_save_is_checked_then_sent_again_once(runner: FlowRunner) -> None:
    replica, user = seeded()
    replica.faults = FaultPlan(rate=1, kinds=("server_error",), match=SAVE_PATH, limit=1)
    result = runner.run(LinkedInFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.events("fault_injected")) == 1
    assert len(replica.events("setting_changed")) == 1
    assert not replica.training_on(user.login)


def test_lost_answer_is_not_sent_twice(runner: FlowRunner) -> None:
    replica, user = seeded()
    replica.faults = FaultPlan(rate=1, kinds=("lost_answer",), match=SAVE_PATH, limit=1)
    result = runner.run(LinkedInFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert "answer was lost" in result.message
    assert len(replica.events("setting_changed")) == 1
    assert not replica.training_on(user.login)


@pytest.mark.parametrize("version", LinkedInReplica.VERSIONS)
def test_signed_out_visit_to_the_setting_returns_there_after_sign_in(
    browser: Browser, version: str
) -> None:
    replica, user = seeded("de", version=version)
    context = browser.new_context(locale="de-DE")
    try:
        mount(context, [replica])
        page = context.new_page()
        page.goto(LinkedInFlow.URLS["settings"])
        expect(page.get_by_role("heading", name="Einloggen")).to_be_visible()
        assert urlsplit(page.url).path == "/login"
        assert parse_qs(urlsplit(page.url).query)["session_redirect"] == [
            LinkedInFlow.URLS["settings"]
        ]
        page.locator('input[autocomplete~="username"]').filter(visible=True).fill(user.login)
        page.locator('input[autocomplete="current-password"]').filter(visible=True).fill(
            password_of(user)
        )
        page.get_by_role("button", name="Einloggen", exact=True).click()
        switch = page.get_by_role("switch", name=TOGGLE["de"])
        expect(switch).to_be_checked()
        assert page.url == LinkedInFlow.URLS["settings"]
        assert page.locator("html").get_attribute("lang") == "de"
        expect(page.get_by_text("Ein", exact=True)).to_be_visible()  # the state beside it
    finally:
        context.close()


def test_the_2026_sign_in_page_is_form_less_with_a_hidden_second_set(browser: Browser) -> None:
    """What the redesigned page has: no form, no field names, ids generated per render, two
    sets of fields with only one visible, and a Sign in button of type=button."""
    replica, _ = seeded(version="2026")
    context = browser.new_context(locale="en-US")
    try:
        mount(context, [replica])
        page = context.new_page()
        page.goto(LinkedInFlow.URLS["login"])
        logins = page.locator('input[autocomplete="username"]')
        expect(logins).to_have_count(2)
        assert logins.filter(visible=True).count() == 1
        assert page.locator("form").count() == 0
        assert page.locator("input[name]").count() == 0
        first = logins.filter(visible=True).get_attribute("id")
        page.reload()
        assert logins.filter(visible=True).get_attribute("id") != first
        button = page.get_by_role("button", name="Sign in", exact=True)
        assert button.get_attribute("type") == "button"
        expect(page.get_by_role("button", name="Sign in with Apple")).to_be_visible()
    finally:
        context.close()


def test_a_sign_in_page_in_a_language_without_labels_still_signs_in(
    runner: FlowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page speaks Portuguese, which the flow has no labels for: the fields are found by
    their autocomplete attributes and, with no Sign in button it can name, Enter submits."""
    replica, user = seeded(version="2026")
    for key, text in (
        ("login_field", "E-mail ou telefone"),
        ("password", "Senha"),
        ("sign_in", "Entrar"),
    ):
        monkeypatch.setitem(replica.text("en"), key, text)
    result = runner.run(LinkedInFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert [a["ok"] for a in replica.login_attempts] == [True]
    assert len(replica.events("setting_changed")) == 1


class BothFieldSetsShown(LinkedInReplica):
    """A sign-in page whose second set of fields is not hidden: two candidates."""

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        shown = super().render(template, **context)
        shown.body = shown.body.replace("data-fields hidden", "data-fields")
        return shown


def test_two_visible_login_fields_are_ui_changed_not_guessed(runner: FlowRunner) -> None:
    replica = BothFieldSetsShown(version="2026")
    user = account()
    replica.seed_account(login=user.login, password=password_of(user), email=user.login)
    result = runner.run(LinkedInFlow, replica, user)
    assert result.outcome is Outcome.UI_CHANGED
    assert "two candidates" in result.message
    assert replica.login_attempts == []


def test_german_states_read_ein_before_and_aus_after(runner: FlowRunner) -> None:
    replica, user = seeded("de")
    result = runner.run(LinkedInFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    notes = manifest_of(result)["notes"]
    assert (notes["state_shown_before"], notes["state_shown_after"]) == ("Ein", "Aus")
    assert notes["controls_after"] == {TOGGLE["de"]: "off"}
    assert "«Aus»" in result.message
    assert (
        TOGGLE["de"] == "Ihre Daten zum Schulen von KI-Modellen verwenden, um Inhalte zu erstellen"
    )


class SignInAnsweredWithServerError(LinkedInReplica):
    """The 2026 page: the first sign-in request is answered 503 before LinkedIn looks at
    the password; the page's script shows its generic error alert."""

    def __init__(self) -> None:
        super().__init__(version="2026")
        self.server_errors = 0

    def log_in(self, request: Any) -> ReplicaResponse:
        if self.server_errors == 0:
            self.server_errors += 1
            return ReplicaResponse(status=503, body="", content_type="application/json")
        return super().log_in(request)


def test_a_sign_in_request_the_server_failed_is_sent_again(runner: FlowRunner) -> None:
    """The password was never judged, so signing in again is not retrying a rejected one."""
    replica = SignInAnsweredWithServerError()
    user = account()
    replica.seed_account(login=user.login, password=password_of(user), email=user.login)
    result = runner.run(LinkedInFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert replica.server_errors == 1
    assert [a["ok"] for a in replica.login_attempts] == [True]
    assert len(replica.events("setting_changed")) == 1


class RefusalBesideAFailingBeacon(LinkedInReplica):
    """The 2026 page refuses a wrong password in words no label file has, while a beacon
    the page posts beside the sign-in is answered 503: only the sign-in request counts."""

    BEACON = "/li/track"

    def __init__(self) -> None:
        super().__init__(version="2026")
        self.beacons = 0

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        shown = super().render(template, **context)
        beacon = (
            "<script>document.querySelector('[data-sign-in]').addEventListener('click', "
            f"() => fetch({self.BEACON!r}, {{method: 'POST', body: 'event=click'}}));</script>"
        )
        shown.body = shown.body.replace("</body>", beacon + "</body>")
        return shown

    def handle(self, request: Any) -> ReplicaResponse:
        if request.method == "POST" and request.path == self.BEACON:
            self.beacons += 1
            return ReplicaResponse(status=503, body="")
        answer = super().handle(request)
        if answer.status == 400 and "error" in answer.body:
            answer.body = json.dumps({"error": "Nope, not like that."})
        return answer


def test_a_refusal_is_not_retried_because_a_beacon_beside_it_failed(runner: FlowRunner) -> None:
    replica = RefusalBesideAFailingBeacon()
    user = account()
    replica.seed_account(login=user.login, password="the-real-one", email=user.login)
    result = runner.run(LinkedInFlow, replica, user)
    assert replica.beacons >= 1  # the beacon was sent and failed
    assert result.outcome is Outcome.LOGIN_FAILED, result.message
    assert "Nope, not like that." in result.message
    assert [a["ok"] for a in replica.login_attempts] == [False]  # signed in once, not again
