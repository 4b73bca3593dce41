"""ChatGPT: turning off "Improve the model for everyone", against the replica; signing in
yourself once and using the kept session; a bot wall; switches the flow does not know."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from fixtures.chatgpt import ChatgptReplica
from flows.chatgpt import ChatgptFlow
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica, ReplicaResponse
from optout_bot.run.engine import RunResult
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, manifest_of, password_of, run_case
from tests.replicas.strings import EMAIL, PASSWORD, Walk, assert_shows_only_label_strings

DECOY = "Improve the model for everyone with voice"
NEW_SWITCH = "Use my uploads to improve models"


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "chatgpt"
    changes: int = 0

    def account(self) -> Account:
        return account(**{"locale": self.locale, "country": None, **self.config})

    def state(self, replica: Replica, user: Account) -> Any:
        assert isinstance(replica, ChatgptReplica)
        return replica.settings_of(user.login)

    def check_received(
        self, replica: Replica, user: Account, result: RunResult, before: Any
    ) -> None:
        assert isinstance(replica, ChatgptReplica)
        changes = replica.events("setting_changed")
        assert [(c["setting"], c["before"], c["after"]) for c in changes] == [
            ("training", True, False)
        ] * self.changes
        after = replica.settings_of(user.login)
        assert after == {**before, "training": before["training"] and self.changes == 0}


CASES = [
    *(
        Case("turned_off", "2025", locale, Outcome.SUBMITTED, changes=1)
        for locale in ChatgptFlow.locales()
    ),
    Case("already_off", "2025", "en", Outcome.ALREADY_DONE, {"training_on": False}),
    Case(
        "decoy_and_new_switch_left_alone",
        "2025",
        "en",
        Outcome.SUBMITTED,
        {"extra_switches": ((DECOY, True), (NEW_SWITCH, True))},
        changes=1,
        message=NEW_SWITCH,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    result = run_case(case, runner)
    if case.outcome is Outcome.SUBMITTED:
        assert result.proof == "reread"
    if case.scenario == "decoy_and_new_switch_left_alone":
        notes = manifest_of(result)["notes"]
        assert notes["unknown_controls"] == {DECOY: "on", NEW_SWITCH: "on"}
        assert DECOY in result.message


def test_wrong_password_is_tried_once(runner: FlowRunner) -> None:
    replica = ChatgptReplica()
    user = account(country=None)
    replica.seed_account(login=user.login, password=password_of(user), email=user.login)
    wrong = user.model_copy(update={"password": SecretStr("not-the-password")})
    result = runner.run(ChatgptFlow, replica, wrong)
    assert result.outcome is Outcome.LOGIN_FAILED, result.message
    assert len(replica.events("login_rejected")) == 1
    assert replica.events("setting_changed") == []


@pytest.mark.parametrize("locale", ["en", "de", "ko"])
def test_a_bot_wall_ends_needs_human_with_the_settings_address(
    runner: FlowRunner, locale: str
) -> None:
    replica = ChatgptReplica(locale=locale)
    user = account(country=None, locale=locale)
    replica.seed_account(login=user.login, password=password_of(user), email=user.login)
    replica.bot_wall = True
    result = runner.run(ChatgptFlow, replica, user)
    assert result.outcome is Outcome.NEEDS_HUMAN, result.message
    assert "https://chatgpt.com/#settings/DataControls" in result.message
    steps = ChatgptFlow.label_book().label("manual_steps", locale)
    assert str(steps) in result.message
    assert replica.events("login_succeeded") == []
    assert replica.events("setting_changed") == []


class SecondTrainingSwitch(ChatgptReplica):
    """A second switch in the dialog with the training switch's test id and name: neither
    structure nor words tell them apart."""

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        response = super().render(template, **context)
        if template == "home.html":
            first = response.body.index('data-testid="improve-model-toggle"')
            at = response.body.index("</button>", first) + len("</button>")
            decoy = (
                '<button type="button" role="switch" data-testid="improve-model-toggle" '
                'aria-labelledby="training-name" aria-checked="true"></button>'
            )
            response.body = response.body[:at] + decoy + response.body[at:]
        return response


def test_a_second_switch_with_the_training_test_id_stops_the_run_naming_both(
    runner: FlowRunner,
) -> None:
    replica = SecondTrainingSwitch(locale="en")
    user = account(country=None, locale="en")
    replica.seed_account(login=user.login, password=password_of(user), email=user.login)
    result = runner.run(ChatgptFlow, replica, user)
    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert "Improve the model switch: two candidates" in result.message
    assert replica.events("setting_changed") == []


def walk(walk: Walk) -> None:
    """Every page: the front page, email and password steps (with the error), home."""
    origin = ChatgptReplica.ORIGINS[0]
    client = walk.client()
    client.get(origin + "/auth/login")
    client.get(origin + "/auth/login?step=email")
    client.post(origin + "/auth/login", step="email", email="nobody@example.org")
    client.post(origin + "/auth/login", step="password", password="x")
    walk.seed(EMAIL)
    client.post(origin + "/auth/login", step="email", email=EMAIL)
    client.post(origin + "/auth/login", step="password", password=PASSWORD)
    client.get(origin + "/")


@pytest.mark.parametrize("locale", ChatgptFlow.locales())
def test_the_replica_shows_only_label_strings(locale: str) -> None:
    assert_shows_only_label_strings("chatgpt", [ChatgptReplica(locale=locale)], walk)
