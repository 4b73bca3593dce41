"""The retry policy decides how often a safe thing is tried again; the flow only says what is
safe. A small replica whose app fails to load, or whose request fails on the way, a given number
of times shows that the counts come from the run's ``RetryPolicy``."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from optout_bot import Flow, Outcome, Step, Target
from optout_bot.labels import LabelBook
from optout_bot.replica import Replica, ReplicaRequest, ReplicaResponse, route
from optout_bot.run.engine import Engine, RunResult
from optout_bot.run.job import Job, Mode
from optout_bot.run.retry import RetryPolicy
from tests.conftest import FlowRunner, account

ONE_TRY_PER_STEP = RetryPolicy(
    attempts=1,
    initial_seconds=0.01,
    max_seconds=0.02,
    page_loads=2,
    page_initial_seconds=0.01,
    page_max_seconds=0.02,
    presses=3,
)
FORM = '<form method="post" action="/send"><button type="submit">Send</button></form>'


class FlakyReplica(Replica):
    """An app that fails to load ``load_failures`` times, then a request that fails on the way
    ``send_failures`` times; it counts what it got."""

    PLATFORM = "flaky"
    ORIGINS = ("https://flaky.example",)

    def __init__(self, *, load_failures: int = 0, send_failures: int = 0) -> None:
        super().__init__()
        self.load_failures, self.send_failures = load_failures, send_failures
        self.loads = self.sends = 0

    @classmethod
    def label_book(cls) -> LabelBook:
        """A test app with no registered flow: its pages are written out above, no labels."""
        return LabelBook(tables={"en": {}})

    def seed_account(self, **attributes: Any) -> None:
        """Anyone may use the app."""

    @route("GET", "/app")
    def app(self, request: ReplicaRequest) -> ReplicaResponse:
        self.loads += 1
        if self.loads <= self.load_failures:
            return ReplicaResponse(body="<p>Something went wrong. Try reloading.</p>")
        return ReplicaResponse(body=f"<h1>Home</h1>{FORM}")

    @route("POST", "/send")
    def send(self, request: ReplicaRequest) -> ReplicaResponse:
        self.sends += 1
        if self.sends <= self.send_failures:
            return ReplicaResponse(body=f'<p role="alert">Request failed</p>{FORM}')
        return ReplicaResponse(body="<h1>Sent</h1>")


class FlakyFlow(Flow):
    """Opens the app, then presses Send; says whether Send is safe to repeat."""

    PLATFORM = "flaky"
    DESCRIPTION = "a test app"
    URLS: ClassVar[dict[str, str]] = {"app": "https://flaky.example/app"}
    LABELS: ClassVar[dict[str, dict[str, str]]] = {"en": {}}
    STEPS = (Step("open_app"), Step("send"))
    SAFE_TO_REPEAT = True

    def open_app(self) -> None:
        self.open_and_wait(
            "app",
            {"home": [Target(role="heading", name="Home")]},
            failed=[Target(text="Something went wrong")],
            what="app",
        )

    def send(self) -> None:
        seen = self.press_and_wait(
            self.find("Send button", Target(role="button", name="Send")),
            {"sent": [Target(role="heading", name="Sent")]},
            failed=[Target(role="alert")],
            what="send",
            safe_to_repeat=self.SAFE_TO_REPEAT,
        )
        self.services.confirmation(seen)


class UnsafeFlow(FlakyFlow):
    SAFE_TO_REPEAT = False


def run(runner: FlowRunner, flow: type[Flow], replica: FlakyReplica) -> RunResult:
    engine = Engine(runner.settings, runner.ledger, runner.browser, retry=ONE_TRY_PER_STEP)
    return engine.run(
        Job(flow=flow, label="me", account=account(), mode=Mode.REPLICA, replicas=[replica])
    )


def test_a_page_whose_app_failed_is_loaded_again_as_often_as_the_policy_says(
    runner: FlowRunner,
) -> None:
    replica = FlakyReplica(load_failures=1)
    result = run(runner, FlakyFlow, replica)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert replica.loads == 2

    replica = FlakyReplica(load_failures=2)
    result = run(runner, FlakyFlow, replica)
    assert result.outcome is Outcome.FAILED
    assert "open_app: gave up after 1 attempts: app: the page failed to load" in result.message
    assert replica.loads == ONE_TRY_PER_STEP.page_loads


@pytest.mark.parametrize(
    ("flow", "failures", "outcome", "sends"),
    [
        (FlakyFlow, 2, Outcome.SUBMITTED, 3),
        (FlakyFlow, 3, Outcome.FAILED, ONE_TRY_PER_STEP.presses),
        (UnsafeFlow, 1, Outcome.FAILED, 1),
    ],
)
def test_a_lost_request_is_sent_again_only_when_safe_and_as_often_as_the_policy_says(
    runner: FlowRunner, flow: type[Flow], failures: int, outcome: Outcome, sends: int
) -> None:
    replica = FlakyReplica(send_failures=failures)
    result = run(runner, flow, replica)
    assert result.outcome is outcome, result.message
    assert replica.sends == sends
