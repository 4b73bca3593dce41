"""DeepSeek: turning off "Improve the model for everyone" against the replica, in every
language; a wrong password tried once; a bot wall; switches the flow does not know; signing
in yourself once and using the kept session."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page
from pydantic import SecretStr

from fixtures.deepseek import DeepseekReplica
from flows.deepseek import DeepseekFlow
from optout_bot.browser.sessions import session_file
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica
from optout_bot.run.engine import RunResult
from optout_bot.run.job import Job, Mode
from optout_bot.run.yourself import log_in_yourself
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, manifest_of, password_of, run_case
from tests.replicas.strings import EMAIL, PASSWORD, Walk, assert_shows_only_label_strings

DECOY = "Improve the model for everyone with my voice"
NEW_SWITCH = "Use my uploaded files to train models"
LOCALES = DeepseekFlow.locales()
SETTINGS_ADDRESS = "https://chat.deepseek.com/"


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "deepseek"
    changes: int = 0
    unknown: tuple[str, ...] = ()

    def account(self) -> Account:
        return account(**{"locale": self.locale, "country": None, **self.config})

    def state(self, replica: Replica, user: Account) -> Any:
        assert isinstance(replica, DeepseekReplica)
        return replica.settings_of(user.login)

    def check_received(
        self, replica: Replica, user: Account, result: RunResult, before: Any
    ) -> None:
        assert isinstance(replica, DeepseekReplica)
        assert len(replica.events("login_succeeded")) == 1
        changes = replica.events("setting_changed")
        assert [(c["setting"], c["before"], c["after"]) for c in changes] == [
            ("training", True, False)
        ] * self.changes
        after = replica.settings_of(user.login)
        assert after == {**before, "training": before["training"] and self.changes == 0}


CASES = [
    *(Case("turned_off", "2025", lang, Outcome.SUBMITTED, changes=1) for lang in LOCALES),
    *(
        Case("already_off", "2025", lang, Outcome.ALREADY_DONE, {"training_on": False})
        for lang in LOCALES
    ),
    *(
        Case(
            "decoy_left_alone",
            "2025",
            lang,
            Outcome.SUBMITTED,
            {"extra_switches": ((DECOY, True),)},
            changes=1,
            message=DECOY,
            unknown=(DECOY,),
        )
        for lang in LOCALES
    ),
    *(
        Case(
            "unknown_switch_reported",
            "2025",
            lang,
            Outcome.SUBMITTED,
            {"extra_switches": ((NEW_SWITCH, True),)},
            changes=1,
            message=NEW_SWITCH,
            unknown=(NEW_SWITCH,),
        )
        for lang in LOCALES
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    result = run_case(case, runner)
    notes = manifest_of(result)["notes"]
    if case.outcome is Outcome.SUBMITTED:
        assert result.proof == "reread"
        switch = str(DeepseekFlow.label_book().label("toggle", case.locale))
        assert notes["controls_after"][switch] == "off"
    assert notes.get("unknown_controls", {}) == {name: "on" for name in case.unknown}


@pytest.mark.parametrize("locale", LOCALES)
def test_wrong_password_is_tried_once(runner: FlowRunner, locale: str) -> None:
    replica = DeepseekReplica(locale=locale)
    user = account(country=None, locale=locale)
    replica.seed_account(
        login=user.login, password=password_of(user), email=user.login, locale=locale
    )
    wrong = user.model_copy(update={"password": SecretStr("not-the-password")})
    result = runner.run(DeepseekFlow, replica, wrong)
    assert result.outcome is Outcome.LOGIN_FAILED, result.message
    assert len(replica.events("login_rejected")) == 1
    assert replica.events("login_succeeded") == []
    assert replica.events("setting_changed") == []
    assert replica.settings_of(user.login)["training"] is True


@pytest.mark.parametrize("locale", LOCALES)
def test_a_bot_wall_ends_needs_human_with_the_settings_address(
    runner: FlowRunner, locale: str
) -> None:
    replica = DeepseekReplica(locale=locale)
    user = account(country=None, locale=locale)
    replica.seed_account(
        login=user.login, password=password_of(user), email=user.login, locale=locale
    )
    replica.bot_wall = True
    result = runner.run(DeepseekFlow, replica, user)
    assert result.outcome is Outcome.NEEDS_HUMAN, result.message
    assert SETTINGS_ADDRESS in result.message
    steps = DeepseekFlow.label_book().label("manual_steps", locale)
    assert str(steps) in result.message
    assert replica.events("login_rejected") == []
    assert replica.events("login_succeeded") == []
    assert replica.events("setting_changed") == []


def test_a_sign_in_page_that_opens_on_the_password_login(runner: FlowRunner) -> None:
    """Early-2025 scripts typed into the password login at once (Task1.java in labels/)."""
    replica = DeepseekReplica()
    replica.opens_on_password = True
    user = account(country=None)
    replica.seed_account(login=user.login, password=password_of(user), email=user.login)
    result = runner.run(DeepseekFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.events("login_succeeded")) == 1
    assert replica.settings_of(user.login) == {"training": False}


# --- signing in yourself ---------------------------------------------------------------------

TYPED = "pw-person-types-this-7319"


def person(login: str, password: str) -> Callable[[Page], None]:
    """The person's hands on DeepSeek's sign-in: the password login, then the account and
    password, then Log in. Runs inside the page (an init script) while the command waits."""
    script = f"""
    addEventListener("DOMContentLoaded", () => {{
      const password = document.querySelector('input[type="password"]');
      if (!password) {{
        const other = document.querySelector('[role="button"]');
        if (other && location.pathname === "/sign_in") other.click();
        return;
      }}
      document.querySelector('input[type="text"]').value = {json.dumps(login)};
      password.value = {json.dumps(password)};
      document.getElementById("log-in").click();
    }});
    """

    def hands(page: Page) -> None:
        page.add_init_script(script)

    return hands


def yourself() -> Account:
    return account(password=None, sign_in="yourself", country=None)


def signed_in_once(runner: FlowRunner, replica: DeepseekReplica, user: Account) -> None:
    job = Job(flow=DeepseekFlow, label="me", account=user, mode=Mode.REPLICA, replicas=[replica])
    kept = log_in_yourself(
        runner.settings, job, runner.browser, prepare=person(user.login, TYPED), seconds=60
    )
    assert kept == session_file(runner.settings.output.sessions_dir, "replica", "deepseek", "me")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_signing_in_yourself_keeps_the_session_and_runs_use_it(runner: FlowRunner) -> None:
    replica = DeepseekReplica()
    user = yourself()
    replica.seed_account(login=user.login, password=TYPED, email=user.login)
    signed_in_once(runner, replica, user)
    assert len(replica.events("login_succeeded")) == 1

    result = runner.run(DeepseekFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert result.proof == "reread"
    assert len(replica.events("login_succeeded")) == 1  # the run never signed in itself
    assert replica.settings_of(user.login)["training"] is False
    for path in runner.written_files():
        assert TYPED.encode() not in path.read_bytes(), path


def test_an_expired_kept_session_says_how_to_renew_it(runner: FlowRunner) -> None:
    replica = DeepseekReplica()
    user = yourself()
    replica.seed_account(login=user.login, password=TYPED, email=user.login)
    signed_in_once(runner, replica, user)
    replica.expire_sessions()
    result = runner.run(DeepseekFlow, replica, user)
    assert result.outcome is Outcome.NEEDS_HUMAN, result.message
    assert "optout-bot login me --platform deepseek" in result.message
    assert replica.events("setting_changed") == []
    assert len(replica.events("login_succeeded")) == 1


# --- the replica's strings -------------------------------------------------------------------


def walk(walk: Walk) -> None:
    """Every page: the code login, the password login, both answers of the login call, home."""
    origin = DeepseekReplica.ORIGINS[0]
    client = walk.client()
    client.get(origin + "/")
    client.get(origin + "/sign_in?method=password")
    client.post(origin + "/api/v0/users/login", account="nobody@example.org", password="x")
    walk.seed(EMAIL)
    client.post(origin + "/api/v0/users/login", account=EMAIL, password=PASSWORD)
    client.get(origin + "/")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_replica_shows_only_label_strings(locale: str) -> None:
    assert_shows_only_label_strings("deepseek", [DeepseekReplica(locale=locale)], walk)
