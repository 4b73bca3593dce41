"""Instagram: the user's story against the replica, in every locale and both form versions.

The form is the Meta one Facebook uses (flows/_meta.py), opened on help.instagram.com after a
login on www.instagram.com. Every test asserts what the replica received (its submissions,
login attempts and request log) and the outcome; none trusts a file's mere existence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from fixtures.instagram import InstagramReplica
from flows.instagram import InstagramFlow
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import verify_bundle
from optout_bot.replica import Replica
from optout_bot.run.engine import RunResult
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, evidence, manifest_of, password_of, run_case

COUNTRY = {"en": "Germany", "de": "Deutschland", "ko": "독일"}
SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "instagram"
    submissions: int = 0
    events: tuple[str, ...] = ()
    """Replica events this run must have logged (besides the objection's own)."""
    cookie_dialog: bool | None = None
    """Whether the run met (and answered) the cookie dialog; None: not asserted."""
    drift: str | None = None
    """A login layout the replica serves instead of its default (a drift variant)."""

    def replica(self) -> Replica:
        replica = InstagramReplica(version=self.version, locale=self.locale)
        replica.set_drift(self.drift)
        return replica

    def account(self) -> Account:
        return account(**{"locale": self.locale, "country": COUNTRY[self.locale], **self.config})

    def check_received(
        self, replica: Replica, user: Account, result: RunResult, before: Any
    ) -> None:
        assert isinstance(replica, InstagramReplica)
        assert len(replica.submissions) == self.submissions
        assert len(replica.events("objection_received")) == self.submissions
        assert len(replica.events("objection_confirmed")) == self.submissions
        for event in self.events:
            assert replica.events(event), f"the replica never logged {event}"
        if self.cookie_dialog is not None:
            assert [e["choice"] for e in replica.events("cookie_consent")] == (
                ["all"] if self.cookie_dialog else []
            )
        refused = self.outcome in (Outcome.LOGIN_FAILED, Outcome.BLOCKED)
        assert [a["ok"] for a in replica.login_attempts] == [not refused]  # one try, never two
        if not refused and self.outcome is not Outcome.NEEDS_HUMAN:
            # the save-login-info prompt was answered "Not Now", never "Save Info"
            assert len(replica.events("login_info_not_saved")) == 1
        assert replica.events("login_info_saved") == []
        if self.submissions:
            sent = replica.submissions[0]
            assert sent["login"] == sent["email"] == "mina@example.org"
            assert sent["version"] == self.version and sent["locale"] == self.locale
            assert len(sent["reason"]) >= (100 if self.version == "2024" else 1)
            if self.version == "2024":
                assert sent["country"] == "DE"
            manifest = manifest_of(result)
            assert manifest["form_url"] == InstagramFlow.URLS["form"]
            assert manifest["form_version"] == self.version
            assert manifest["submitted"]["email"] == "mina@example.org"
            assert manifest["confirmation"]
            assert "via" not in manifest


CASES = [
    # Instagram asks about cookies in the EU and the US (en-US, de-DE), not in Korea (ko-KR).
    *(
        Case("submitted", v, loc, Outcome.SUBMITTED, submissions=1, cookie_dialog=loc != "ko")
        for v in ("2025", "2024")
        for loc in ("en", "de", "ko")
    ),
    # 2025+: the login fields are named email/pass in some regions.
    *(
        Case(
            "login_email_pass",
            "2025",
            loc,
            Outcome.SUBMITTED,
            submissions=1,
            drift="login_email_pass",
        )
        for loc in ("en", "ko")
    ),
    # The generic refusal is a refusal: reported, never tried again.
    *(
        Case(
            "login_problem",
            "2025",
            loc,
            Outcome.LOGIN_FAILED,
            {"login_problem": True},
            message="there was a problem logging you into instagram",
            events=("login_rejected",),
        )
        for loc in ("en", "de")
    ),
    *(
        Case(
            "already_done",
            "2025",
            loc,
            Outcome.ALREADY_DONE,
            {"already_objected": True},
            message="already has it on record",
        )
        for loc in ("en", "de", "ko")
    ),
    Case(
        "us_region",
        "2025",
        "en",
        Outcome.UNAVAILABLE,
        {"region": "US"},
        message="instagram objection form is not available",
    ),
    Case("us_region", "2024", "ko", Outcome.UNAVAILABLE, {"region": "US"}),
    Case(
        "blocked",
        "2025",
        "en",
        Outcome.BLOCKED,
        {"blocked": True},
        message="temporarily blocked",
        events=("login_blocked",),
    ),
    Case(
        "checkpoint_headless",
        "2025",
        "en",
        Outcome.NEEDS_HUMAN,
        {"checkpoint": True},
        message="solve the security check",
    ),
    Case(
        "checkpoint_headless",
        "2024",
        "de",
        Outcome.NEEDS_HUMAN,
        {"checkpoint": True},
        message="--headed",
    ),
    Case(
        "device_approval_headless",
        "2025",
        "ko",
        Outcome.NEEDS_HUMAN,
        {"two_factor": "device"},
        message="approve this login",
    ),
    Case(
        "totp_without_seed",
        "2025",
        "en",
        Outcome.NEEDS_HUMAN,
        {"two_factor": "totp", "totp_seed": SEED},
        message="authentication app",
    ),
    Case(
        "totp_with_seed",
        "2025",
        "de",
        Outcome.SUBMITTED,
        {"two_factor": "totp", "totp_seed": SEED},
        {"totp_seed": SEED},
        submissions=1,
        events=("two_factor_passed", "device_trusted"),
    ),
    Case(
        "totp_with_seed",
        "2024",
        "ko",
        Outcome.SUBMITTED,
        {"two_factor": "totp", "totp_seed": SEED},
        {"totp_seed": SEED},
        submissions=1,
        events=("two_factor_passed", "device_trusted"),
    ),
    Case(
        "reauth",
        "2025",
        "en",
        Outcome.SUBMITTED,
        {"reauth": True},
        submissions=1,
        events=("reauth_passed",),
    ),
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
        "short_reason_gets_default",
        "2024",
        "de",
        Outcome.SUBMITTED,
        {},
        {"reason": "Bitte kein KI-Training."},
        submissions=1,
    ),
]


def seed(replica: InstagramReplica, user: Account, **attributes: Any) -> None:
    replica.seed_account(
        login=user.login,
        password=password_of(user),
        email=user.email or user.login,
        locale=user.locale,
        country=user.country,
        **attributes,
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    run_case(case, runner)


def seeded(version: str = "2025", **attributes: Any) -> tuple[InstagramReplica, Account]:
    replica = InstagramReplica(version=version)
    user = account()
    seed(replica, user, **attributes)
    return replica, user


def test_second_run_sends_nothing(runner: FlowRunner) -> None:
    replica, user = seeded()
    first = runner.run(InstagramFlow, replica, user, trust_ledger=False)
    second = runner.run(InstagramFlow, replica, user, trust_ledger=False)
    assert (first.outcome, second.outcome) == (Outcome.SUBMITTED, Outcome.ALREADY_DONE)
    assert len(replica.submissions) == 1
    assert len(replica.events("objection_received")) == 1
    assert [a["ok"] for a in replica.login_attempts] == [True]  # the session was reused


def test_wrong_password_is_tried_once(runner: FlowRunner) -> None:
    replica, user = seeded()
    wrong = user.model_copy(update={"password": SecretStr("not-the-password")})
    result = runner.run(InstagramFlow, replica, wrong)
    assert result.outcome is Outcome.LOGIN_FAILED
    assert "rejected the password" in result.message
    assert [a["ok"] for a in replica.login_attempts] == [False]
    assert [e["reason"] for e in replica.events("login_rejected")] == ["wrong_password"]
    assert replica.submissions == []


def test_unknown_username_is_reported_and_not_retried(runner: FlowRunner) -> None:
    replica, user = seeded()
    stranger = user.model_copy(update={"login": "nobody.at.all"})
    result = runner.run(InstagramFlow, replica, stranger)
    assert result.outcome is Outcome.LOGIN_FAILED and "nobody.at.all" in result.message
    assert [e["reason"] for e in replica.events("login_rejected")] == ["wrong_email"]
    assert len(replica.login_attempts) == 1 and replica.submissions == []


def test_2024_code_is_read_from_the_mailbox_and_confirmed_once(runner: FlowRunner) -> None:
    replica, user = seeded("2024")
    result = runner.run(InstagramFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED
    assert len(replica.events("code_sent")) == 1
    assert len(replica.events("objection_confirmed")) == 1
    assert [m.to for m in replica.mailbox] == ["mina@example.org"] * 2  # code, confirmation


def test_session_from_www_opens_the_form_on_help(runner: FlowRunner) -> None:
    """Login on www.instagram.com, form on help.instagram.com: one ``.instagram.com`` session."""
    replica, user = seeded()
    result = runner.run(InstagramFlow, replica, user)
    folder = evidence(result)
    manifest = json.loads((folder / "manifest.json").read_text())
    steps = {s["name"]: s for s in manifest["steps"]}
    assert list(steps) == ["log_in", "open_form", "read_state", "fill", "submit", "confirm"]
    assert steps["log_in"]["url"].startswith("https://www.instagram.com/")
    assert steps["confirm"]["url"] == f"{InstagramFlow.URLS['form']}/done"
    assert all(s["screenshot"] for s in manifest["steps"])
    assert manifest["submitted"] == {
        "email": "mina@example.org",
        "reason": replica.submissions[0]["reason"],
    }
    requests = [
        json.loads(line) for line in (folder / "replica-requests.jsonl").read_text().splitlines()
    ]
    assert [r["event"] for r in requests if r["event"].startswith("objection")] == [
        "objection_received",
        "objection_confirmed",
    ]
    assert all(
        r["url"].startswith("https://help.instagram.com/contact/")
        for r in requests
        if r["event"].startswith("objection")
    )
    assert "Log in with Facebook" not in json.dumps(requests)  # the right button was pressed
    assert verify_bundle(folder) == []
