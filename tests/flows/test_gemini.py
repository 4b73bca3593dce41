"""Google Gemini: the user's story against the replica in English, German and Korean.

Google refuses to sign in an automated browser: without a kept session the run must end
``needs_human`` with the page's address and the steps in the person's language; with a kept
session it turns off both training switches. Every test asserts on what the replica stored
and logged, and on the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from fixtures.gemini import SETTINGS_URL, GeminiReplica
from flows.gemini import GeminiFlow
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica, ReplicaResponse
from optout_bot.run.engine import RunResult
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, manifest_of, password_of, run_case
from tests.replicas.strings import EMAIL, PASSWORD, Walk, assert_shows_only_label_strings

LOCALES = GeminiFlow.locales()
LABELS = GeminiFlow.label_book()
BOTH = ("keep_activity", "audio")


@dataclass(frozen=True)
class Case(FlowCase):
    """Rows run with Google's wall down (as in the person's own browser); the wall itself has
    tests of its own below."""

    PLATFORM = "gemini"
    changed: tuple[str, ...] = ()

    def replica(self) -> Replica:
        replica = GeminiReplica(locale=self.locale)
        replica.bot_wall = False
        return replica

    def account(self) -> Account:
        return account(**{"locale": self.locale, "country": None, **self.config})

    def state(self, replica: Replica, user: Account) -> dict[str, bool]:
        assert isinstance(replica, GeminiReplica)
        return replica.settings_of(user.login)

    def check_received(
        self, replica: Replica, user: Account, result: RunResult, before: Any
    ) -> None:
        assert isinstance(replica, GeminiReplica)
        changes = replica.events("setting_changed")
        assert sorted(e["control"] for e in changes) == sorted(self.changed)
        assert all(e["previous"] is True and e["value"] is False for e in changes)
        assert all("delete" not in e["url"] for e in changes)
        assert replica.settings_of(user.login) == {**before, **dict.fromkeys(self.changed, False)}


CASES = [
    *(Case("both_off", "2025", loc, Outcome.SUBMITTED, changed=BOTH) for loc in LOCALES),
    *(
        Case(
            "already_off",
            "2025",
            loc,
            Outcome.ALREADY_DONE,
            {"activity_on": False, "audio_on": False},
        )
        for loc in LOCALES
    ),
    Case(
        "only_audio_on", "2025", "ko", Outcome.SUBMITTED, {"activity_on": False}, changed=("audio",)
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    run_case(case, runner)


def seeded(locale: str = "en", **seed: Any) -> tuple[GeminiReplica, Account]:
    replica = GeminiReplica(locale=locale)
    user = account(locale=locale, country=None)
    replica.seed_account(
        login=user.login, password=password_of(user), email=user.login, locale=locale, **seed
    )
    return replica, user


@pytest.mark.parametrize("locale", LOCALES)
def test_googles_bot_wall_ends_needs_human_with_the_address_and_steps(
    locale: str, runner: FlowRunner
) -> None:
    replica, user = seeded(locale)
    replica.bot_wall = True
    result = runner.run(GeminiFlow, replica, user)
    assert result.outcome is Outcome.NEEDS_HUMAN, result.message
    assert SETTINGS_URL in result.message
    assert LABELS.text("keep_activity", locale) in result.message
    assert LABELS.text("turn_off", locale) in result.message
    assert len(replica.events("sign_in_refused")) == 1
    assert replica.events("setting_changed") == []


def test_a_session_the_person_kept_is_used_despite_the_wall(runner: FlowRunner) -> None:
    """The person signed in once themselves (their own browser: the wall is down); the next
    run, with Google refusing sign-ins, goes straight to the page through the kept session."""
    replica, user = seeded("de", activity_on=False, audio_on=False)
    replica.bot_wall = False
    assert runner.run(GeminiFlow, replica, user).outcome is Outcome.ALREADY_DONE
    replica.bot_wall = True
    replica.accounts[user.login].controls.update(keep_activity=True, audio=True)
    result = runner.run(GeminiFlow, replica, user, trust_ledger=False)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert replica.events("sign_in_refused") == []
    assert sorted(e["control"] for e in replica.events("setting_changed")) == sorted(BOTH)


def test_wrong_password_is_tried_once(runner: FlowRunner) -> None:
    replica, user = seeded("ko")
    replica.bot_wall = False
    result = runner.run(
        GeminiFlow, replica, user.model_copy(update={"password": SecretStr("nope")})
    )
    assert result.outcome is Outcome.LOGIN_FAILED, result.message
    assert len(replica.events("login_rejected")) == 1
    assert replica.events("setting_changed") == []


class SecondNextButton(GeminiReplica):
    """A second Next button in an element with Google's id after the email, named alike:
    neither structure nor words tell them apart."""

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        response = super().render(template, **context)
        if template == "identifier.html":
            at = response.body.index("</form>")
            named = self.text("en")["next"]
            decoy = f'<div id="identifierNext"><button type="button">{named}</button></div>'
            response.body = response.body[:at] + decoy + response.body[at:]
        return response


def test_a_second_next_button_stops_the_sign_in_naming_both(runner: FlowRunner) -> None:
    replica = SecondNextButton(locale="en")
    replica.bot_wall = False
    user = account(locale="en", country=None)
    replica.seed_account(login=user.login, password=password_of(user), email=user.login)
    result = runner.run(GeminiFlow, replica, user)
    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert "Next button: two candidates" in result.message
    assert replica.events("setting_changed") == []


def test_an_unknown_checkbox_is_reported_by_name_and_left_alone(runner: FlowRunner) -> None:
    replica, user = seeded("en")
    replica.bot_wall = False
    new = "Improve Google services for everyone with your screen shares"
    replica.extra_controls = [new]
    result = runner.run(GeminiFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert f"«{new}»: on" in result.message and "does not know" in result.message
    assert manifest_of(result)["notes"]["unknown_controls"] == {new: "on"}
    assert sorted(e["control"] for e in replica.events("setting_changed")) == sorted(BOTH)
    assert replica.settings_of(user.login)[new] is True


def test_a_decoy_with_a_similar_name_is_never_changed(runner: FlowRunner) -> None:
    replica, user = seeded("en")
    replica.bot_wall = False
    decoy = LABELS.text("audio", "en") + " on other devices"
    replica.extra_controls = [decoy]
    result = runner.run(GeminiFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert replica.settings_of(user.login)[decoy] is True
    assert sorted(e["control"] for e in replica.events("setting_changed")) == sorted(BOTH)


def walk(walk: Walk) -> None:
    """Every page: the sign-in refused, the sign-in let through (with a wrong password), the
    activity page on and off."""
    accounts = "https://accounts.google.com"
    assert isinstance(walk.replica, GeminiReplica)
    walk.replica.bot_wall = True
    client = walk.client()
    client.get(accounts + "/v3/signin/identifier")
    client.post(accounts + "/v3/signin/identifier", identifier=EMAIL, **{"continue": SETTINGS_URL})
    walk.seed(EMAIL)
    walk.replica.bot_wall = False
    client.post(accounts + "/v3/signin/identifier", identifier=EMAIL, **{"continue": SETTINGS_URL})
    client.post(accounts + "/v3/signin/challenge/pwd", Passwd="wrong", **{"continue": SETTINGS_URL})
    client.post(
        accounts + "/v3/signin/challenge/pwd", Passwd=PASSWORD, **{"continue": SETTINGS_URL}
    )
    client.get(SETTINGS_URL)
    client.post(SETTINGS_URL, control="keep_activity", value="off")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_replica_shows_only_label_strings(locale: str) -> None:
    assert_shows_only_label_strings("gemini", [GeminiReplica(locale=locale)], walk)
