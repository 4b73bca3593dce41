"""``SubmissionGuard``, the never-send-twice core, against a ledger kept in memory and a
scripted flow: a ``sending`` row before every submit and only one per run, the platform asked
after a fault once something may have been sent, a flow that cannot tell stops the run, and
rows of runs that died while sending are settled by what this run learned."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest

from optout_bot.errors import FlowError, Transient
from optout_bot.flow import FORM_STEPS, Flow, Step
from optout_bot.outcome import Outcome
from optout_bot.run.guard import SubmissionGuard
from tests.support.fakes import FakeLedger, FakeLog, ScriptedFlow

RUN = 7
STEP = {s.name: s for s in FORM_STEPS}
FACTS = {"form_url": "https://www.facebook.com/help/contact/1", "submitted": {"email": "m@x"}}


def guard(ledger: FakeLedger, log: FakeLog | None = None) -> SubmissionGuard:
    return SubmissionGuard(ledger.as_ledger(), RUN, "facebook", "me", "replica", log or FakeLog())


def asked_once(question: Callable[[], bool]) -> bool:
    """The reads policy without retries: the question asked once."""
    return question()


def after_fault(sub: SubmissionGuard, flow: ScriptedFlow, step: Step) -> bool:
    return sub.applied_after_fault(cast(Flow, flow), step, asked_once)


def test_one_sending_row_before_the_submit_however_often_the_submit_is_prepared() -> None:
    ledger = FakeLedger()
    sub = guard(ledger)
    sub.about_to_send(FACTS)
    sub.about_to_send(FACTS)  # the step started over after a fault: still the same row
    assert ledger.writes == [("begin", "1")]
    [row] = ledger.rows
    assert (row["status"], row["run_id"], row["form_url"]) == ("sending", RUN, FACTS["form_url"])
    assert row["submitted"] == {"email": "m@x"}


def test_a_sent_submission_stays_sent_and_is_then_on_record() -> None:
    ledger = FakeLedger()
    sub = guard(ledger)
    assert sub.on_record() is None
    sub.about_to_send(FACTS)
    sub.sent()
    sub.confirmed("Your objection has been received")
    sub.finish(Outcome.SUBMITTED, evidence_failed=False)
    assert ledger.statuses() == ["confirmed"]
    assert ledger.rows[0]["confirmation"] == "Your objection has been received"
    said = sub.on_record()
    assert said is not None and "already on record in the ledger since 2026-11-27" in said


def test_a_run_that_sent_nothing_marks_its_row_not_sent() -> None:
    ledger = FakeLedger()
    sub = guard(ledger)
    sub.about_to_send(FACTS)
    sub.finish(Outcome.FAILED, evidence_failed=False)
    assert ledger.statuses() == ["not_sent"]
    assert sub.on_record() is None


def test_a_send_cut_off_by_a_write_error_stays_sending_for_the_next_run_to_ask() -> None:
    ledger = FakeLedger()
    sub = guard(ledger)
    sub.about_to_send(FACTS)
    sub.finish(Outcome.FAILED, evidence_failed=True)
    assert ledger.statuses() == ["sending"]


def test_a_fault_before_anything_could_be_sent_asks_nothing() -> None:
    flow = ScriptedFlow(applied=[True])
    sub = guard(FakeLedger())
    assert after_fault(sub, flow, STEP["fill"]) is False
    assert flow.calls == []  # the platform was not asked: nothing can be on it


@pytest.mark.parametrize("step", ["submit", "confirm"])
def test_after_a_fault_once_something_may_be_sent_the_platform_is_asked(step: str) -> None:
    ledger, log = FakeLedger(), FakeLog()
    sub = guard(ledger, log)
    sub.about_to_send(FACTS)
    if step == "confirm":
        sub.sent()  # the submit went through; the fault came later
    flow = ScriptedFlow(applied=[True])
    assert after_fault(sub, flow, STEP[step]) is True
    assert flow.calls == ["is_applied?"]
    assert sub.state_changed
    assert ledger.statuses() == ["confirmed"]
    assert ledger.rows[0]["confirmation"] == "on record on the platform"
    assert "state-changing step interrupted; checking the platform" in log.events()


def test_a_submit_the_platform_does_not_have_may_be_sent_again() -> None:
    ledger = FakeLedger()
    sub = guard(ledger)
    sub.about_to_send(FACTS)
    assert after_fault(sub, ScriptedFlow(applied=[False]), STEP["submit"]) is False
    assert not sub.state_changed
    assert ledger.statuses() == ["sending"]  # until this run sends it or ends


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (NotImplementedError(), "this flow cannot check whether it went through"),
        (Transient("HTTP 503"), "the platform could not be checked (HTTP 503)"),
    ],
)
def test_a_platform_that_cannot_be_asked_stops_the_run(answer: BaseException, said: str) -> None:
    ledger = FakeLedger()
    sub = guard(ledger)
    sub.about_to_send(FACTS)
    with pytest.raises(FlowError) as stopped:
        after_fault(sub, ScriptedFlow(applied=[answer]), STEP["submit"])
    assert said in str(stopped.value) and "not sending again" in str(stopped.value)
    assert ledger.statuses() == ["sending"]


def test_only_sends_of_dead_runs_of_this_account_count_as_cut_off() -> None:
    ledger = FakeLedger()
    dead = ledger.add_row(3, "sending", run_state="interrupted")
    ledger.add_row(4, "sending", run_state="running")  # another run, still sending
    ledger.add_row(5, "sending", run_state="interrupted", account="someone-else")
    ledger.add_row(6, "sent", run_state="finished")
    log = FakeLog()
    sub = guard(ledger, log)
    sub.look_for_cut_off_sends()
    assert [row["id"] for row in sub.cut_off] == [dead]
    assert log.lines[-1][2] == {"runs": [3]}


@pytest.mark.parametrize(
    ("outcome", "settled"),
    [
        (Outcome.ALREADY_DONE, "confirmed"),  # the platform had it: the old run's send arrived
        (Outcome.SUBMITTED, "not_sent"),  # this run had to send it: the old one did not
        (Outcome.FAILED, "sending"),  # nothing learned: the next run asks again
    ],
)
def test_a_cut_off_send_is_settled_by_what_this_run_learned(outcome: Outcome, settled: str) -> None:
    ledger = FakeLedger()
    ledger.add_row(3, "sending", run_state="interrupted")
    sub = guard(ledger)
    sub.look_for_cut_off_sends()
    sub.finish(outcome, evidence_failed=False)
    assert ledger.rows[0]["status"] == settled
    if settled == "confirmed":
        assert ledger.rows[0]["confirmation"] == f"on record on the platform (checked by run {RUN})"
