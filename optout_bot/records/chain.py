"""The chain of an account's bundles: each manifest names the SHA-256 of the manifest of the
account's previous finished run, so a bundle that was removed, replaced or edited later shows
as a broken link, not only as a changed file.

The link is checked against the ledger when there is one (the previous finished run of the same
platform, account and mode), else against the previous bundle folder beside this one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from optout_bot.records.evidence import MANIFEST, Problem, sha256_file
from optout_bot.records.ledger import Ledger, RunRow

LINK = "previous_manifest_sha256"


def verify_chain(directory: Path, ledger: Ledger | None = None) -> list[Problem]:
    """Problems with this bundle's link to the one before it (empty: the link holds)."""
    manifest = _manifest(directory)
    if manifest is None:
        return []  # verify_bundle already names an unreadable manifest
    named = manifest.get(LINK)
    previous = (_previous_in_ledger(ledger, directory) if ledger is not None else None)
    if previous is None:
        previous = _previous_beside(directory, manifest)
    expected, where = previous if previous else (None, None)
    problems: list[Problem] = []
    if named != expected:
        problems.append(Problem(MANIFEST, f"chain broken: names previous manifest "
                                f"{_short(named)}, but the previous run ({where or 'none'}) "
                                f"has {_short(expected)}"))
    elif where is not None and expected is not None:
        folder = Path(where)
        if (folder / MANIFEST).is_file() and sha256_file(folder / MANIFEST) != expected:
            problems.append(Problem(f"{folder}/{MANIFEST}", "chain broken: the previous "
                                    "bundle's manifest changed since this run named it"))
    return problems


def _manifest(directory: Path) -> dict[str, Any] | None:
    try:
        loaded = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _previous_in_ledger(ledger: Ledger, directory: Path) -> tuple[str | None, str | None] | None:
    """(hash, folder) of the finished run before this bundle's run; None: not in the ledger."""
    rows = ledger.runs(limit=1_000_000)
    mine = next((r for r in rows if r.evidence_dir == str(directory.resolve())), None)
    if mine is None:
        return None
    before: list[RunRow] = [r for r in rows if r.id < mine.id and r.platform == mine.platform
                            and r.account == mine.account and r.mode == mine.mode
                            and r.manifest_sha256]
    if not before:
        return (None, None)
    last = max(before, key=lambda r: r.id)
    return (last.manifest_sha256, last.evidence_dir)


def _previous_beside(directory: Path, manifest: dict[str, Any]
                     ) -> tuple[str | None, str | None] | None:
    """Without a ledger: the latest finished bundle of the same mode in the account folder,
    older than this one (folder names are UTC timestamps)."""
    older = sorted(p for p in directory.resolve().parent.iterdir()
                   if p.is_dir() and p.name < directory.resolve().name)
    for folder in reversed(older):
        other = _manifest(folder)
        if other and other.get("mode") == manifest.get("mode") and other.get("outcome"):
            return (sha256_file(folder / MANIFEST), str(folder))
    return (None, None)


def _short(value: object) -> str:
    return f"{value}"[:12] + "…" if value else "none"
