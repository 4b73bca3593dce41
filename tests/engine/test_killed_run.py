"""``kill -9`` of a run, of its process group or of the run alone, one flow at a time or two:
no browser or Playwright driver of it keeps running, and once the next run has started no
temporary file holding the password is left in any folder the runs used for temporary files."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from optout_bot.outcome import Outcome
from tests.engine.run_process import (
    PASSWORD,
    TEMP_FOLDERS,
    descendants,
    end_everything_of,
    finish_run,
    mentioning,
    short_temp_folder,
    start_run,
    survivors,
    wait_for_steps,
)
from tests.engine.secret_forms import leaks_in_files


@pytest.fixture
def temp() -> Iterator[Path]:
    with short_temp_folder() as folder:
        yield folder


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("kill", ["group", "process"])
def test_a_killed_run_leaves_no_browser_and_no_secret_behind(
    tmp_path: Path, temp: Path, jobs: int, kill: str
) -> None:
    process = start_run(tmp_path, temp, "--jobs", str(jobs))
    running: dict[int, str] = {}
    try:
        wait_for_steps(tmp_path, process, "fill", platforms=jobs)
        running = {**descendants(process.pid), **mentioning(temp)}
        assert len(running) > 2, "the run has started its driver and browser"
        if kill == "group":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
        left_running = survivors(running, temp)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        end_everything_of(temp, running)
    assert left_running == {}

    rerun = finish_run(tmp_path, temp, "facebook")
    assert rerun.returncode == Outcome.SUBMITTED.exit_code, rerun.stderr
    left = [leak for folder in TEMP_FOLDERS for leak in leaks_in_files(temp / folder, [PASSWORD])]
    assert left == []
