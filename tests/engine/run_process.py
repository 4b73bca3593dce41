"""A real ``optout-bot run --replica`` in a process of its own, as a person starts it, and what
Linux says about the processes it started (``/proc``): which are alive, what they listen on.

Every folder the run may write temporary files to (``TMPDIR``, ``XDG_RUNTIME_DIR``, the data
folder) is inside one temporary folder of the test (``temp``), so the test can scan each of
them, and a process of this run can be told from any other by that folder in its command line
or environment. Its path is short: Chromium puts a unix socket under ``TMPDIR``, and a socket's
path is limited to 107 bytes, which pytest's own folders would exceed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

PASSWORD = "pw~Kx*9!canary-KILLED-<&>-4471"
CONFIG = (
    "[accounts.facebook.mina]\nlogin = 'mina@example.org'\ncountry = 'Germany'\n"
    "[accounts.instagram.mina]\nlogin = 'mina@example.org'\ncountry = 'Germany'\n"
    "[log]\nfile = 'log.jsonl'\n"
)
TEMP_FOLDERS = ("tmp", "runtime", "data")
PROC = Path("/proc")


@contextlib.contextmanager
def short_temp_folder() -> Iterator[Path]:
    """A fresh folder with a short path for the run's temporary folders; whatever still runs
    from it is killed and it is removed afterwards."""
    temp = Path(tempfile.mkdtemp(prefix="ob-"))
    try:
        yield temp
    finally:
        end_everything_of(temp)
        shutil.rmtree(temp, ignore_errors=True)


def environment(temp: Path) -> dict[str, str]:
    """The run's environment: passwords set, every temporary folder under ``temp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_BOT_")}
    for folder in TEMP_FOLDERS:
        (temp / folder).mkdir(mode=0o700, exist_ok=True)
    env.update(
        {
            "OPTOUT_BOT_ACCOUNTS__FACEBOOK__MINA__PASSWORD": PASSWORD,
            "OPTOUT_BOT_ACCOUNTS__INSTAGRAM__MINA__PASSWORD": PASSWORD,
            "TMPDIR": str(temp / "tmp"),
            "XDG_RUNTIME_DIR": str(temp / "runtime"),
            "XDG_DATA_HOME": str(temp / "data"),
            "XDG_CONFIG_HOME": str(temp / "config"),
        }
    )
    return env


def start_run(root: Path, temp: Path, *arguments: str) -> subprocess.Popen[bytes]:
    """``optout-bot run --replica ARGUMENTS`` in ``root``, leader of its own process group,
    its temporary folders in ``temp``."""
    (root / "optout-bot.toml").write_text(CONFIG, encoding="utf-8")
    with open(root / "stderr.txt", "wb") as errors:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "optout_bot",
                "--log-json",
                "--out",
                "ev",
                "--ledger",
                "l.sqlite3",
                "run",
                "--replica",
                *arguments,
            ],
            cwd=root,
            env=environment(temp),
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
        )


def finish_run(root: Path, temp: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``optout-bot run --replica ARGUMENTS`` to its end."""
    (root / "optout-bot.toml").write_text(CONFIG, encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "optout_bot",
            "--out",
            "ev",
            "--ledger",
            "l.sqlite3",
            "run",
            "--replica",
            *arguments,
        ],
        cwd=root,
        env=environment(temp),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def wait_for_steps(
    root: Path, process: subprocess.Popen[bytes], step: str, *, platforms: int = 1
) -> None:
    """Until the run's log says ``step`` started, and ``platforms`` flows have started a
    step (so that many browsers are up); fails if the run ends first."""
    log = root / "log.jsonl"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        events = [
            json.loads(line)
            for line in (log.read_text(encoding="utf-8").splitlines() if log.exists() else [])
        ]
        started = [e for e in events if e.get("event") == "step started"]
        if (
            any(e.get("step") == step for e in started)
            and len({e.get("platform") for e in started}) >= platforms
        ):
            return
        time.sleep(0.05)  # polling the log of another process (tests only)
    errors = (root / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-2000:]
    raise AssertionError(
        f"the run ended or stalled before {step} (exit {process.poll()}): {errors}"
    )


def start_time(pid: int) -> str | None:
    """The start time of a running (not zombie) process, None when it has ended."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def descendants(pid: int) -> dict[int, str]:
    """``pid`` and every process below it, with their start times."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except OSError:
                continue
    found, todo = {pid}, [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, of in parents.items() if of == parent]
        found.update(children)
        todo += children
    return {p: s for p in found if (s := start_time(p)) is not None}


def mentioning(path: Path) -> dict[int, str]:
    """Running processes (other than this one) whose command line or environment names
    ``path``: the run's browsers and drivers, whoever their parent is now."""
    needle = os.fsencode(path) + b"/"
    found = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            text = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in text and (begun := start_time(int(entry.name))) is not None:
            found[int(entry.name)] = begun
    return found


def survivors(processes: dict[int, str], root: Path) -> dict[int, str]:
    """Of ``processes`` and of those naming ``root``, the ones still running, waited for as
    long as a process can take to notice its parent is gone (a deadline, not a measure)."""
    deadline = time.monotonic() + 60
    while True:
        alive = {p: s for p, s in processes.items() if start_time(p) == s}
        alive.update(mentioning(root))
        if not alive or time.monotonic() > deadline:
            return {p: _command(p) for p in alive}
        time.sleep(0.1)  # waiting on processes of another process tree (tests only)


def listening_tcp(processes: Iterable[int]) -> list[str]:
    """The TCP sockets (v4 and v6) in LISTEN state that any of ``processes`` holds."""
    inodes: dict[str, int] = {}
    for pid in processes:
        try:
            links = [os.readlink(fd) for fd in (PROC / str(pid) / "fd").iterdir()]
        except OSError:
            continue
        inodes.update({link[8:-1]: pid for link in links if link.startswith("socket:[")})
    found = []
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                found.append(f"{table} {fields[1]} held by {_command(inodes[fields[9]])}")
    return found


def _command(pid: int) -> str:
    try:
        return (
            (PROC / str(pid) / "cmdline")
            .read_bytes()
            .replace(b"\0", b" ")[:200]
            .decode("utf-8", "replace")
        )
    except OSError:
        return f"pid {pid}"


def end_everything_of(root: Path, processes: dict[int, str] | None = None) -> None:
    """Kill what a test's run left running (so that a failing test leaves no browser behind):
    the processes naming ``root``, and those of ``processes`` that still are the processes
    seen (same start time: a pid is soon reused on a busy machine)."""
    for pid, begun in {**(processes or {}), **mentioning(root)}.items():
        if start_time(pid) == begun:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
