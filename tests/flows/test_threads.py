"""Threads: no form of its own, so the objection goes through the linked Instagram account.

The Threads flow logs into Instagram and submits the Instagram form; the tests check that the
replica received exactly one Instagram objection, that the evidence says it went "via"
Instagram, and that an Instagram objection already on record counts for Threads too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from fixtures.instagram import InstagramReplica
from fixtures.threads import ThreadsReplica
from flows.instagram import InstagramFlow
from flows.threads import ThreadsFlow
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica, replica_class
from optout_bot.run.engine import RunResult
from optout_bot.run.jobs import plan_demo
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account
from tests.flows.cases import FlowCase, evidence, manifest_of, password_of, run_case

COUNTRY = {"en": "Germany", "de": "Deutschland", "ko": "독일"}
INSTAGRAM_FORM = "https://help.instagram.com/contact/767264225370182"


@dataclass(frozen=True)
class Case(FlowCase):
    PLATFORM = "threads"

    def account(self) -> Account:
        return account(**{"locale": self.locale, "country": COUNTRY[self.locale], **self.config})

    def check_received(
        self, replica: Replica, user: Account, result: RunResult, before: Any
    ) -> None:
        """Exactly one objection, through the Instagram form, and evidence that says so."""
        assert isinstance(replica, ThreadsReplica)
        assert [(s["login"], s["version"], s["locale"]) for s in replica.submissions] == [
            ("mina@example.org", self.version, self.locale)
        ]
        received = replica.events("objection_received")
        assert len(received) == 1 and received[0]["url"].startswith(INSTAGRAM_FORM)
        manifest = manifest_of(result)
        assert manifest["platform"] == "threads"
        assert manifest["via"] == "instagram"
        assert manifest["form_url"] == INSTAGRAM_FORM
        assert manifest["submitted"]["email"] == "mina@example.org"
        through = {
            "en": "through the linked Instagram account: Threads has no form of its own",
            "de": "über das verknüpfte Instagram-Konto: Threads hat kein eigenes Formular",
            "ko": "연결된 Instagram 계정을 통해: Threads에는 자체 양식이 없습니다",
        }[self.locale]
        receipt = (evidence(result) / "receipt.html").read_text(encoding="utf-8")
        assert through in receipt  # in the person's language, no English note of the flow's
        # Instagram's save-login-info prompt was met and answered "Not Now"
        assert len(replica.events("login_info_not_saved")) == 1
        assert replica.events("login_info_saved") == []


CASES = [
    Case("objects_through_the_instagram_form", version, locale, Outcome.SUBMITTED)
    for locale, version in (("en", "2025"), ("de", "2025"), ("ko", "2025"), ("ko", "2024"))
]


def seeded(replica: InstagramReplica, locale: str = "en", **attributes: Any) -> Account:
    user = account(locale=locale, country=COUNTRY[locale])
    replica.seed_account(
        login=user.login,
        password=password_of(user),
        email=user.email or user.login,
        locale=locale,
        country=user.country,
        **attributes,
    )
    return user


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_flow(case: Case, runner: FlowRunner) -> None:
    run_case(case, runner)


def test_an_instagram_objection_already_counts_for_threads(runner: FlowRunner) -> None:
    """One real site, one replica: Instagram objects first, then Threads finds it on record."""
    replica = InstagramReplica()
    user = seeded(replica)

    instagram = runner.run(InstagramFlow, replica, user)
    threads = runner.run(ThreadsFlow, replica, user)

    assert instagram.outcome is Outcome.SUBMITTED, instagram.message
    assert threads.outcome is Outcome.ALREADY_DONE, threads.message
    assert "platform already has it on record" in threads.message  # not the threads ledger
    assert len(replica.submissions) == 1
    assert len(replica.events("objection_received")) == 1
    assert [a["ok"] for a in replica.login_attempts] == [True, True]
    manifest = manifest_of(threads)
    assert manifest["via"] == "instagram" and "submitted" not in manifest


def test_threads_second_run_sends_nothing(runner: FlowRunner) -> None:
    replica = ThreadsReplica()
    user = seeded(replica, "de")
    first = runner.run(ThreadsFlow, replica, user, trust_ledger=False)
    second = runner.run(ThreadsFlow, replica, user, trust_ledger=False)
    assert (first.outcome, second.outcome) == (Outcome.SUBMITTED, Outcome.ALREADY_DONE)
    assert len(replica.submissions) == 1


def test_threads_wrong_password_is_tried_once_on_instagram(runner: FlowRunner) -> None:
    replica = ThreadsReplica()
    user = seeded(replica, "ko")
    wrong = user.model_copy(update={"password": SecretStr("not-the-password")})
    result = runner.run(ThreadsFlow, replica, wrong)
    assert result.outcome is Outcome.LOGIN_FAILED
    assert [a["ok"] for a in replica.login_attempts] == [False]
    assert replica.events("login_rejected")[0]["url"].startswith("https://www.instagram.com/")
    assert manifest_of(result)["via"] == "instagram"


def test_demo_serves_instagram_and_threads_from_one_replica() -> None:
    assert replica_class("threads") is ThreadsReplica
    plan = plan_demo(["instagram", "threads"])
    assert len(plan.replicas) == 1
    (shared,) = plan.replicas.values()
    assert isinstance(shared, InstagramReplica)
    assert [job.replicas[0] for job in plan.jobs] == [shared, shared]
    assert set(shared.accounts) == {"demo.instagram@example.org", "demo.threads@example.org"}
