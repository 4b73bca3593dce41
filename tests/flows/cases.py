"""The shape of a platform's test table and the one runner every table goes through.

A table has one row per scenario, page version and language, with the outcome it must end in;
ids read like ``facebook-de-2024-submitted`` so that ``pytest -k facebook`` or ``-k de-2024``
picks rows. :func:`run_case` builds the platform's replica, seeds the account, runs the flow
through the real engine, checks the outcome and the evidence, and asks the row what the
replica must have received (:meth:`FlowCase.check_received`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from optout_bot.flow.registry import discover
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import verify_bundle
from optout_bot.replica import Replica, replica_class
from optout_bot.run.engine import RunResult
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account


@dataclass(frozen=True)
class FlowCase:
    """``seed`` goes to the replica's ``seed_account``, ``config`` to the account settings;
    ``message`` must appear in the outcome's message. Platforms add what they assert on."""

    PLATFORM: ClassVar[str] = ""
    scenario: str
    version: str
    locale: str
    outcome: Outcome
    seed: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.PLATFORM}-{self.locale}-{self.version}-{self.scenario}"

    def replica(self) -> Replica:
        """The platform's replica in this row's page version and language."""
        return replica_class(self.PLATFORM)(version=self.version, locale=self.locale)

    def account(self) -> Account:
        return account(**{"locale": self.locale, **self.config})

    def seed_replica(self, replica: Replica, user: Account) -> None:
        replica.seed_account(
            login=user.login,
            password=password_of(user),
            email=user.email or user.login,
            locale=self.locale,
            country=user.country,
            **self.seed,
        )

    def state(self, replica: Replica, user: Account) -> Any:
        """What the platform holds before the run, for :meth:`check_received` (a setting)."""
        return None

    def check_received(
        self, replica: Replica, user: Account, result: RunResult, before: Any
    ) -> None:
        """What the replica must have received (and nothing more) for this row."""
        raise NotImplementedError(f"{type(self).__name__} says nothing about the replica")


def run_case(case: FlowCase, runner: FlowRunner) -> RunResult:
    """One row: the flow through the real engine against the replica, then the checks."""
    replica = case.replica()
    user = case.account()
    case.seed_replica(replica, user)
    before = case.state(replica, user)

    result = runner.run(discover()[case.PLATFORM], replica, user)

    assert result.outcome is case.outcome, result.message
    assert case.message.lower() in result.message.lower()
    case.check_received(replica, user, result, before)
    assert verify_bundle(evidence(result)) == []
    return result


def password_of(user: Account) -> str:
    assert user.password is not None
    return user.password.get_secret_value()


def evidence(result: RunResult) -> Path:
    assert result.evidence_dir is not None
    return result.evidence_dir


def manifest_of(result: RunResult) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((evidence(result) / "manifest.json").read_text())
    return manifest
