"""Claude: turning off "Help improve Claude", against the replica; the sign-in code read from a
real (Dovecot) mailbox; signing in yourself once and an expired kept session; a bot wall;
switches the flow does not know, and one whose name resembles the real one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page

from fixtures.claude import ClaudeReplica
from flows.claude import ClaudeFlow
from optout_bot.imap import MailSettings
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica
from optout_bot.replica.mail import SigningKey, deliver, mail_domain
from optout_bot.run.engine import RunResult
from optout_bot.run.job import Job, Mode
from optout_bot.run.yourself import log_in_yourself
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, manifest_of, run_case
from tests.replicas.strings import EMAIL, Walk, assert_shows_only_label_strings
from tests.support.dovecot import dovecot_server

DECOY = "Help improve Claude Code"  # Claude Code's own prompt has this name
NEW_SWITCH = "Use my uploaded files to train models"
SETTINGS = "https://claude.ai/settings/data-privacy-controls"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def claude_account(**values: Any) -> Account:
    """Claude has no password: an account holds the email address only."""
    return account(**{"password": None, "country": None, **values})


def seed(replica: ClaudeReplica, user: Account, **values: Any) -> None:
    replica.seed_account(
        login=user.login, email=user.email or user.login, locale=user.locale, **values
    )


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "claude"
    changes: int = 0

    def account(self) -> Account:
        return claude_account(locale=self.locale, **self.config)

    def seed_replica(self, replica: Replica, user: Account) -> None:
        assert isinstance(replica, ClaudeReplica)
        seed(replica, user, **self.seed)

    def state(self, replica: Replica, user: Account) -> Any:
        assert isinstance(replica, ClaudeReplica)
        return replica.settings_of(user.login)

    def check_received(
        self, replica: Replica, user: Account, result: RunResult, before: Any
    ) -> None:
        assert isinstance(replica, ClaudeReplica)
        assert len(replica.events("code_requested")) == 1
        assert replica.events("code_rejected") == []
        assert len(replica.events("login_succeeded")) == 1
        changes = replica.events("setting_changed")
        assert [(c["setting"], c["before"], c["after"]) for c in changes] == [
            ("training", True, False)
        ] * self.changes
        after = replica.settings_of(user.login)
        assert after == {**before, "training": before["training"] and self.changes == 0}


CASES = [
    *(
        Case("turned_off", "2025", locale, Outcome.SUBMITTED, changes=1)
        for locale in ClaudeFlow.locales()
    ),
    *(
        Case("already_off", "2025", locale, Outcome.ALREADY_DONE, {"training_on": False})
        for locale in ("en", "ko")
    ),
    Case(
        "decoy_and_new_switch_left_alone",
        "2025",
        "de",
        Outcome.SUBMITTED,
        {"extra_switches": ((DECOY, True), (NEW_SWITCH, False))},
        changes=1,
        message=NEW_SWITCH,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    result = run_case(case, runner)
    if case.outcome is Outcome.SUBMITTED:
        assert result.proof == "reread"
        location = str(ClaudeFlow.label_book().label("location_metadata", case.locale))
        assert location in result.message  # the other known switch, left as it was
    if case.scenario == "decoy_and_new_switch_left_alone":
        notes = manifest_of(result)["notes"]
        assert notes["unknown_controls"] == {DECOY: "on", NEW_SWITCH: "off"}
        assert DECOY in result.message


@pytest.mark.parametrize("locale", ["en", "de", "ko"])
def test_a_bot_wall_ends_needs_human_with_the_settings_address(
    runner: FlowRunner, locale: str
) -> None:
    replica = ClaudeReplica(locale=locale)
    user = claude_account(locale=locale)
    seed(replica, user)
    replica.bot_wall = True
    result = runner.run(ClaudeFlow, replica, user)
    assert result.outcome is Outcome.NEEDS_HUMAN, result.message
    assert SETTINGS in result.message
    steps = ClaudeFlow.label_book().label("manual_steps", locale)
    assert str(steps) in result.message
    assert replica.events("code_requested") == []
    assert replica.events("setting_changed") == []


def test_a_refused_code_ends_login_failed_and_is_typed_once(runner: FlowRunner) -> None:
    replica = ClaudeReplica()
    user = claude_account()
    seed(replica, user, codes_refused=True)
    result = runner.run(ClaudeFlow, replica, user)
    assert result.outcome is Outcome.LOGIN_FAILED, result.message
    assert len(replica.events("code_requested")) == 1
    assert len(replica.events("code_rejected")) == 1
    assert replica.events("login_succeeded") == []
    assert replica.events("setting_changed") == []


# --- the code from the person's own mailbox --------------------------------------------------


class MailboxOnly(ClaudeReplica):
    """Claude's mail reaches only the person's IMAP mailbox: the replica's own list, which a
    run without a mailbox falls back to, stays empty (``sent`` keeps it for the test)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def send_mail(self, to: str, subject: str, body: str) -> None:
        super().send_mail(to, subject, body)
        self.sent.append(self.mailbox.pop().body)


@pytest.fixture
def mailbox() -> Iterator[MailSettings]:
    with dovecot_server(user="mina@example.org") as settings:
        yield settings.model_copy(update={"wait_seconds": 30})


def test_the_code_is_read_from_the_persons_mailbox_dkim_verified_and_never_written(
    runner: FlowRunner, mailbox: MailSettings
) -> None:
    assert mailbox.password is not None
    password = mailbox.password.get_secret_value()
    forger = SigningKey.generate(mail_domain("claude"))  # Claude's domain, not Claude's key
    forged = forger.sign(
        sender=f"no-reply@{forger.domain}",
        to="mina@example.org",
        subject="Your Claude sign-in code",
        body="Enter this verification code to sign in to Claude: 999999",
        date=datetime.now(UTC) + timedelta(hours=1),  # the newest, but not Claude's
    )
    deliver(mailbox, password, forged)
    user = claude_account(mail=mailbox)
    replica = MailboxOnly()
    seed(replica, user)
    replica.mail_drop = (mailbox, password)

    result = runner.run(ClaudeFlow, replica, user)

    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.events("code_requested")) == 1
    assert replica.events("code_rejected") == []  # the forged code was never typed
    assert len(replica.events("login_succeeded")) == 1
    assert replica.settings_of(user.login)["training"] is False
    (sent,) = replica.sent
    found = CODE.search(sent)
    assert found is not None
    runner.ledger.close()
    for path in runner.written_files():
        data = path.read_bytes()
        assert found.group(1).encode() not in data, path
        assert password.encode() not in data, path


# --- signing in yourself ---------------------------------------------------------------------


def person(login: str, replica: ClaudeReplica) -> Callable[[Page], None]:
    """The person's hands: they type their address, then the code from their mailbox (here the
    replica's, handed to the page); runs inside the page while the command waits."""
    script = f"""
    addEventListener("DOMContentLoaded", async () => {{
      const email = document.querySelector('[data-testid="email"]');
      if (email) {{ email.value = {json.dumps(login)}; email.form.submit(); return; }}
      const code = document.querySelector('[data-testid="code"]');
      if (code) {{ code.value = await window.emailedCode(); code.form.submit(); }}
    }});
    """

    def emailed_code() -> str:
        found = CODE.search(replica.mailbox[-1].body)
        assert found is not None
        return found.group(1)

    def hands(page: Page) -> None:
        page.expose_function("emailedCode", emailed_code)
        page.add_init_script(script)

    return hands


def signed_in_once(runner: FlowRunner) -> tuple[ClaudeReplica, Account]:
    """The login command, the person at the window: the session is kept."""
    replica = ClaudeReplica()
    user = claude_account(sign_in="yourself")
    seed(replica, user)
    job = Job(flow=ClaudeFlow, label="me", account=user, mode=Mode.REPLICA, replicas=[replica])
    log_in_yourself(
        runner.settings, job, runner.browser, prepare=person(user.login, replica), seconds=60
    )
    assert len(replica.events("login_succeeded")) == 1
    return replica, user


def test_a_kept_session_is_used_without_asking_for_a_code(runner: FlowRunner) -> None:
    replica, user = signed_in_once(runner)
    result = runner.run(ClaudeFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.events("code_requested")) == 1  # the person's; the run asked for none
    assert len(replica.events("login_succeeded")) == 1
    assert replica.settings_of(user.login)["training"] is False


def test_an_expired_kept_session_says_how_to_renew_it(runner: FlowRunner) -> None:
    replica, user = signed_in_once(runner)
    replica.expire_sessions()
    result = runner.run(ClaudeFlow, replica, user)
    assert result.outcome is Outcome.NEEDS_HUMAN, result.message
    assert "expired" in result.message
    assert "optout-bot login me --platform claude" in result.message
    assert len(replica.events("code_requested")) == 1
    assert replica.events("setting_changed") == []


# --- the replica's words ---------------------------------------------------------------------


def walk(walk: Walk) -> None:
    """Every page: the email step, the code step (with the error), home, Privacy."""
    origin = ClaudeReplica.ORIGINS[0]
    client = walk.client()
    client.get(origin + "/login")
    client.post(origin + "/login", step="email", email="nobody@example.org")
    client.post(origin + "/login", step="code", code="000000")
    walk.seed(EMAIL)
    client.post(origin + "/login", step="email", email=EMAIL)
    replica = walk.replica
    assert isinstance(replica, ClaudeReplica)
    found = CODE.search(replica.mailbox[-1].body)
    assert found is not None
    client.post(origin + "/login", step="code", code=found.group(1))
    client.get(origin + "/new")
    client.get(origin + "/settings/data-privacy-controls")


@pytest.mark.parametrize("locale", ClaudeFlow.locales())
def test_the_replica_shows_only_label_strings(locale: str) -> None:
    assert_shows_only_label_strings("claude", [ClaudeReplica(locale=locale)], walk)
