"""Soak: demo runs under injected faults, counted. The soak test runs one; by hand, 20 runs
(every platform) with 30% of replica requests faulted print the counts::

    .venv/bin/python -m tests.support.soak [--runs 20] [--rate 0.3] [--first-seed 1]

Each run plans the demo (every platform, a made-up account, fresh replicas), gives every replica
a seeded ``FaultPlan``, runs it through the real engine, and counts from the replica logs what
the platforms accepted and from the JSON log how often a step or a page load was retried.
"timeout" faults abort the request as ``timedout`` at once instead of waiting out the browser's
timeout: the flow sees exactly what a real timeout gives it, and a soak takes minutes, not hours.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from optout_bot import log
from optout_bot.browser import launch
from optout_bot.outcome import Outcome
from optout_bot.records.ledger import Ledger
from optout_bot.replica import Replica
from optout_bot.replica.faults import apply_faults
from optout_bot.run.engine import Engine
from optout_bot.run.jobs import plan_demo
from optout_bot.run.retry import RetryPolicy
from optout_bot.settings import BrowserSettings, Settings

RETRY_EVENTS = ("transient fault; retrying", "page load failed; retrying")
GOOD_OUTCOMES = frozenset({Outcome.SUBMITTED, Outcome.ALREADY_DONE})
# What "the platform accepted a change" looks like in each replica's log.
ACCEPTED_EVENTS = ("objection_received", "setting_changed")


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


def soak_run(
    browser: Browser,
    root: Path,
    seed: int,
    rate: float,
    tally: SoakTally,
    retry: RetryPolicy | None = None,
) -> None:
    """One demo run (all platforms) at fault ``rate`` with ``seed``, added to ``tally``."""
    folder = root / f"seed-{seed}"
    log_file = folder / "log.jsonl"
    settings = Settings.model_validate(
        {
            "output": {"evidence_dir": folder / "evidence", "ledger": folder / "ledger.sqlite3"},
            "browser": {"timeout_ms": 5000},
            "log": {"file": log_file},
        }
    )
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
            tally.bad.append(
                f"seed {seed} {result.platform}: {result.outcome.value}: {result.message}"
            )
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


def accepted_changes(replicas: Iterable[Replica]) -> Counter[tuple[str, str, str]]:
    """(platform, login, what) → how many times the platform accepted it. ``what`` is the
    objection, or the setting/control a settings flow changed."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for replica in replicas:
        for entry in replica.log:
            if entry["event"] not in ACCEPTED_EVENTS:
                continue
            what = str(entry.get("control") or entry.get("setting") or "objection")
            counts[(str(entry["platform"]), str(entry.get("login")), what)] += 1
    return counts


def injected_faults(replicas: Iterable[Replica]) -> Counter[str]:
    """Faults injected so far, by kind, over all replicas."""
    total: Counter[str] = Counter()
    for replica in replicas:
        if replica.faults is not None:
            total.update(replica.faults.injected)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--first-seed", type=int, default=1)
    args = parser.parse_args()
    tally = SoakTally()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = launch(playwright, BrowserSettings())
        for seed in range(args.first_seed, args.first_seed + args.runs):
            soak_run(browser, Path(folder), seed, args.rate, tally)
            print(f"seed {seed}: {dict(tally.outcomes)}", file=sys.stderr)
        browser.close()
    print(f"runs: {tally.runs} ({tally.jobs} platform runs, fault rate {args.rate})")
    print(f"outcomes: {dict(sorted(tally.outcomes.items()))}")
    print(
        f"faults injected: {sum(tally.faults.values())} {dict(sorted(tally.faults.items()))}"
        " (timeout = request aborted as timed out at once, not waited out)"
    )
    print(f"retries: {sum(tally.retries.values())}")
    for what, count in sorted(tally.retries.items()):
        print(f"  {count:4d}  {what}")
    print(f"submissions accepted by the replicas: {tally.submissions}")
    print(f"duplicates: {len(tally.duplicates)}")
    for line in tally.duplicates + tally.missing + tally.bad:
        print(f"  {line}")
    print(f"seconds: {time.monotonic() - began:.0f}")
    return 1 if tally.duplicates or tally.missing or tally.bad else 0


if __name__ == "__main__":
    sys.exit(main())
