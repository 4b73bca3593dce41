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
from optout_bot.replica import Replica, mount
from optout_bot.replica.faults import FaultPlan
from optout_bot.run.engine import RunResult
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, evidence, manifest_of, password_of, run_case

TOGGLE = {locale: LinkedInFlow.label_book().text("toggle", locale)
          for locale in LinkedInFlow.locales()}
SAVE_PATH = r"/mypreferences/d/api/settings/"


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "linkedin"
    regions_without_setting: frozenset[str] = frozenset()
    changes: int = 0

    def replica(self) -> Replica:
        return LinkedInReplica(version=self.version, locale=self.locale,
                               regions_without_setting=self.regions_without_setting)

    def state(self, replica: Replica, user: Account) -> bool:
        assert isinstance(replica, LinkedInReplica)
        return replica.training_on(user.login)

    def check_received(self, replica: Replica, user: Account, result: RunResult,
                       before: Any) -> None:
        assert isinstance(replica, LinkedInReplica)
        changes = replica.events("setting_changed")
        assert len(changes) == self.changes
        if self.changes:
            assert changes[0]["before"] is True and changes[0]["after"] is False
            assert changes[0]["login"] == user.login
        assert replica.training_on(user.login) is (before and self.outcome is not
                                                   Outcome.SUBMITTED)
        assert replica.events("setting_change_dropped") == []
        assert [a["ok"] for a in replica.login_attempts] == [True]
        if self.outcome is Outcome.SUBMITTED:
            assert result.submitted == {TOGGLE[self.locale]: "off"}
        else:
            assert result.submitted == {}


CASES = [
    *(Case("turned_off", "2025", loc, Outcome.SUBMITTED, changes=1)
      for loc in ("en", "de", "ko")),
    *(Case("already_off", "2025", loc, Outcome.ALREADY_DONE, {"training_on": False})
      for loc in ("en", "de", "ko")),
    Case("security_check_headless", "2025", "en", Outcome.NEEDS_HUMAN, {"checkpoint": True},
         message="security check"),
    Case("security_check_headless", "2025", "ko", Outcome.NEEDS_HUMAN, {"checkpoint": True},
         message="--headed"),
    Case("unavailable_region", "2025", "de", Outcome.UNAVAILABLE, {"region": "EU"},
         regions_without_setting=EARLY_REGIONS_WITHOUT_SETTING, message="does not offer"),
    Case("available_region", "2025", "en", Outcome.SUBMITTED, {"region": "EU"}, changes=1),
]


def seeded(locale: str = "en", regions_without_setting: frozenset[str] = frozenset(),
           **seed: Any) -> tuple[LinkedInReplica, Account]:
    replica = LinkedInReplica(locale=locale, regions_without_setting=regions_without_setting)
    user = account(locale=locale)
    replica.seed_account(login=user.login, password=password_of(user),
                         email=user.email or user.login, locale=locale, **seed)
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
        "log_in", "open_settings", "read_state", "turn_off", "verify"]
    requests = [json.loads(line) for line in
                (evidence(result) / "replica-requests.jsonl").read_text().splitlines()]
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


def test_wrong_password_is_tried_once(runner: FlowRunner) -> None:
    replica, user = seeded()
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


def test_security_check_is_handed_over_never_answered(runner: FlowRunner) -> None:
    replica, user = seeded(checkpoint=True)
    result = runner.run(LinkedInFlow, replica, user)
    assert result.outcome is Outcome.NEEDS_HUMAN
    assert len(replica.events("security_check_shown")) == 1
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


def test_signed_out_visit_to_the_setting_returns_there_after_sign_in(browser: Browser) -> None:
    replica, user = seeded("de")
    context = browser.new_context(locale="de-DE")
    try:
        mount(context, [replica])
        page = context.new_page()
        page.goto(LinkedInFlow.URLS["settings"])
        expect(page.get_by_role("heading", name="Einloggen")).to_be_visible()
        assert urlsplit(page.url).path == "/login"
        assert parse_qs(urlsplit(page.url).query)["session_redirect"] == [
            LinkedInFlow.URLS["settings"]]
        page.get_by_label("E-Mail-Adresse oder Telefon").fill(user.login)
        page.get_by_label("Passwort", exact=True).fill(password_of(user))
        page.get_by_role("button", name="Einloggen").click()
        switch = page.get_by_role("switch", name=TOGGLE["de"])
        expect(switch).to_be_checked()
        assert page.url == LinkedInFlow.URLS["settings"]
        assert page.locator("html").get_attribute("lang") == "de"
    finally:
        context.close()
