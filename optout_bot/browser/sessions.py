"""Saved sessions: after a login, the browser's storage state is kept per account so a rerun
does not log in again (fewer logins, fewer security checks). The files hold session cookies:
they are written with mode 0600, atomically, outside the evidence folder, and never logged."""

from __future__ import annotations

import json
import os
from pathlib import Path

from playwright.sync_api import BrowserContext

from optout_bot.account_names import folder_name
from optout_bot.files import private_dir
from optout_bot.records.evidence import safe_name


def session_file(sessions_dir: Path, mode: str, platform: str, label: str) -> Path:
    """One file per account; labels that look alike still get their own (see account_names.py)."""
    return sessions_dir / safe_name(mode) / safe_name(platform) / f"{folder_name(label)}.json"


def save_session(context: BrowserContext, path: Path) -> None:
    """Write the context's cookies and storage, readable by the owner only."""
    private_dir(path.parent)
    state = json.dumps(context.storage_state()).encode("utf-8")
    temporary = path.with_name(f".{path.name}.partial")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(state)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def delete_sessions(sessions_dir: Path, label: str, platform: str | None = None) -> list[Path]:
    """Delete the saved sessions of an account label (on one platform or all); returns them."""
    removed: list[Path] = []
    modes = [m for m in sessions_dir.iterdir() if m.is_dir()] if sessions_dir.is_dir() else []
    for mode in sorted(modes):
        for folder in sorted(f for f in mode.iterdir() if f.is_dir()):
            path = folder / f"{folder_name(label)}.json"
            if (platform is None or folder.name == safe_name(platform)) and path.is_file():
                removed.append(path)
    for path in removed:
        path.unlink()
    return removed
