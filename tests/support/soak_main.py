"""Soak: 20 demo runs (every platform) with 30% of replica requests faulted; prints the counts.

Usage: .venv/bin/python tests/support/soak_main.py [--runs 20] [--rate 0.3] [--first-seed 1]

"timeout" faults abort the request as ``timedout`` at once instead of waiting out the browser's
timeout: the flow sees exactly what a real timeout gives it, and a soak takes minutes, not hours.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from optout_bot.browser import launch
from optout_bot.settings import BrowserSettings
from tests.support.soak import SoakTally, soak_run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    print(f"faults injected: {sum(tally.faults.values())} {dict(sorted(tally.faults.items()))}"
          " (timeout = request aborted as timed out at once, not waited out)")
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
