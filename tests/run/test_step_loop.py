"""The step loop against a scripted flow (no browser): steps in order, a passing fault starts
the step over from its ``restart_from`` without logging in again, a lost submit is sent again
only when the platform says it does not have it, a flow that cannot tell stops the run, a
platform that already has it ends the run before anything is sent, check mode never submits."""

from __future__ import annotations

from typing import cast

import pytest

from optout_bot.errors import FlowError, Transient
from optout_bot.flow import Flow, State
from optout_bot.outcome import Outcome
from optout_bot.run.guard import SubmissionGuard
from optout_bot.run.job import StepWatcher
from optout_bot.run.recorder import EvidenceRecorder
from optout_bot.run.steps import StepLoop
from tests.support.fakes import (
    NO_WAIT,
    FakeChecks,
    FakeLedger,
    FakeLog,
    FakeRecorder,
    ScriptedFlow,
)

ALL = ["log_in", "open_form", "read_state", "fill", "submit", "confirm"]


class Loop:
    """One step loop with its fakes, built in one place (the loop's neighbours may change)."""

    def __init__(self, flow: ScriptedFlow, *, check: bool = False) -> None:
        self.flow = flow
        self.ledger = FakeLedger()
        self.log = FakeLog()
        self.recorder = FakeRecorder(facts={"confirmation": "Your objection has been received"})
        self.checks = FakeChecks(enabled=check)
        self.guard = SubmissionGuard(
            self.ledger.as_ledger(), 1, "facebook", "me", "replica", self.log
        )
        self.sessions_saved = 0
        self.reported: list[tuple[str, str | None, str]] = []

    def run(self) -> tuple[Outcome, str]:
        def saved() -> None:
            self.sessions_saved += 1

        return StepLoop(
            cast(Flow, self.flow),
            recorder=cast(EvidenceRecorder, self.recorder),
            checks=cast(StepWatcher, self.checks),
            guard=self.guard,
            retry=NO_WAIT,
            report=lambda event, step, detail: self.reported.append((event, step, detail)),
            logged_in=saved,
            log=self.log,
        ).run()


def lost(what: str = "connection reset") -> Transient:
    return Transient(what)


def test_the_steps_run_once_in_order_and_the_send_is_recorded_around_the_submit() -> None:
    loop = Loop(ScriptedFlow())
    assert loop.run() == (Outcome.SUBMITTED, "Your objection has been received")
    assert loop.flow.calls == ALL
    assert loop.sessions_saved == 1
    assert loop.ledger.writes == [("begin", "1"), ("mark", "1", "sent"), ("mark", "1", "confirmed")]
    assert [status for _, _, status in loop.recorder.ended] == ["ok"] * len(ALL)


def test_a_passing_fault_starts_over_from_restart_from_without_logging_in_again() -> None:
    loop = Loop(ScriptedFlow({"fill": [lost()]}))
    assert loop.run()[0] is Outcome.SUBMITTED
    assert loop.flow.calls == [
        "log_in", "open_form", "read_state", "fill",
        "open_form", "read_state", "fill", "submit", "confirm",
    ]  # fmt: skip
    assert ("fill", 1, "retry") in loop.recorder.ended and ("fill", 2, "ok") in loop.recorder.ended
    assert loop.sessions_saved == 1
    assert ("retry", "fill", "connection reset") in loop.reported


def test_a_lost_submit_the_platform_does_not_have_is_sent_again_in_the_same_row() -> None:
    loop = Loop(ScriptedFlow({"submit": [lost()]}, applied=[False]))
    assert loop.run()[0] is Outcome.SUBMITTED
    assert loop.flow.calls.count("submit") == 2
    assert loop.flow.calls[4:7] == ["submit", "is_applied?", "open_form"]
    assert loop.ledger.statuses() == ["confirmed"]  # one row for the run, however many tries
    assert loop.ledger.writes[0] == ("begin", "1") and ("begin", "2") not in loop.ledger.writes


def test_a_lost_submit_the_platform_has_is_never_sent_again() -> None:
    loop = Loop(ScriptedFlow({"submit": [lost()]}, applied=[True]))
    outcome, message = loop.run()
    assert outcome is Outcome.SUBMITTED and "the answer was lost" in message
    assert loop.flow.calls == [*ALL[:5], "is_applied?"]
    assert loop.ledger.statuses() == ["confirmed"]
    assert loop.recorder.facts["confirmation"] == "Your objection has been received"


def test_a_fault_after_the_send_asks_the_platform_and_never_sends_again() -> None:
    loop = Loop(ScriptedFlow({"confirm": [lost()]}, applied=[True]))
    assert loop.run()[0] is Outcome.SUBMITTED
    assert loop.flow.calls == [*ALL, "is_applied?"]
    assert loop.flow.calls.count("submit") == 1


def test_a_lost_submit_a_flow_cannot_check_stops_the_run() -> None:
    loop = Loop(ScriptedFlow({"submit": [lost()]}))  # is_applied: "cannot tell"
    with pytest.raises(FlowError, match="not sending again"):
        loop.run()
    assert loop.flow.calls.count("submit") == 1
    assert loop.ledger.statuses() == ["sending"]


def test_a_platform_that_already_has_it_ends_the_run_before_anything_is_sent() -> None:
    loop = Loop(ScriptedFlow({"read_state": [State.DONE]}))
    outcome, _ = loop.run()
    assert outcome is Outcome.ALREADY_DONE
    assert loop.flow.calls == ["log_in", "open_form", "read_state"]
    assert loop.ledger.rows == []
    assert loop.checks.skipped == ["fill", "submit", "confirm"]


def test_a_fault_that_keeps_coming_gives_up_after_the_policy_s_attempts() -> None:
    loop = Loop(ScriptedFlow({"open_form": [lost("HTTP 503")] * 10}))
    outcome, message = loop.run()
    assert outcome is Outcome.FAILED
    assert message == f"open_form: gave up after {NO_WAIT.attempts} attempts: HTTP 503"
    assert loop.flow.calls.count("open_form") == NO_WAIT.attempts
    assert "submit" not in loop.flow.calls and loop.ledger.rows == []


def test_check_mode_checks_the_submit_in_place_and_sends_nothing() -> None:
    loop = Loop(ScriptedFlow(), check=True)
    outcome, message = loop.run()
    assert (outcome, message) == (Outcome.SUBMITTED, "check passed; nothing was sent")
    assert loop.flow.calls == [*ALL[:4], "check submit"]
    assert loop.checks.skipped == ["confirm"]
    assert not {"sent", "confirmed"} & set(loop.ledger.statuses())
