"""The run's private scratch folder: where everything temporary of a run lives.

Playwright's temporary trace files, the browser profile and downloads hold the password as
typed and the account's session cookies. Left in the shared ``/tmp`` by a run that was killed
(``kill -9`` runs no clean-up), they would outlive it. So a run points ``TMPDIR`` (which
Playwright's driver, Chromium and Python's ``tempfile`` all follow) at a 0700 folder of its
own: under ``$XDG_RUNTIME_DIR`` (memory, this user's only, emptied at logout) when there is one,
else in a 0700 folder of this user's in ``/dev/shm`` (memory too) when that is a tmpfs, else
under the data folder (a disk: what a killed run left is swept at the next start), else in a
0700 folder of this user's in the temporary folder (the first whose path leaves room for the
browser's socket). The folder names its owner (pid and
process start time); the run removes it when it ends, and every start first ends whatever
process still uses the folder of a run that is gone, then removes that folder.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from optout_bot.errors import ConfigError
from optout_bot.files import FOLDER_MODE, private_dir, touch_private
from optout_bot.settings import data_dir

APP = "optout-bot"
RUN_PREFIX = "run-"
OWNER_FILE = "owner"
PROC = Path("/proc")
SHARED_MEMORY = Path("/dev/shm")
# Chromium puts a unix socket at $TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket and
# aborts when the path passes the 107 bytes a socket address holds.
MAX_FOLDER_LENGTH = 107 - len("/org.chromium.Chromium.XXXXXX/SingletonSocket") - 2
_current: Path | None = None


def current() -> Path | None:
    """The scratch folder of the run going on in this process, if any."""
    return _current


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    """A fresh private folder for this run, made the process's temporary folder for the
    duration of the block and removed after it; folders of dead runs are removed first."""
    global _current
    if _current is not None:  # one per process: a nested run shares it
        yield _current
        return
    sweep()
    folder = _new_folder()
    saved_env, saved_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = str(folder)
    _current = folder
    try:
        yield folder
    finally:
        _current = None
        tempfile.tempdir = saved_tempdir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        shutil.rmtree(folder, ignore_errors=True)


def sweep() -> list[Path]:
    """Remove the scratch folders whose run is gone, ending first any process (a browser, a
    Playwright driver) that still uses one; the folders removed."""
    removed = []
    for base in _bases():
        if not base.is_dir():
            continue
        for folder in sorted(base.glob(f"{RUN_PREFIX}*")):
            if _owner_alive(folder):
                continue
            for pid in processes_using(folder):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def processes_using(folder: Path) -> list[int]:
    """This user's processes whose command line names ``folder`` or whose ``TMPDIR`` is it
    (Linux; elsewhere none are found)."""
    needle = os.fsencode(folder)
    found = []
    for entry in _proc_entries():
        pid = int(entry.name)
        if pid == os.getpid():
            continue
        try:
            if entry.stat().st_uid != os.getuid():
                continue
            command = (entry / "cmdline").read_bytes()
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if needle in command or b"TMPDIR=" + needle in environment:
            found.append(pid)
    return found


def identity(pid: int) -> str | None:
    """``pid`` with its start time (so a reused pid is not taken for the owner), or None when
    no such process runs."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        if sys.platform.startswith("linux"):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return str(pid)
    if fields[0] in ("Z", "X"):  # a zombie has ended; its parent has not collected it yet
        return None
    return f"{pid}:{fields[19]}"


def _owner_alive(folder: Path) -> bool:
    try:
        recorded = (folder / OWNER_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        # No owner file yet: a run may be creating it right now; the pid is in the name.
        recorded = ""
    pid_text = (recorded or folder.name.removeprefix(RUN_PREFIX)).split(":")[0].split("-")[0]
    if not pid_text.isdigit():
        return False
    alive = identity(int(pid_text))
    return alive is not None and (not recorded or alive == recorded)


def _new_folder() -> Path:
    errors = []
    for base in _bases():
        folder = base / f"{RUN_PREFIX}{os.getpid()}-{secrets.token_hex(3)}"
        if len(os.fsencode(folder)) > MAX_FOLDER_LENGTH:
            errors.append(f"{base}: the path is too long for the browser's socket")
            continue
        try:
            _private_base(base)
            os.mkdir(folder, FOLDER_MODE)
            os.chmod(folder, FOLDER_MODE)
            owner = folder / OWNER_FILE
            touch_private(owner)
            owner.write_text(identity(os.getpid()) or str(os.getpid()), encoding="utf-8")
            return folder
        except OSError as error:
            errors.append(f"{base}: {error.strerror or error}")
    raise ConfigError(
        "no private folder for the run's temporary files (set XDG_RUNTIME_DIR "
        "to a short folder only you can read): " + "; ".join(errors)
    )


def _bases() -> list[Path]:
    """Where scratch folders are made (the first that works) and swept (all): the runtime
    folder, the data folder, and a folder of this user's in the system's temporary folder."""
    bases = []
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and _owned_and_private(Path(runtime)):
        bases.append(Path(runtime) / APP)
    if ram_backed(SHARED_MEMORY):  # memory: a killed run's files never reach a disk
        bases.append(SHARED_MEMORY / f"{APP}-{os.getuid()}")
    with contextlib.suppress(ConfigError):
        bases.append(data_dir() / "scratch")
    system = os.environ.get("TMPDIR") if _current is None else None  # not our own
    bases.append(Path(system or "/tmp") / f"{APP}-{os.getuid()}")
    return bases


def ram_backed(folder: Path) -> bool:
    """Whether ``folder`` is the mount point of a memory file system (tmpfs), per Linux."""
    try:
        mounts = (PROC / "self" / "mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(
        len(fields) > 2 and fields[1] == str(folder) and fields[2] == "tmpfs"
        for fields in (line.split() for line in mounts.splitlines())
    )


def _private_base(base: Path) -> None:
    """``base`` exists as this user's own 0700 folder, or OSError."""
    private_dir(base)
    if not _owned_and_private(base):
        raise PermissionError(13, "not a private folder of this user", str(base))


def _owned_and_private(path: Path) -> bool:
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def _proc_entries() -> Iterator[Path]:
    try:
        yield from (p for p in PROC.iterdir() if p.name.isdigit())
    except OSError:
        return
