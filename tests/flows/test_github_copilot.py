"""GitHub Copilot: the user's story against the replica, for English, German and Korean
accounts (github.com itself is in English for all three).

Every test asserts what the replica stored and logged (its policies, ``setting_changed``
events, sign-in attempts) and the outcome; none trusts a file's mere existence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from fixtures.github_copilot import GithubCopilotReplica
from flows.github_copilot import GithubCopilotFlow
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica
from optout_bot.run.engine import RunResult
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, manifest_of, password_of, run_case
from tests.replicas.strings import EMAIL, PASSWORD, Walk, assert_shows_only_label_strings

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
LOCALES = GithubCopilotFlow.locales()


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "github_copilot"
    changed: tuple[str, ...] = ()
    """The policies the replica must log exactly one ``setting_changed`` for."""

    def account(self) -> Account:
        return account(**{"locale": self.locale, "country": None, **self.config})

    def state(self, replica: Replica, user: Account) -> dict[str, bool]:
        assert isinstance(replica, GithubCopilotReplica)
        return replica.settings_of(user.login)

    def check_received(
        self, replica: Replica, user: Account, result: RunResult, before: Any
    ) -> None:
        assert isinstance(replica, GithubCopilotReplica)
        changes = replica.events("setting_changed")
        assert sorted(e["control"] for e in changes) == sorted(self.changed)
        assert all(e["previous"] is True and e["value"] is False for e in changes)
        assert replica.settings_of(user.login) == {**before, **dict.fromkeys(self.changed, False)}
        assert len(replica.events("login_succeeded")) == 1
        assert replica.events("login_rejected") == []


CASES = [
    *(Case("turned_off", "2026", loc, Outcome.SUBMITTED, changed=("training",)) for loc in LOCALES),
    *(
        Case("already_off", "2026", loc, Outcome.ALREADY_DONE, {"training_on": False})
        for loc in LOCALES
    ),
    *(
        Case(
            "authenticator_code",
            "2026",
            loc,
            Outcome.SUBMITTED,
            {"totp_seed": SEED},
            {"totp_seed": SEED},
            changed=("training",),
        )
        for loc in LOCALES
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    run_case(case, runner)


def seeded(locale: str = "en", **seed: Any) -> tuple[GithubCopilotReplica, Account]:
    replica = GithubCopilotReplica(locale=locale)
    user = account(locale=locale, country=None)
    replica.seed_account(
        login=user.login, password=password_of(user), email=user.login, locale=locale, **seed
    )
    return replica, user


@pytest.mark.parametrize("locale", LOCALES)
def test_wrong_password_is_tried_once(locale: str, runner: FlowRunner) -> None:
    replica, user = seeded(locale)
    wrong = user.model_copy(update={"password": SecretStr("not-the-password")})
    result = runner.run(GithubCopilotFlow, replica, wrong)
    assert result.outcome is Outcome.LOGIN_FAILED, result.message
    assert len(replica.events("login_rejected")) == 1
    assert replica.events("setting_changed") == []


def test_authenticator_code_without_a_seed_needs_the_person(runner: FlowRunner) -> None:
    replica, user = seeded("ko", totp_seed=SEED)
    result = runner.run(GithubCopilotFlow, replica, user)
    assert result.outcome is Outcome.NEEDS_HUMAN, result.message
    assert "authenticator" in result.message
    assert len(replica.events("password_accepted")) == 1
    assert replica.events("setting_changed") == []


def test_a_wrong_authenticator_code_is_not_retried(runner: FlowRunner) -> None:
    other = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # the person configured another app's seed
    replica, user = seeded("de", totp_seed=SEED)
    result = runner.run(
        GithubCopilotFlow, replica, user.model_copy(update={"totp_seed": SecretStr(other)})
    )
    assert result.outcome is Outcome.LOGIN_FAILED, result.message
    assert len(replica.events("two_factor_rejected")) == 1
    assert replica.events("setting_changed") == []


def test_an_unknown_new_policy_is_reported_by_name_and_left_alone(runner: FlowRunner) -> None:
    replica, user = seeded("de")
    new = "Allow GitHub to use my data for product improvements"
    replica.extra_controls = [new]
    result = runner.run(GithubCopilotFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert f"«{new}»: on" in result.message and "does not know" in result.message
    assert manifest_of(result)["notes"]["unknown_controls"] == {new: "on"}
    assert [e["control"] for e in replica.events("setting_changed")] == ["training"]
    assert replica.settings_of(user.login)[new] is True


def test_a_decoy_with_a_similar_name_is_never_changed(runner: FlowRunner) -> None:
    """A second dropdown whose name holds the training one's: only the exact name is acted on."""
    replica, user = seeded("ko")
    decoy = "Allow GitHub to use my data for AI model training in my organizations"
    replica.extra_controls = [decoy]
    result = runner.run(GithubCopilotFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert [e["control"] for e in replica.events("setting_changed")] == ["training"]
    assert replica.settings_of(user.login)[decoy] is True
    assert f"«{decoy}»: on" in result.message


def test_a_change_the_server_drops_is_not_reported_as_done(runner: FlowRunner) -> None:
    replica, user = seeded()
    replica.ignore_changes = True
    result = runner.run(GithubCopilotFlow, replica, user)
    assert result.outcome is Outcome.FAILED, result.message
    assert "still shows" in result.message
    assert replica.settings_of(user.login)["training"] is True


def walk(walk: Walk) -> None:
    """Every page of the replica: sign-in (with its error), the settings."""
    origin = GithubCopilotReplica.ORIGINS[0]
    client = walk.client()
    client.get(origin + "/login")
    client.post(origin + "/session", login="nobody", password="x", return_to="/settings/copilot")
    walk.seed(EMAIL)
    client.post(origin + "/session", login=EMAIL, password=PASSWORD, return_to="/settings/copilot")
    client.get(origin + "/settings/copilot")
    coded = walk.client()
    walk.seed("coded", totp_seed=SEED)
    coded.post(origin + "/session", login="coded", password=PASSWORD, return_to="/")
    coded.get(origin + "/sessions/two-factor/app")
    coded.post(origin + "/sessions/two-factor", app_otp="000000", return_to="/")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_replica_shows_only_label_strings(locale: str) -> None:
    assert_shows_only_label_strings("github_copilot", [GithubCopilotReplica(locale=locale)], walk)
