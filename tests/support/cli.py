"""The command as tests run it: ``optout`` starts ``python -m optout_bot`` as a process of its
own, as a person does (exit codes, a browser, signals, what a process leaves behind);
``optout_here`` runs the same entry point in this process, on a thread of its own (so it may
start a browser: pytest-playwright's browser owns the test's thread), for what is not about
processes (one-line errors, ``--help``, ``history``, ``evidence verify``, ``letter``, a demo
whose bundles a test reads): the same arguments, working folder, environment and standard
streams, without a second of interpreter start-up and imports per call. Both answer with a
``subprocess.CompletedProcess``."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import structlog

from optout_bot import log

COMMAND = [sys.executable, "-m", "optout_bot"]
HANG_GUARD_SECONDS = 300  # a deadline for a stuck command, not a measure


def environment(env: dict[str, str] | None) -> dict[str, str]:
    """This process's environment without the developer's own settings, plus ``env``."""
    found = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_BOT_")}
    return {**found, **(env or {})}


def optout(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``optout-bot ARGS`` in a process of its own."""
    return subprocess.run(
        [*COMMAND, *args],
        cwd=cwd,
        env=environment(env),
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        input=stdin or "",
    )


def optout_here(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``optout-bot ARGS`` through the console entry point, in this process, on a fresh thread:
    the sync Playwright API refuses a thread whose event loop runs (this one's belongs to
    pytest-playwright's browser), and a command may start a browser."""
    from optout_bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    ended: list[BaseException] = []

    def command() -> None:
        try:
            main()
        except BaseException as error:  # SystemExit carries the exit code
            ended.append(error)

    with _as_a_process(list(args), cwd, environment(env), stdin or "", out, err):
        thread = threading.Thread(target=command, name="optout-bot-here", daemon=True)
        thread.start()
        thread.join(HANG_GUARD_SECONDS)
    if thread.is_alive():  # as ``optout``'s timeout: a hang fails the test, not the suite
        raise AssertionError(f"optout-bot {' '.join(args)} did not end in {HANG_GUARD_SECONDS} s")
    if ended and not isinstance(ended[0], SystemExit):
        raise ended[0]
    code: int | str | None = ended[0].code if ended and isinstance(ended[0], SystemExit) else 0
    if not isinstance(code, int):  # sys.exit("message") prints it and exits 1, as Python does
        err.write(f"{code}\n" if code is not None else "")
        code = 0 if code is None else 1
    return subprocess.CompletedProcess([*COMMAND, *args], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _as_a_process(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    stdin: str,
    out: io.StringIO,
    err: io.StringIO,
) -> Iterator[None]:
    """What a process of its own would have, for the time of one command: its arguments,
    folder, environment and streams; what it leaves in this process (the logging setup, the
    secrets the log redacts: a test's password ``x`` would blank every x after) is put back."""
    saved = (sys.argv, sys.stdin, sys.stdout, sys.stderr, os.getcwd(), dict(os.environ))
    logging_setup = structlog.get_config()
    bound = structlog.contextvars.get_contextvars()
    secrets = set(log.redactor.secrets())
    log.redactor._secrets.clear()  # a process starts knowing none
    sys.argv, sys.stdin, sys.stdout, sys.stderr = (
        ["optout-bot", *args],
        io.StringIO(stdin),
        out,
        err,
    )
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        sys.argv, sys.stdin, sys.stdout, sys.stderr = saved[:4]
        os.chdir(saved[4])
        os.environ.clear()
        os.environ.update(saved[5])
        structlog.configure(**logging_setup)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(**bound)
        log.redactor._secrets.clear()
        log.redactor._secrets.update(secrets)


def evidence_folders(root: Path) -> list[Path]:
    """Every evidence bundle under ``root`` (a folder holding a manifest)."""
    return sorted(p.parent for p in root.rglob("manifest.json"))
