"""Files and folders only their owner can read, whatever the umask.

Evidence, the ledger, saved sessions and logs hold email addresses, what was submitted and
session cookies. Under ``umask 000`` Python's defaults would make them 0666 and folders 0777,
so every file here is created 0600 and every folder 0700, explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` and each missing parent with mode 0700 (existing ones are left as they
    are: they may be the user's own folders)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, FOLDER_MODE)
        except FileExistsError:
            continue  # made by another run at the same moment
        os.chmod(folder, FOLDER_MODE)  # a umask may only remove bits; this says it exactly
    if not path.is_dir():
        raise NotADirectoryError(20, "Not a directory", str(path))
    return path


def open_private(path: Path, flags: int) -> int:
    """``os.open`` that creates a missing file with mode 0600 (an existing one is opened as it
    is, unless ``flags`` holds ``O_EXCL``)."""
    try:
        descriptor = os.open(path, flags | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        if flags & os.O_EXCL:
            raise
        return os.open(path, flags)
    os.fchmod(descriptor, FILE_MODE)
    return descriptor


def touch_private(path: Path) -> None:
    """Make sure ``path`` exists as a file; created 0600 when missing."""
    os.close(open_private(path, os.O_RDWR))


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a file the person named (a letter, say): created 0600, and an
    existing file loses any write bit for others, whatever the umask."""
    descriptor = open_private(path, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(descriptor, "wb") as handle:
        mode = os.fstat(handle.fileno()).st_mode & 0o7777
        if mode & 0o022:
            os.fchmod(handle.fileno(), mode & ~0o022)
        handle.write(data)
