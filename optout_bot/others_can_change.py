"""Refusing files and folders other users can change, as ssh refuses such a key file.

A label overlay decides which button is pressed and which field gets the password; a
configuration names the login address. If another user of the machine can change one, they can
steer the run: so such a file or folder is refused with one line naming the fix.
"""

from __future__ import annotations

import stat
from pathlib import Path

OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


def changeable_by_others(path: Path) -> int | None:
    """The mode of ``path`` (followed, as it will be read) when other users can write to it;
    None when they cannot or it does not exist."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    return stat.S_IMODE(mode) if mode & OTHERS_WRITE else None


def first_changeable(paths: list[Path]) -> tuple[Path, int] | None:
    """The first of ``paths`` other users can write to, with its mode."""
    for path in paths:
        mode = changeable_by_others(path)
        if mode is not None:
            return path, mode
    return None


def overlay_paths(root: Path, folder: Path) -> list[Path]:
    """An overlay root, its platform folder and the label files in it: all that is read."""
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    return [root, folder, *files]
