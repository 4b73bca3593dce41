"""The run's scratch folder: private while the run goes on, gone after it, and a dead run's
folder (with whatever process still used it) gone at the next start, a live run's left alone."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from optout_bot.browser import scratch
from tests.engine.run_process import short_temp_folder, start_time


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with short_temp_folder() as folder:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
        yield folder


def test_a_run_gets_a_private_temporary_folder_that_goes_with_it(runtime: Path) -> None:
    before = os.environ.get("TMPDIR")
    with scratch.scratch_folder() as folder:
        assert folder.parent == runtime / "optout-bot"
        assert os.environ["TMPDIR"] == tempfile.gettempdir() == str(folder)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        (folder / "trace.partial").write_text("secret", encoding="utf-8")
    assert not folder.exists()
    assert os.environ.get("TMPDIR") == before and tempfile.gettempdir() != str(folder)


def test_the_next_start_removes_a_dead_runs_folder_and_ends_what_still_uses_it(
    runtime: Path,
) -> None:
    base = runtime / "optout-bot"
    base.mkdir(mode=0o700)
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(ended.stdout)
    dead = base / f"run-{dead_pid}-0a0b0c"
    dead.mkdir(mode=0o700)
    (dead / "owner").write_text(f"{dead_pid}:1", encoding="utf-8")
    (dead / "playwright-artifacts-x").mkdir()
    (dead / "playwright-artifacts-x" / "trace.network").write_text("pass=secret")
    live = base / f"run-{os.getpid()}-0d0e0f"
    live.mkdir(mode=0o700)
    (live / "owner").write_text(scratch.identity(os.getpid()) or "", encoding="utf-8")
    left_running = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"],
        stdin=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(dead)},
    )
    try:
        assert left_running.pid in scratch.processes_using(dead)

        with scratch.scratch_folder():
            assert not dead.exists()
            assert live.exists()
            assert left_running.wait(timeout=60) < 0, "the left-over process was ended"
    finally:
        if left_running.poll() is None:
            left_running.kill()
        left_running.wait()
    assert start_time(left_running.pid) is None


def test_a_folder_too_long_for_the_browsers_socket_is_passed_over(
    runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = runtime / ("d" * 70)
    deep.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    monkeypatch.setenv("XDG_DATA_HOME", str(deep))
    monkeypatch.setenv("TMPDIR", str(runtime))
    monkeypatch.setattr(scratch, "SHARED_MEMORY", deep / "no-shm")  # as on a system without
    with scratch.scratch_folder() as folder:
        assert folder.parent == runtime / f"optout-bot-{os.getuid()}"
        assert len(str(folder)) <= scratch.MAX_FOLDER_LENGTH
