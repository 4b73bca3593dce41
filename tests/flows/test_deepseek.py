"""Deepseek: the user's story against the replica (written by ``optout-bot new-platform``).

TODO: add a row for every scenario the real site has (two-factor, security checks, the
setting missing for some accounts) once the replica reproduces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from fixtures.deepseek import DeepseekReplica
from flows.deepseek import DeepseekFlow
from optout_bot.run.engine import RunResult
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, password_of, run_case
from tests.replicas.strings import EMAIL, PASSWORD, Walk, assert_shows_only_label_strings


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "deepseek"
    changes: int = 0

    def account(self) -> Account:
        return account(**{"locale": self.locale, "country": None, **self.config})

    def state(self, replica: Replica, user: Account) -> bool:
        assert isinstance(replica, DeepseekReplica)
        return replica.settings_of(user.login)["ai_training"]

    def check_received(self, replica: Replica, user: Account, result: RunResult,
                       before: Any) -> None:
        assert isinstance(replica, DeepseekReplica)
        changes = replica.events("setting_changed")
        assert len(changes) == self.changes
        assert all(c["before"] is True and c["after"] is False for c in changes)
        on = replica.settings_of(user.login)["ai_training"]
        assert on is (before and self.outcome is not Outcome.SUBMITTED)


CASES = [
    *(Case("turned_off", "2025", locale, Outcome.SUBMITTED, changes=1)
      for locale in DeepseekFlow.locales()),
    Case("already_off", "2025", "en", Outcome.ALREADY_DONE, {"training_on": False}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    run_case(case, runner)


def test_wrong_password_is_tried_once(runner: FlowRunner) -> None:
    replica = DeepseekReplica()
    user = account(country=None)
    replica.seed_account(login=user.login, password=password_of(user), email=user.login)
    wrong = user.model_copy(update={"password": SecretStr("not-the-password")})
    result = runner.run(DeepseekFlow, replica, wrong)
    assert result.outcome is Outcome.LOGIN_FAILED, result.message
    assert len(replica.events("login_rejected")) == 1
    assert replica.events("setting_changed") == []


def walk(walk: Walk) -> None:
    """Every page of the replica: sign-in (with its error), home, the setting before and
    after saving."""
    origin = DeepseekReplica.ORIGINS[0]
    client = walk.client()
    client.get(origin + "/login")
    client.post(origin + "/login", username="nobody", password="x", next="/home")
    walk.seed(EMAIL)
    client.post(origin + "/login", username=EMAIL, password=PASSWORD, next="/home")
    client.get(origin + "/settings/ai")
    client.post(origin + "/settings/ai")


@pytest.mark.parametrize("locale", DeepseekFlow.locales())
def test_the_replica_shows_only_label_strings(locale: str) -> None:
    assert_shows_only_label_strings("deepseek", [DeepseekReplica(locale=locale)], walk)
