"""``--jobs 2`` opens no TCP port: a DevTools port has no authentication, and any local user
who attaches to it drives the logged-in browser. The run still submits every objection."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from optout_bot.outcome import Outcome
from tests.engine.run_process import (
    descendants,
    listening_tcp,
    mentioning,
    short_temp_folder,
    start_run,
    wait_for_steps,
)
from tests.engine.test_cli import evidence_folders


def test_two_jobs_at_once_listen_on_no_tcp_port_and_both_submit(tmp_path: Path) -> None:
    with short_temp_folder() as temp:
        process = start_run(tmp_path, temp, "--jobs", "2")
        try:
            wait_for_steps(tmp_path, process, "open_form", platforms=2)
            running = {**descendants(process.pid), **mentioning(temp)}
            assert len(running) > 2, "the run has started its drivers and browsers"
            listening = listening_tcp(running)
            exit_code = process.wait(timeout=600)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    assert listening == []
    assert exit_code == Outcome.SUBMITTED.exit_code, (tmp_path / "stderr.txt").read_text()
    folders = evidence_folders(tmp_path / "ev")
    assert sorted(f.parent.parent.name for f in folders) == ["facebook", "instagram"]
    for folder in folders:
        received = [
            json.loads(line)["event"]
            for line in (folder / "replica-requests.jsonl").read_text().splitlines()
        ]
        assert received.count("objection_received") == 1, folder
