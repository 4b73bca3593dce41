"""Signing in yourself: the login command waits while the person signs in (here the test
plays the person, typing into the replica's sign-in page from inside the page), keeps the
session 0600; a later run uses it without any password; an expired one says how to renew."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable

from playwright.sync_api import Page

from fixtures.chatgpt import ChatgptReplica
from flows.chatgpt import ChatgptFlow
from optout_bot.browser.sessions import session_file
from optout_bot.outcome import Outcome
from optout_bot.run.job import Job, Mode
from optout_bot.run.yourself import log_in_yourself
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account

PASSWORD = "pw-person-types-this-4411"


def person(login: str, password: str) -> Callable[[Page], None]:
    """The person's hands: on each page of the sign-in, what they would type and press.
    Runs inside the page (an init script), while the command waits in Python."""
    script = f"""
    addEventListener("DOMContentLoaded", () => {{
      const front = document.querySelector('[data-testid="login-button"]');
      if (front) {{ front.click(); return; }}
      const email = document.querySelector('input[type="email"]');
      const password = document.querySelector('input[type="password"]');
      if (email) email.value = {json.dumps(login)};
      if (password) password.value = {json.dumps(password)};
      if (email || password) document.querySelector('form').submit();
    }});
    """

    def hands(page: Page) -> None:
        page.add_init_script(script)

    return hands


def yourself() -> Account:
    return account(password=None, sign_in="yourself", country=None)


def signed_in_once(runner: FlowRunner, replica: ChatgptReplica, user: Account) -> None:
    job = Job(flow=ChatgptFlow, label="me", account=user, mode=Mode.REPLICA, replicas=[replica])
    kept = log_in_yourself(
        runner.settings, job, runner.browser, prepare=person(user.login, PASSWORD), seconds=60
    )
    assert kept == session_file(runner.settings.output.sessions_dir, "replica", "chatgpt", "me")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_the_login_command_keeps_the_persons_session_and_runs_use_it(
    runner: FlowRunner,
) -> None:
    replica = ChatgptReplica()
    user = yourself()
    replica.seed_account(login=user.login, password=PASSWORD, email=user.login)
    signed_in_once(runner, replica, user)
    assert len(replica.events("login_succeeded")) == 1

    result = runner.run(ChatgptFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.events("login_succeeded")) == 1  # the run never signed in itself
    assert replica.settings_of(user.login)["training"] is False
    for path in runner.written_files():
        assert PASSWORD.encode() not in path.read_bytes(), path


def test_an_expired_kept_session_says_how_to_renew_it(runner: FlowRunner) -> None:
    replica = ChatgptReplica()
    user = yourself()
    replica.seed_account(login=user.login, password=PASSWORD, email=user.login)
    signed_in_once(runner, replica, user)
    replica.expire_sessions()
    result = runner.run(ChatgptFlow, replica, user)
    assert result.outcome is Outcome.NEEDS_HUMAN, result.message
    assert "expired" in result.message
    assert "optout-bot login me --platform chatgpt" in result.message
    assert replica.events("setting_changed") == []
    assert len(replica.events("login_succeeded")) == 1


def test_without_a_kept_session_the_run_says_to_sign_in_first(runner: FlowRunner) -> None:
    replica = ChatgptReplica(locale="de")
    user = yourself().model_copy(update={"locale": "de"})
    replica.seed_account(login=user.login, password=PASSWORD, email=user.login, locale="de")
    result = runner.run(ChatgptFlow, replica, user)
    assert result.outcome is Outcome.NEEDS_HUMAN, result.message
    assert "optout-bot login me --platform chatgpt" in result.message
    assert "noch keine Sitzung" in result.message
    assert replica.events("email_given") == []


def test_an_account_you_sign_in_to_yourself_keeps_no_password() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="keeps no password"):
        account(sign_in="yourself")


def test_signing_in_headless_without_the_page_says_what_to_do(runner: FlowRunner) -> None:
    """No window and no local page to hand the sign-in to: nothing kept, the person told."""
    import pytest

    from optout_bot.errors import NeedsHuman

    replica = ChatgptReplica()
    user = yourself()
    replica.seed_account(login=user.login, password=PASSWORD, email=user.login)
    job = Job(flow=ChatgptFlow, label="me", account=user, mode=Mode.REPLICA, replicas=[replica])
    with pytest.raises(NeedsHuman, match="--headed"):
        log_in_yourself(runner.settings, job, runner.browser, headless=True, seconds=60)
    assert not session_file(
        runner.settings.output.sessions_dir, "replica", "chatgpt", "me"
    ).exists()
    assert replica.events("email_given") == []
