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

from optout_bot.records.bundle_files import (
    MAX_MANIFEST_BYTES,
    NotReadable,
    Problem,
    read_regular,
    sha256_regular,
)
from optout_bot.records.evidence import MANIFEST
from optout_bot.records.ledger import Ledger, RunRow

LINK = "previous_manifest_sha256"


def verify_chain(directory: Path, ledger: Ledger | None = None) -> list[Problem]:
    """Problems with this bundle's link to the one before it (empty: the link holds)."""
    manifest = _manifest(directory)
    if manifest is None:
        return []  # verify_bundle already names an unreadable manifest
    named = manifest.get(LINK)
    previous = _previous_in_ledger(ledger, directory) if ledger is not None else None
    if previous is None:
        previous = _previous_beside(directory, manifest)
    expected, where = previous if previous else (None, None)
    problems: list[Problem] = []
    if named != expected:
        problems.append(
            Problem(
                MANIFEST,
                f"chain broken: names previous manifest "
                f"{_short(named)}, but the previous run ({where or 'none'}) "
                f"has {_short(expected)}",
                "chain_broken",
            )
        )
    elif where is not None and expected is not None:
        folder = Path(where)
        digest = _digest(folder)
        if digest is not None and digest != expected:
            problems.append(
                Problem(
                    f"{folder}/{MANIFEST}",
                    "chain broken: the previous bundle's manifest changed since this run named it",
                    "chain_broken",
                )
            )
    return problems


def _manifest(directory: Path) -> dict[str, Any] | None:
    """A bundle's manifest when it is a regular file of a sane size (never a link or FIFO)."""
    try:
        loaded = json.loads(read_regular(directory / MANIFEST, MAX_MANIFEST_BYTES))
    except (NotReadable, ValueError, RecursionError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _digest(folder: Path) -> str | None:
    try:
        return sha256_regular(folder / MANIFEST)
    except NotReadable:
        return None


def _previous_in_ledger(ledger: Ledger, directory: Path) -> tuple[str | None, str | None] | None:
    """(hash, folder) of the finished run before this bundle's run; None: not in the ledger."""
    rows = ledger.runs(limit=1_000_000)
    mine = next((r for r in rows if r.evidence_dir == str(directory.resolve())), None)
    if mine is None:
        return None
    before: list[RunRow] = [
        r
        for r in rows
        if r.id < mine.id
        and r.platform == mine.platform
        and r.account == mine.account
        and r.mode == mine.mode
        and r.manifest_sha256
    ]
    if not before:
        return (None, None)
    last = max(before, key=lambda r: r.id)
    return (last.manifest_sha256, last.evidence_dir)


def _previous_beside(
    directory: Path, manifest: dict[str, Any]
) -> tuple[str | None, str | None] | None:
    """Without a ledger: the latest finished bundle of the same mode in the account folder,
    older than this one (folder names are UTC timestamps)."""
    older = sorted(
        p
        for p in directory.resolve().parent.iterdir()
        if p.is_dir() and p.name < directory.resolve().name
    )
    for folder in reversed(older):
        other = _manifest(folder)
        digest = _digest(folder)
        if other and other.get("mode") == manifest.get("mode") and other.get("outcome"):
            return (digest, str(folder))
    return (None, None)


def _short(value: object) -> str:
    return f"{value}"[:12] + "…" if value else "none"


# --- anchors: proof that does not depend on this machine --------------------------------------
#
# Without the ledger, a newest bundle forged whole (new files, new hashes, a new manifest naming
# the real previous one) verifies: nothing after it names its hash. An anchor is that hash,
# kept by the user somewhere this machine cannot change; every older bundle of the account is
# then proven by the chain of links from the anchored one down to it.


def latest_bundles(root: Path) -> list[tuple[str, Path, str]]:
    """(manifest SHA-256, folder, mode) of the newest finished bundle of each account and mode
    under ``root`` (an evidence folder, a platform or account folder, or one bundle)."""
    manifests = [root / MANIFEST] if (root / MANIFEST).is_file() else sorted(root.rglob(MANIFEST))
    newest: dict[tuple[Path, str], Path] = {}
    for path in manifests:
        folder = path.parent
        manifest = _manifest(folder)
        if manifest is None or not manifest.get("outcome"):
            continue
        key = (folder.parent, str(manifest.get("mode")))
        if key not in newest or folder.name > newest[key].name:
            newest[key] = folder
    found = [
        (_digest(folder), folder, mode)
        for (_, mode), folder in sorted(newest.items(), key=lambda kv: str(kv[1]))
    ]
    return [(digest, folder, mode) for digest, folder, mode in found if digest is not None]


def verify_anchor(directory: Path, anchor: str) -> list[Problem]:
    """Problems unless ``directory`` is the anchored bundle or is reached from it by following
    each manifest's link to the previous one."""
    target = directory.resolve()
    digests = {folder: _digest(folder) for folder in sorted(target.parent.iterdir())}
    by_hash = {digest: folder for folder, digest in digests.items() if digest is not None}
    kept = anchor.strip().lower()
    current = by_hash.get(kept)
    if current is None:
        return [
            Problem(
                MANIFEST,
                f"not anchored: no bundle of this account has the manifest "
                f"{_short(kept)} you kept (a bundle was removed, replaced or edited)",
                "not_anchored",
            )
        ]
    start, seen = current, set()
    while current != target:
        seen.add(current)
        link = (_manifest(current) or {}).get(LINK)
        following = by_hash.get(str(link)) if link else None
        if following is None or following in seen:
            why = (
                f"{current.name} names a previous manifest {_short(link)} that no bundle "
                "has (removed, replaced or edited)"
                if link
                else f"the chain from {start.name} ends at {current.name} without reaching "
                "this bundle (a later bundle, or another mode?)"
            )
            return [Problem(MANIFEST, f"not anchored: {why}", "not_anchored")]
        current = following
    return []
