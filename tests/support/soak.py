"""Demo runs under injected faults, counted: what the soak test and ``scripts/soak.py`` share.

Each run plans the demo (every platform, a made-up account, fresh replicas), gives every replica
a seeded ``FaultPlan``, runs it through the real engine, and counts from the replica logs what
the platforms accepted and from the JSON log how often a step or a page load was retried.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser

from optout_bot import log
from optout_bot.outcome import Outcome
from optout_bot.records.ledger import Ledger
from optout_bot.resilience import accepted_changes, apply_faults, injected_faults
from optout_bot.run.engine import Engine
from optout_bot.run.jobs import plan_demo
from optout_bot.run.retry import RetryPolicy
from optout_bot.settings import Settings

RETRY_EVENTS = ("transient fault; retrying", "page load failed; retrying")
GOOD_OUTCOMES = frozenset({Outcome.SUBMITTED, Outcome.ALREADY_DONE})


@dataclass
class SoakTally:
    runs: int = 0
    jobs: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    submissions: int = 0
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)


def soak_run(browser: Browser, root: Path, seed: int, rate: float, tally: SoakTally,
             retry: RetryPolicy | None = None) -> None:
    """One demo run (all platforms) at fault ``rate`` with ``seed``, added to ``tally``."""
    folder = root / f"seed-{seed}"
    log_file = folder / "log.jsonl"
    settings = Settings.model_validate({
        "output": {"evidence_dir": folder / "evidence", "ledger": folder / "ledger.sqlite3"},
        "browser": {"timeout_ms": 5000}, "log": {"file": log_file}})
    log.configure(level="info", file=log_file, json_lines=True, stream=io.StringIO())
    plan = plan_demo([])
    apply_faults(plan.replicas.values(), rate, seed)
    ledger = Ledger(settings.output.ledger)
    try:
        engine = Engine(settings, ledger, browser, retry=retry)
        results = [engine.run(job) for job in plan.jobs]
    finally:
        ledger.close()
    tally.runs += 1
    tally.jobs += len(results)
    for result in results:
        tally.outcomes[result.outcome.value] += 1
        if result.outcome not in GOOD_OUTCOMES:
            tally.bad.append(f"seed {seed} {result.platform}: {result.outcome.value}: "
                             f"{result.message}")
    tally.faults.update(injected_faults(plan.replicas.values()))
    accepted = accepted_changes(plan.replicas.values())
    tally.submissions += sum(accepted.values())
    tally.duplicates += [f"seed {seed} {key}: {n}" for key, n in accepted.items() if n > 1]
    for job in plan.jobs:
        if not any(k[1] == job.account.login for k in accepted):
            tally.missing.append(f"seed {seed} {job.flow.PLATFORM}: nothing accepted")
    for line in log_file.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("event") in RETRY_EVENTS:
            tally.retries[f"{entry['event']} ({entry.get('step') or '?'})"] += 1

