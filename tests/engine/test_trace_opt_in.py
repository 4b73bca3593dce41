"""A Playwright trace is recorded only when asked for (``-v``, ``output.keep_trace``):
recording costs every run CPU, and it is kept only for a run that fails."""

from __future__ import annotations

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot.browser.tracing import TRACE
from optout_bot.outcome import Outcome
from tests.conftest import FlowRunner, account, seed


def failed_run(runner: FlowRunner, *, keep_trace: bool) -> Outcome:
    runner.keeping_traces(keep_trace)
    replica = FacebookReplica(version="2025")
    seed(replica, account(password="the-right-one-5521"))
    return runner.run(FacebookFlow, replica, account(password="a-wrong-one-9934")).outcome


def test_no_trace_is_recorded_unless_asked_for(runner: FlowRunner) -> None:
    assert failed_run(runner, keep_trace=False) is Outcome.LOGIN_FAILED
    assert list(runner.root.rglob(TRACE)) == []


def test_asked_for_a_failed_run_keeps_its_trace(runner: FlowRunner) -> None:
    assert failed_run(runner, keep_trace=True) is Outcome.LOGIN_FAILED
    assert len(list(runner.root.rglob(TRACE))) == 1
