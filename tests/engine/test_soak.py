"""CI-sized soak: 30% of all replica requests faulted, every platform, a few seeds. Every run
ends at its true outcome and every platform accepted each change exactly once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from optout_bot.flow.registry import discover
from tests.conftest import FAST_RETRY
from tests.support.soak import SoakTally, soak_run


@pytest.mark.parametrize("seed", [101])
def test_thirty_percent_faults_on_every_platform_end_submitted_exactly_once(
    browser: Browser, tmp_path: Path, seed: int
) -> None:
    tally = SoakTally()
    soak_run(browser, tmp_path, seed, 0.3, tally, retry=FAST_RETRY)
    assert tally.duplicates == []  # safety first: never two submissions, whatever else failed
    assert sum(tally.faults.values()) > 0, "the soak injected no fault, so it proved nothing"
    assert sum(tally.outcomes.values()) == len(discover())  # one outcome per platform
    assert tally.bad == []
    assert tally.missing == []


def test_demo_with_faults_from_the_command_line(tmp_path: Path) -> None:
    from tests.engine.test_cli import evidence_folders, optout

    done = optout(
        "--out",
        "ev",
        "--ledger",
        "l.sqlite3",
        "demo",
        "linkedin",
        "--faults",
        "0.3",
        "--seed",
        "3",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    [folder] = evidence_folders(tmp_path / "ev")
    events = [
        json.loads(line)["event"]
        for line in (folder / "replica-requests.jsonl").read_text().splitlines()
    ]
    assert "fault_injected" in events
    assert events.count("setting_changed") == 1
