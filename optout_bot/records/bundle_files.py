"""Reading a bundle folder that anyone may have changed: only regular files, never a link.

A bundle on disk is data from strangers. A ``manifest.json`` that is a symbolic link to a copy
elsewhere would verify someone else's files; a FIFO named like a manifest or an addendum would
make a reader wait forever; a link to ``/dev/zero`` or a 1 GiB file would fill the memory. So
every file is opened without following links and without waiting (``O_NOFOLLOW``,
``O_NONBLOCK``), checked to be a regular file on the open descriptor (``fstat``), hashed by
streaming, and read whole only below a size limit. Anything else is described, never read.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from optout_bot.shown import printable

MAX_MANIFEST_BYTES = 16 << 20
MAX_ADDENDUM_BYTES = 1 << 20
MAX_EMAIL_BYTES = 32 << 20
CHUNK = 1 << 16
_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class NotReadable(Exception):
    """The entry is not a regular file of the bundle that may be read (the reason, one line;
    ``key``: its kind, which letters name in the person's language, see :class:`Problem`)."""

    def __init__(self, what: str, key: str = "unreadable") -> None:
        super().__init__(what)
        self.key = key


SYMLINK = "a symbolic link, not a file (not followed)"
FOLDER = "a folder, not a file"


def kind_key(what: str) -> str:
    """The :class:`Problem` key of what :func:`kind` says an entry is."""
    if what == "missing":
        return "missing"
    if what == SYMLINK:
        return "link"
    if what.startswith("unreadable"):
        return "unreadable"
    return "not_regular"


def kind(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file (link, FIFO, device …); None when it
    is one. Looked at with ``lstat``: nothing is followed or opened."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable ({error.strerror or error})"
    return _describe(mode)


def _describe(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return SYMLINK
    if stat.S_ISDIR(mode):
        return FOLDER
    if stat.S_ISFIFO(mode):
        return "a FIFO, not a file (not read)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file (not read)"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file (not read)"
    return "not a regular file (not read)"


def open_regular(path: Path) -> int:
    """A descriptor of ``path`` when it is a regular file reached without a link at its
    end; else :class:`NotReadable` saying what it is."""
    try:
        descriptor = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise NotReadable("missing", "missing") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise NotReadable(SYMLINK, "link") from None
        raise NotReadable(f"unreadable ({error.strerror or error})") from None
    what = _describe(os.fstat(descriptor).st_mode)
    if what is not None:
        os.close(descriptor)
        raise NotReadable(what, kind_key(what))
    return descriptor


def sha256_regular(path: Path) -> str:
    """The SHA-256 of a regular file, read in chunks (any size, constant memory)."""
    digest = hashlib.sha256()
    with os.fdopen(open_regular(path), "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file no larger than ``limit``; else :class:`NotReadable`."""
    with os.fdopen(open_regular(path), "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise NotReadable(f"too large to be read ({size} bytes, at most {limit})", "too_large")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise NotReadable(f"too large to be read (more than {limit} bytes)", "too_large")
    return data


@dataclass(frozen=True)
class Problem:
    """What is wrong with one file of a bundle: ``what`` in English (the command line's
    words, with details), ``key`` its kind, which a letter names in the person's language
    (``problem.<key>`` in the locale files)."""

    file: str
    what: str
    key: str = "other"

    def __str__(self) -> str:
        return f"{printable(self.file)}: {self.what}"


def is_bundle_file_name(name: str) -> bool:
    """A manifest may list only plain names of files in the bundle folder itself: never an
    absolute path, a ``..`` or a sub-path, so verifying never reads outside the bundle."""
    return (
        name not in ("", ".", "..")
        and not any(c in name for c in "/\\\0:")
        and not Path(name).is_absolute()
    )
