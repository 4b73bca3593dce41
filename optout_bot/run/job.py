"""What one run is asked to do: a ``Job``, fixed when the run is planned.

A job is a value: planning decides its mode once (``Mode``), and nothing changes it afterwards
(a different job is a new value, ``dataclasses.replace``). Check mode is not a flag the
engine knows: a check job carries a ``watch`` (``optout_bot.check`` builds it), a watcher the
engine calls after every step without knowing what it does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from playwright.sync_api import Page

from optout_bot.flow import Flow, Step
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import EvidenceBundle
from optout_bot.replica import Replica
from optout_bot.settings import Account


class Mode(StrEnum):
    """Where a run acts: the real platform, a replica, the demo, or a check (nothing sent)."""

    LIVE = "live"
    REPLICA = "replica"
    DEMO = "demo"
    CHECK = "check"


class StepWatcher(Protocol):
    """What the engine calls around a run's steps. A check run's watcher (``optout_bot.check``)
    judges each step's page; ``enabled`` tells the step loop to check the state-changing step
    instead of doing it."""

    enabled: bool
    page: Page | None
    checks: list[Any]

    def record(
        self, step: str, screenshot: str | None, seconds: float, error: BaseException | None
    ) -> None: ...

    def note_unconfirmed(self, step: str, keys: list[str]) -> None: ...

    def skip(self, steps: Sequence[Step], why: str) -> None: ...

    def skip_unreached(self) -> None: ...

    def verdict(self, outcome: Outcome) -> str: ...


WatcherFactory = Callable[["Job", EvidenceBundle], StepWatcher]
ObserverFactory = Callable[["Job", EvidenceBundle, StepWatcher], StepWatcher]
"""A watcher that only looks (a capture of a changed page, the record of what passed on the
real site), wrapped around the job's own watcher: it never makes a run a check."""


class NoWatcher:
    """The watcher of every run that is not a check: it watches nothing."""

    enabled = False

    def __init__(self, job: Job, bundle: EvidenceBundle) -> None:
        self.page: Page | None = None
        self.checks: list[Any] = []

    def record(
        self, step: str, screenshot: str | None, seconds: float, error: BaseException | None
    ) -> None:
        pass

    def note_unconfirmed(self, step: str, keys: list[str]) -> None:
        pass

    def skip(self, steps: Sequence[Step], why: str) -> None:
        pass

    def skip_unreached(self) -> None:
        pass

    def verdict(self, outcome: Outcome) -> str:
        return ""


@dataclass(frozen=True)
class Job:
    """One flow for one account. ``replicas`` set means: serve these instead of the network."""

    flow: type[Flow]
    label: str
    account: Account
    mode: Mode = Mode.LIVE
    replicas: Sequence[Replica] = ()
    force: bool = False
    trust_ledger: bool = True
    ask_code: Callable[[str], str] | None = None
    update_baselines: bool = False
    teach: bool | None = None  # teach mode (optout_bot.run.teach); None: when headed
    watch: WatcherFactory | None = None  # check mode's watcher (optout_bot.check.watcher)
    observe: tuple[ObserverFactory, ...] = ()  # watchers that only look, around ``watch``

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", Mode(self.mode))
        if self.mode is Mode.CHECK and self.watch is None:
            raise ValueError("a check job needs a watcher (optout_bot.check.watcher.as_check)")

    @property
    def check(self) -> bool:
        """A check: every step but the state-changing one, which is checked instead."""
        return self.watch is not None

    def watcher(self, bundle: EvidenceBundle) -> StepWatcher:
        """The job's watcher (check mode's, or none), each observer wrapped around it."""
        found: StepWatcher = (self.watch or NoWatcher)(self, bundle)
        for observer in self.observe:
            found = observer(self, bundle, found)
        return found
