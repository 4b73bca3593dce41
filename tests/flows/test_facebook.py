"""Facebook: the user's story against the replica, in every locale and both form versions.

Every test asserts what the replica received (its submissions, login attempts and request
log) and the outcome; none trusts a file's mere existence.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from pydantic import SecretStr

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica, ReplicaRequest, ReplicaResponse
from optout_bot.run.engine import RunResult
from optout_bot.settings import Account, PlatformOptions
from tests.conftest import FlowRunner, account, seed
from tests.flows.cases import FlowCase, evidence, manifest_of, password_of, run_case

COUNTRY = {"en": "Germany", "de": "Deutschland", "ko": "독일"}


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "facebook"
    submissions: int = 0
    cookie_dialog: bool | None = None
    """Whether the run met (and answered) the cookie dialog; None: not asserted."""
    visitor_country: str | None = None
    drift: str | None = None
    """A login layout the replica serves instead of its default (a drift variant)."""

    def replica(self) -> Replica:
        replica = FacebookReplica(
            version=self.version, locale=self.locale, visitor_country=self.visitor_country
        )
        replica.set_drift(self.drift)
        return replica

    def account(self) -> Account:
        return account(**{"locale": self.locale, "country": COUNTRY[self.locale], **self.config})

    def check_received(
        self, replica: Replica, user: Account, result: RunResult, before: Any
    ) -> None:
        assert isinstance(replica, FacebookReplica)
        assert len(replica.submissions) == self.submissions
        if self.cookie_dialog is not None:
            assert [e["choice"] for e in replica.events("cookie_consent")] == (
                ["all"] if self.cookie_dialog else []
            )
        refused = self.outcome in (Outcome.LOGIN_FAILED, Outcome.BLOCKED)
        assert [a["ok"] for a in replica.login_attempts] == [not refused]  # one try, never two
        received = replica.events("objection_received")
        assert len(received) == (self.submissions if self.outcome is Outcome.SUBMITTED else 0)
        if self.submissions:
            sent = replica.submissions[0]
            assert sent["email"] == "mina@example.org"
            assert sent["version"] == self.version and sent["locale"] == self.locale
            assert len(sent["reason"]) >= (100 if self.version == "2024" else 1)
            if self.version == "2024":
                assert sent["country"] == "DE"
            manifest = manifest_of(result)
            assert manifest["form_version"] == self.version
            assert manifest["submitted"]["email"] == "mina@example.org"
            assert manifest["confirmation"]


CASES = [
    # The browser speaks the account's language (en-US, de-DE, ko-KR): only the German one is
    # in the EU, where Facebook asks about cookies; a Korean account never sees the dialog.
    *(
        Case("submitted", v, loc, Outcome.SUBMITTED, submissions=1, cookie_dialog=loc == "de")
        for v in ("2025", "2024")
        for loc in ("en", "de", "ko")
    ),
    Case(
        "cookie_dialog_in_the_eu",
        "2025",
        "en",
        Outcome.SUBMITTED,
        submissions=1,
        cookie_dialog=True,
        visitor_country="IE",
    ),
    Case(
        "no_cookie_dialog_in_korea",
        "2024",
        "de",
        Outcome.SUBMITTED,
        submissions=1,
        cookie_dialog=False,
        visitor_country="KR",
    ),
    # 2026: no <button name=login>, "Log in" is nested divs; Enter in the password submits.
    *(
        Case(
            "login_button_div",
            "2025",
            loc,
            Outcome.SUBMITTED,
            submissions=1,
            drift="login_button_div",
        )
        for loc in ("en", "ko")
    ),
    *(
        Case("already_done", "2025", loc, Outcome.ALREADY_DONE, {"already_objected": True})
        for loc in ("en", "de", "ko")
    ),
    Case("us_region", "2025", "en", Outcome.UNAVAILABLE, {"region": "US"}, message="not available"),
    Case("us_region", "2024", "ko", Outcome.UNAVAILABLE, {"region": "US"}),
    Case(
        "page_account",
        "2025",
        "de",
        Outcome.UNAVAILABLE,
        {"is_page": True},
        message="only people can object",
    ),
    Case(
        "blocked", "2025", "en", Outcome.BLOCKED, {"blocked": True}, message="temporarily blocked"
    ),
    Case(
        "checkpoint_headless",
        "2025",
        "en",
        Outcome.NEEDS_HUMAN,
        {"checkpoint": True},
        message="--headed",
    ),
    Case(
        "device_approval_headless",
        "2025",
        "de",
        Outcome.NEEDS_HUMAN,
        {"two_factor": "device"},
        message="approve this login",
    ),
    Case(
        "totp_without_seed",
        "2025",
        "en",
        Outcome.NEEDS_HUMAN,
        {"two_factor": "totp", "totp_seed": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"},
    ),
    Case(
        "totp_with_seed",
        "2025",
        "ko",
        Outcome.SUBMITTED,
        {"two_factor": "totp", "totp_seed": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"},
        {"totp_seed": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"},
        submissions=1,
    ),
    Case("reauth", "2025", "en", Outcome.SUBMITTED, {"reauth": True}, submissions=1),
    Case(
        "country_not_listed",
        "2024",
        "en",
        Outcome.FAILED,
        {},
        {"country": "Atlantis"},
        message="country 'Atlantis' is not in the form's list",
    ),
    Case(
        "no_country", "2024", "de", Outcome.FAILED, {}, {"country": None}, message="set `country`"
    ),
    Case(
        "short_reason_gets_default",
        "2024",
        "en",
        Outcome.SUBMITTED,
        {},
        {"reason": "No AI training please."},
        submissions=1,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    run_case(case, runner)


def seeded(version: str = "2025", **seed: Any) -> tuple[FacebookReplica, Account]:
    replica = FacebookReplica(version=version)
    user = account()
    replica.seed_account(
        login=user.login,
        password=password_of(user),
        email=user.email or user.login,
        country=user.country,
        **seed,
    )
    return replica, user


def test_second_run_sends_nothing(runner: FlowRunner) -> None:
    replica, user = seeded()
    first = runner.run(FacebookFlow, replica, user, trust_ledger=False)
    second = runner.run(FacebookFlow, replica, user, trust_ledger=False)
    assert (first.outcome, second.outcome) == (Outcome.SUBMITTED, Outcome.ALREADY_DONE)
    assert len(replica.submissions) == 1
    assert len(replica.events("objection_received")) == 1


def test_ledger_answers_before_the_browser_starts(runner: FlowRunner) -> None:
    replica, user = seeded()
    runner.run(FacebookFlow, replica, user)
    logins_before = len(replica.login_attempts)
    again = runner.run(FacebookFlow, replica, user)
    assert again.outcome is Outcome.ALREADY_DONE and "ledger" in again.message
    assert len(replica.login_attempts) == logins_before  # the platform was not even visited
    forced = runner.run(FacebookFlow, replica, user, force=True)
    assert forced.outcome is Outcome.ALREADY_DONE and "platform" in forced.message
    assert len(replica.submissions) == 1


def test_wrong_password_is_tried_once(runner: FlowRunner) -> None:
    replica, user = seeded()
    wrong = user.model_copy(update={"password": SecretStr("not-the-password")})
    result = runner.run(FacebookFlow, replica, wrong)
    assert result.outcome is Outcome.LOGIN_FAILED
    assert "rejected the password" in result.message
    assert [a["ok"] for a in replica.login_attempts] == [False]
    assert replica.submissions == []


def test_unknown_login_is_reported_and_not_retried(runner: FlowRunner) -> None:
    replica, user = seeded()
    stranger = user.model_copy(update={"login": "nobody@example.org"})
    result = runner.run(FacebookFlow, replica, stranger)
    assert result.outcome is Outcome.LOGIN_FAILED and "nobody@example.org" in result.message
    assert len(replica.login_attempts) == 1


def test_2024_code_is_read_from_the_mailbox_and_confirmed_once(runner: FlowRunner) -> None:
    replica, user = seeded("2024")
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED
    assert len(replica.events("code_sent")) == 1
    assert len(replica.events("objection_confirmed")) == 1
    assert any("code" in mail.body.lower() for mail in replica.mailbox)


def test_evidence_bundle_holds_steps_receipt_and_replica_log(runner: FlowRunner) -> None:
    replica, user = seeded()
    result = runner.run(FacebookFlow, replica, user)
    folder = evidence(result)
    manifest = manifest_of(result)
    assert [s["name"] for s in manifest["steps"]] == [
        "log_in",
        "open_form",
        "read_state",
        "fill",
        "submit",
        "confirm",
    ]
    assert all(
        s["screenshot"] and s["url"].startswith("https://www.facebook.com/")
        for s in manifest["steps"]
    )
    assert manifest["form_url"].startswith("https://www.facebook.com/help/contact/")
    assert FacebookFlow.label_book().text("form_title", "en") not in manifest["confirmation"]
    requests = [
        json.loads(line) for line in (folder / "replica-requests.jsonl").read_text().splitlines()
    ]
    assert [r["event"] for r in requests].count("objection_received") == 1
    receipt = (folder / "receipt.html").read_text()
    assert "submitted" in receipt and "mina@example.org" in receipt


def test_passwords_and_seeds_never_reach_any_written_byte(runner: FlowRunner) -> None:
    password, seed = "pw-Canary-7731-xyzzy", "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
    replica = FacebookReplica()
    user = account(password=password, totp_seed=seed, locale="de", country="Deutschland")
    replica.seed_account(
        login=user.login,
        password=password,
        email=user.login,
        locale="de",
        two_factor="totp",
        totp_seed=seed,
    )
    assert runner.run(FacebookFlow, replica, user).outcome is Outcome.SUBMITTED
    wrong = user.model_copy(update={"password": SecretStr(password + "-wrong")})
    assert (
        runner.run(FacebookFlow, replica, wrong, label="no-session").outcome is Outcome.LOGIN_FAILED
    )
    files = runner.written_files()
    assert any(p.suffix == ".png" for p in files) and runner.log_file in files
    needles = [
        password.encode(),
        seed.encode(),
        (password + "-wrong").encode(),
        password.encode("utf-16-le"),
    ]
    leaks = [(p.name, n) for p in files for n in needles if n in p.read_bytes()]
    assert leaks == []
    assert pyotp.TOTP(seed).now()  # the seed was real and used


def test_a_form_address_moved_in_settings_is_used(runner: FlowRunner) -> None:
    replica, user = seeded()
    runner.settings.platforms["facebook"] = PlatformOptions(
        urls={"form": FacebookFlow.URLS["form_alternative"]}
    )
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED
    assert replica.submissions[0]
    assert manifest_of(result)["form_url"] == FacebookFlow.URLS["form_alternative"]


class ReauthRefusing(FacebookReplica):
    """Facebook whose password prompt on the way to the form refuses the password (changed
    elsewhere since the login, say)."""

    def reauthenticate(self, request: ReplicaRequest) -> ReplicaResponse:
        field = self.login_form.password_field
        return super().reauthenticate(
            dataclasses.replace(request, form={**request.form, field: "changed elsewhere"})
        )


def test_a_refused_password_prompt_on_the_way_to_the_form_is_typed_once(
    runner: FlowRunner,
) -> None:
    replica = ReauthRefusing(version="2025")
    user = account()
    seed(replica, user, reauth=True)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.LOGIN_FAILED, result.message
    assert "not typed again" in result.message
    assert len(replica.events("reauth_rejected")) == 1  # the password went in once
    assert replica.submissions == []
