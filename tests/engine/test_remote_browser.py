"""``--browser-endpoint``: the flows run in a browser that is already running or served
(what browser grids expose): a local Chromium started with a DevTools port on 127.0.0.1
(``http://``), and Playwright's own browser server (``ws://``)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot.browser import binary as browser_binary
from optout_bot.browser import devtools_chromium
from optout_bot.outcome import Outcome
from optout_bot.run.engine import Progress
from optout_bot.run.job import Job, Mode
from optout_bot.settings import BrowserSettings, Settings
from tests.conftest import FAST_RETRY, account
from tests.engine.test_cli import evidence_folders
from tests.engine.test_parallel import run_outside_the_test_loop
from tests.support.cli import optout_here

NO_BROWSER_HERE = "/nonexistent/chromium"  # launching instead of connecting would fail on it


@pytest.fixture
def remote_chromium() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A Chromium of its own, as a grid would run it, and its http:// DevTools endpoint."""
    with devtools_chromium(BrowserSettings()) as started:
        yield started


def two_people_on_facebook(
    tmp_path: Path, endpoint: str, executable: str | Path
) -> tuple[FacebookReplica, list[Job], Settings]:
    """Two people's objections on one Facebook replica, run in the browser at ``endpoint``."""
    replica = FacebookReplica(version="2025")
    jobs = []
    for name in ("ana", "ben"):
        user = account(login=f"{name}@example.org", email=f"{name}@example.org")
        replica.seed_account(
            login=user.login, password="pw-Zq7!canary-4411", email=user.login, country=user.country
        )
        jobs.append(
            Job(flow=FacebookFlow, label=name, account=user, mode=Mode.REPLICA, replicas=[replica])
        )
    settings = Settings.model_validate(
        {
            "output": {
                "evidence_dir": tmp_path / "ev",
                "ledger": tmp_path / "l.sqlite3",
                "save_sessions": False,
            },
            "browser": {"endpoint": endpoint, "executable": executable, "timeout_ms": 5000},
        }
    )
    return replica, jobs, settings


@pytest.mark.parametrize("workers", [1, 2])
def test_jobs_run_in_the_remote_browser_and_leave_it_running(
    tmp_path: Path, remote_chromium: tuple[str, subprocess.Popen[str]], workers: int
) -> None:
    endpoint, process = remote_chromium
    assert endpoint.startswith("http://127.0.0.1:")
    replica, jobs, settings = two_people_on_facebook(tmp_path, endpoint, NO_BROWSER_HERE)
    results = run_outside_the_test_loop(settings, jobs, retry=FAST_RETRY, workers=workers)
    assert [r.outcome for r in results] == [Outcome.SUBMITTED] * 2, [r.message for r in results]
    assert sorted(s["email"] for s in replica.submissions) == ["ana@example.org", "ben@example.org"]
    assert process.poll() is None, "a browser we did not start must be left running"


def descendants(pid: int) -> list[int]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = tree.get(todo.pop(), [])
        found += children
        todo += children
    return found


def executable_of(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


@pytest.fixture
def playwright_server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Playwright's own browser server (shipped with the package), on 127.0.0.1. With
    ``--unsafe`` it launches the browser a client names (here Debian's Chromium: Playwright's
    own cannot be downloaded here); without, its own."""
    command = [
        str(Path(sys.executable).with_name("playwright")),
        "run-server",
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--unsafe",
    ]
    # A group of its own: ``playwright`` is a launcher whose Node server is its child, which
    # outlives a launcher that is only terminated.
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until it listens, or ends if it died
        found = re.search(r"ws://\S+", first)
        assert found, f"the server did not start: {first!r}"
        yield found.group(0), process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        with contextlib.suppress(ProcessLookupError):  # the server shrugs off SIGTERM
            os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.parametrize("workers", [1, 2])
def test_jobs_run_in_browsers_a_playwright_server_launches(
    tmp_path: Path, playwright_server: tuple[str, subprocess.Popen[str]], workers: int
) -> None:
    endpoint, server = playwright_server
    chromium = browser_binary(BrowserSettings())
    replica, jobs, settings = two_people_on_facebook(tmp_path, endpoint, chromium)
    under_server: set[str] = set()

    def look(event: Progress) -> None:  # mid-flow: which browser is the server running?
        if event.event == "step":
            under_server.update(executable_of(p) for p in descendants(server.pid))

    results = run_outside_the_test_loop(
        settings, jobs, retry=FAST_RETRY, workers=workers, progress=look
    )
    assert [r.outcome for r in results] == [Outcome.SUBMITTED] * 2, [r.message for r in results]
    assert sorted(s["email"] for s in replica.submissions) == ["ana@example.org", "ben@example.org"]
    assert any("chromium" in path for path in under_server), under_server
    assert server.poll() is None, "the server goes on serving other clients"


def test_demo_with_browser_endpoint_submits_in_that_browser(
    tmp_path: Path, remote_chromium: tuple[str, subprocess.Popen[str]]
) -> None:
    endpoint, process = remote_chromium
    done = optout_here(
        "--out",
        "ev",
        "--ledger",
        "l.sqlite3",
        "--browser",
        NO_BROWSER_HERE,
        "--browser-endpoint",
        endpoint,
        "demo",
        "--jobs",
        "2",
        "facebook",
        "x",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    folders = evidence_folders(tmp_path / "ev")
    assert sorted(f.parent.parent.name for f in folders) == ["facebook", "x"]
    facebook = next(f for f in folders if f.parent.parent.name == "facebook")
    received = [
        json.loads(line)["event"]
        for line in (facebook / "replica-requests.jsonl").read_text().splitlines()
    ]
    assert received.count("objection_received") == 1
    assert process.poll() is None


def test_an_endpoint_that_is_neither_ws_nor_http_is_a_configuration_error(tmp_path: Path) -> None:
    done = optout_here(
        "--browser-endpoint", "ftp://grid.example:4444", "demo", "facebook", cwd=tmp_path
    )
    assert done.returncode == 2
    assert "browser.endpoint" in done.stderr and "ws://" in done.stderr
