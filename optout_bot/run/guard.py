"""What a run does about an earlier run that died while sending.

The ledger writes a ``sending`` row before the submit is clicked. If the process was killed
before the answer came, that row stays ``sending``: the platform may or may not have the
submission. The next run neither trusts nor ignores it: the flow runs and its ``read_state``
asks the platform, which sends nothing when the platform has it. Once that run knows the
answer, the old row is resolved: ``confirmed`` when the platform has it on record, ``not_sent``
when this run had to send it (so the platform did not have it).
"""

from __future__ import annotations

from typing import Any

from optout_bot.outcome import Outcome
from optout_bot.records.ledger import Ledger


def cut_off_sends(ledger: Ledger, platform: str, account: str, mode: str,
                  run_id: int) -> list[dict[str, Any]]:
    """``sending`` rows of earlier runs of this account whose process is gone."""
    alive = {r.id for r in ledger.runs(platform, limit=1_000_000) if r.state == "running"}
    return [row for row in ledger.submissions(platform)
            if row["account"] == account and row["mode"] == mode
            and row["status"] == "sending" and row["run_id"] != run_id
            and row["run_id"] not in alive]


def resolve(ledger: Ledger, rows: list[dict[str, Any]], outcome: Outcome, run_id: int) -> None:
    """Settle the cut-off rows with what this run learned from the platform."""
    if outcome is Outcome.ALREADY_DONE:
        for row in rows:
            ledger.mark_submission(row["id"], "confirmed",
                                   f"on record on the platform (checked by run {run_id})")
    elif outcome is Outcome.SUBMITTED:
        for row in rows:
            ledger.mark_submission(row["id"], "not_sent")
