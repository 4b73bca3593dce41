"""Faults injected by the replica: transient ones are retried to the true outcome; a submit
whose answer is lost is never sent twice."""

from __future__ import annotations

import pytest

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot.outcome import Outcome
from optout_bot.replica.faults import FaultPlan
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account, seed

FORM = r"^/help/contact/\d+/?$"


def seeded(version: str = "2025") -> tuple[FacebookReplica, Account]:
    replica = FacebookReplica(version=version)
    user = account()
    seed(replica, user)
    return replica, user


def test_lost_answer_to_the_submit_ends_with_exactly_one_submission(runner: FlowRunner) -> None:
    replica, user = seeded()
    replica.faults = FaultPlan(rate=1, kinds=("lost_answer",), match=FORM, limit=1)
    result = runner.run(FacebookFlow, replica, user)
    assert replica.faults.injected["lost_answer"] == 1
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert "answer was lost" in result.message
    assert len(replica.submissions) == 1
    assert len(replica.events("objection_received")) == 1
    sent = runner.ledger.on_record("facebook", "me", "replica")
    assert sent is not None and sent["status"] == "confirmed"


@pytest.mark.parametrize("seed", [2, 3, 4])  # seeds that meet three faults on the way
@pytest.mark.parametrize("kind", ["server_error", "timeout", "cut"])
def test_transient_faults_anywhere_are_retried_to_the_true_outcome(
    runner: FlowRunner, kind: str, seed: int
) -> None:
    """Three faults at random places can never use up five attempts of one step."""
    replica, user = seeded("2024")
    replica.faults = FaultPlan(rate=0.5, seed=seed, kinds=(kind,), limit=3)
    result = runner.run(FacebookFlow, replica, user)
    assert replica.faults.injected[kind] == 3
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.submissions) == 1


def test_a_platform_that_stays_down_ends_failed_with_the_cause(runner: FlowRunner) -> None:
    replica, user = seeded()
    replica.faults = FaultPlan(rate=1, kinds=("server_error",))
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.FAILED
    assert "gave up after 5 attempts" in result.message and "HTTP 503" in result.message
    assert replica.submissions == [] and replica.login_attempts == []


def test_a_lost_login_answer_is_retried_without_a_second_password_rejection(
    runner: FlowRunner,
) -> None:
    replica, user = seeded()
    replica.faults = FaultPlan(rate=1, kinds=("lost_answer",), match=r"^/login/?$", limit=1)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert all(a["ok"] for a in replica.login_attempts)
    assert len(replica.submissions) == 1
