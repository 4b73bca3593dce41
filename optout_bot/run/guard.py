"""The submission guard: a state-changing step (a submit) is never sent twice.

Before the submit, the ledger gets a ``sending`` row, so a crash right after the click is
visible to the next run. After a fault in transit, the platform is asked (``Flow.is_applied``)
whether the change went through, and the step is tried again only when it did not; a flow that
cannot tell stops the run instead.

An earlier run that died while sending leaves its row ``sending``: the platform may or may not
have the submission. This run neither trusts nor ignores it: the flow runs and its
``read_state`` asks the platform, which sends nothing when the platform has it. Once this run
knows the answer, the old row is resolved: ``confirmed`` when the platform has it on record,
``not_sent`` when this run had to send it (so the platform did not have it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from optout_bot.errors import FlowError, Transient
from optout_bot.flow import Flow, Step
from optout_bot.outcome import Outcome
from optout_bot.records.ledger import Ledger


class SubmissionGuard:
    """One run's ledger rows about sending, and the questions asked before sending again."""

    def __init__(
        self, ledger: Ledger, run_id: int, platform: str, account: str, mode: str, log: Any
    ) -> None:
        self.ledger = ledger
        self.run_id = run_id
        self.platform, self.account, self.mode = platform, account, mode
        self.log = log
        self.state_changed = False
        self.submission_id: int | None = None
        self.cut_off: list[dict[str, Any]] = []

    def on_record(self) -> str | None:
        """Why nothing needs sending, when the ledger has the submission on record."""
        record = self.ledger.on_record(self.platform, self.account, self.mode)
        if not record:
            return None
        return (
            f"already on record in the ledger since {record['sent_utc']}; nothing sent "
            "(use --force to check the platform again)"
        )

    def look_for_cut_off_sends(self) -> None:
        """Note earlier runs that died while sending; the flow's ``read_state`` asks first."""
        self.cut_off = cut_off_sends(
            self.ledger, self.platform, self.account, self.mode, self.run_id
        )
        if self.cut_off:
            self.log.warning(
                "an earlier run was cut off while sending; the platform is asked "
                "before anything is sent",
                runs=[row["run_id"] for row in self.cut_off],
            )

    def about_to_send(self, facts: dict[str, Any]) -> None:
        """Before the submit: a ``sending`` row, so a crash right after the click is visible to
        the next run, which then asks the platform first."""
        if self.submission_id is None:
            self.submission_id = self.ledger.begin_submission(
                self.run_id,
                self.platform,
                self.account,
                self.mode,
                facts.get("form_url"),
                facts.get("form_version"),
                dict(facts.get("submitted") or {}),
            )

    def sent(self) -> None:
        self.state_changed = True
        self._mark("sent")

    def confirmed(self, confirmation: str | None) -> None:
        self._mark("confirmed", confirmation)

    def applied_after_fault(
        self, flow: Flow, step: Step, reads: Callable[[Callable[[], bool]], bool]
    ) -> bool:
        """After a fault in ``step``, once something may have been sent: is the change on the
        platform? Asked through ``reads`` (the policy's retrying of a read, which changes
        nothing and so may be tried again); if the platform cannot tell, refuse to risk a
        second submission."""
        if not (step.changes_state or self.state_changed):
            return False
        self.log.warning("state-changing step interrupted; checking the platform", step=step.name)
        try:
            applied = bool(reads(flow.is_applied))
        except NotImplementedError:
            raise FlowError(
                f"{step.name}: the answer was lost and this flow cannot check "
                "whether it went through; not sending again",
                step=step.name,
            ) from None
        except Transient as error:
            raise FlowError(
                f"{step.name}: the answer was lost and the platform could not be "
                f"checked ({error.message}); not sending again",
                step=step.name,
            ) from None
        self.log.info("platform checked after fault", applied=applied)
        if applied:
            self.state_changed = True
            self._mark("confirmed", "on record on the platform")
        return applied

    def finish(self, outcome: Outcome, evidence_failed: bool) -> None:
        """Settle earlier cut-off rows with what this run learned, and this run's own row."""
        resolve(self.ledger, self.cut_off, outcome, self.run_id)
        # A send cut off by a write error may have reached the platform: leave it "sending",
        # so the next run asks the platform before anything is sent.
        if not self.state_changed and not evidence_failed:
            self._mark("not_sent")

    def _mark(self, status: str, confirmation: str | None = None) -> None:
        if self.submission_id is not None:
            self.ledger.mark_submission(self.submission_id, status, confirmation)


def cut_off_sends(
    ledger: Ledger, platform: str, account: str, mode: str, run_id: int
) -> list[dict[str, Any]]:
    """``sending`` rows of earlier runs of this account whose process is gone."""
    alive = {r.id for r in ledger.runs(platform, limit=1_000_000) if r.state == "running"}
    return [
        row
        for row in ledger.submissions(platform)
        if row["account"] == account
        and row["mode"] == mode
        and row["status"] == "sending"
        and row["run_id"] != run_id
        and row["run_id"] not in alive
    ]


def resolve(ledger: Ledger, rows: list[dict[str, Any]], outcome: Outcome, run_id: int) -> None:
    """Settle the cut-off rows with what this run learned from the platform."""
    if outcome is Outcome.ALREADY_DONE:
        for row in rows:
            ledger.mark_submission(
                row["id"], "confirmed", f"on record on the platform (checked by run {run_id})"
            )
    elif outcome is Outcome.SUBMITTED:
        for row in rows:
            ledger.mark_submission(row["id"], "not_sent")
