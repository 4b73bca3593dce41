"""Stand-ins for the step loop's neighbours, so the never-send-twice core and the order of
steps are tested without a browser, a replica or a database: a ledger kept in memory that
records every write, a flow whose steps do what a test scripts, and the recorders' bare
surface. The real ones are tested end to end elsewhere; these test the decisions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from optout_bot.flow import FORM_STEPS, State, Step
from optout_bot.records.ledger import Ledger
from optout_bot.run.retry import RetryPolicy

NO_WAIT = RetryPolicy(attempts=5, total_seconds=60, initial_seconds=0, max_seconds=0)
"""The product's policy shape, without the waiting between tries."""


@dataclass
class FakeRun:
    id: int
    state: str  # "running", "finished" or "interrupted", as ``RunRow.state`` says


class FakeLedger:
    """The ledger's submission rows, in memory; ``writes`` lists every change in order."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.fake_runs: list[FakeRun] = []
        self.writes: list[tuple[str, ...]] = []

    def as_ledger(self) -> Ledger:
        return cast(Ledger, self)

    def add_row(self, run_id: int, status: str, *, run_state: str, **row: Any) -> int:
        """An earlier run's submission row (and that run, in ``run_state``)."""
        self.fake_runs.append(FakeRun(run_id, run_state))
        values = {"platform": "facebook", "account": "me", "mode": "replica", **row}
        self.rows.append({"id": len(self.rows) + 1, "run_id": run_id, "status": status, **values})
        return len(self.rows)

    def begin_submission(
        self,
        run_id: int,
        platform: str,
        account: str,
        mode: str,
        form_url: str | None,
        form_version: str | None,
        submitted: dict[str, Any],
    ) -> int:
        self.rows.append(
            {
                "id": len(self.rows) + 1,
                "run_id": run_id,
                "platform": platform,
                "account": account,
                "mode": mode,
                "status": "sending",
                "form_url": form_url,
                "form_version": form_version,
                "submitted": submitted,
                "confirmation": None,
                "sent_utc": None,
            }
        )
        self.writes.append(("begin", str(len(self.rows))))
        return len(self.rows)

    def mark_submission(
        self, submission_id: int, status: str, confirmation: str | None = None
    ) -> None:
        row = self.rows[submission_id - 1]
        row["status"] = status
        if confirmation is not None:
            row["confirmation"] = confirmation
        if status in ("sent", "confirmed") and not row.get("sent_utc"):
            row["sent_utc"] = "2026-11-27T10:00:00Z"
        self.writes.append(("mark", str(submission_id), status))

    def on_record(self, platform: str, account: str, mode: str) -> dict[str, Any] | None:
        found = [
            r
            for r in self.rows
            if (r["platform"], r["account"], r["mode"]) == (platform, account, mode)
            and r["status"] in ("sent", "confirmed")
        ]
        return dict(found[-1]) if found else None

    def submissions(self, platform: str | None = None) -> list[dict[str, Any]]:
        return [dict(r) for r in self.rows if platform in (None, r["platform"])]

    def runs(self, platform: str | None = None, limit: int = 50) -> list[FakeRun]:
        return list(reversed(self.fake_runs))[:limit]

    def statuses(self) -> list[str]:
        return [r["status"] for r in self.rows]


class FakeLog:
    """A logger that keeps what it was told: ``(level, event, fields)``."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, Any]]] = []

    def info(self, event: str, **fields: Any) -> None:
        self.lines.append(("info", event, fields))

    def warning(self, event: str, **fields: Any) -> None:
        self.lines.append(("warning", event, fields))

    def events(self) -> list[str]:
        return [event for _, event, _ in self.lines]


Behaviour = BaseException | State | Callable[[], object] | None


class ScriptedFlow:
    """A flow whose steps do what the test says, attempt by attempt: ``script["submit"] =
    [Transient("lost"), None]`` fails the first submit and lets the second through. A step
    not scripted (or past its script) succeeds. ``applied`` answers ``is_applied`` in turn
    (an exception is raised); ``calls`` lists every step and question in order."""

    PLATFORM = "facebook"
    STEPS: ClassVar[tuple[Step, ...]] = FORM_STEPS

    def __init__(
        self,
        script: dict[str, list[Behaviour]] | None = None,
        applied: Iterable[bool | BaseException] = (),
    ) -> None:
        self.script = {name: list(steps) for name, steps in (script or {}).items()}
        self.applied = list(applied)
        self.calls: list[str] = []
        self.step = ""

    def __getattr__(self, name: str) -> Callable[[], object]:
        if name not in {s.name for s in type(self).STEPS}:
            raise AttributeError(name)
        return lambda: self._act(name)

    def _act(self, name: str) -> object:
        self.calls.append(name)
        planned = self.script.get(name, [])
        behaviour = planned.pop(0) if planned else None
        if isinstance(behaviour, BaseException):
            raise behaviour
        return behaviour() if callable(behaviour) else behaviour

    def is_applied(self) -> bool:
        self.calls.append("is_applied?")
        if not self.applied:
            raise NotImplementedError
        answer = self.applied.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def check_step(self, step: str) -> None:
        self.calls.append(f"check {step}")

    def unconfirmed_used(self, step: str) -> list[str]:
        return []


@dataclass
class FakeStepRecord:
    name: str
    attempt: int
    screenshot: None = None


@dataclass
class FakeRecorder:
    """The evidence recorder's surface the step loop uses: steps begun and ended, facts."""

    facts: dict[str, Any] = field(default_factory=dict)
    ended: list[tuple[str, int, str]] = field(default_factory=list)

    def begin_step(self, name: str, attempt: int) -> FakeStepRecord:
        return FakeStepRecord(name, attempt)

    def end_step(
        self, record: FakeStepRecord, status: str, error: BaseException | None = None
    ) -> None:
        self.ended.append((record.name, record.attempt, status))

    def note(self, key: str, value: Any) -> None:
        self.facts[key] = value


@dataclass
class FakeChecks:
    """Check mode's recorder as far as the step loop sees it."""

    enabled: bool = False
    recorded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def record(self, step: str, screenshot: object, seconds: float, error: object) -> None:
        self.recorded.append(step)

    def skip(self, steps: Iterable[Step], why: str) -> None:
        self.skipped += [s.name for s in steps]

    def note_unconfirmed(self, step: str, keys: list[str]) -> None:
        pass
