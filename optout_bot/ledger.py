"""The ledger: one SQLite row per run and per submission, written in transactions.

It answers "is this objection already on record?" before the browser is even started, keeps
the hash of each run's manifest (so an edited bundle is caught), and shows runs that never
finished (the process died) as interrupted.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optout_bot.evidence import iso, utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    account TEXT NOT NULL,
    mode TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_utc TEXT NOT NULL,
    ended_utc TEXT,
    outcome TEXT,
    message TEXT,
    evidence_dir TEXT,
    manifest_sha256 TEXT
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    platform TEXT NOT NULL,
    account TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'confirmed', 'not_sent')),
    form_url TEXT,
    form_version TEXT,
    submitted_json TEXT,
    confirmation TEXT,
    sent_utc TEXT,
    updated_utc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_by_account ON submissions (platform, account, mode);
"""
# Columns added after the first release, so older ledgers gain them when opened.
ADDED_RUN_COLUMNS = {"proof": "TEXT", "addendum_sha256": "TEXT"}


@dataclass(frozen=True)
class RunRow:
    id: int
    platform: str
    account: str
    mode: str
    started_utc: str
    ended_utc: str | None
    outcome: str | None
    message: str | None
    evidence_dir: str | None
    manifest_sha256: str | None
    pid: int
    proof: str | None = None
    addendum_sha256: str | None = None

    @property
    def state(self) -> str:
        """``finished``, ``running`` (its process is alive) or ``interrupted``."""
        if self.ended_utc:
            return "finished"
        return "running" if _alive(self.pid) else "interrupted"


class Ledger:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        present = {row["name"] for row in self._db.execute("PRAGMA table_info(runs)")}
        for name, kind in ADDED_RUN_COLUMNS.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- runs -------------------------------------------------------------------------------

    def start_run(self, platform: str, account: str, mode: str, evidence_dir: Path | None
                  ) -> int:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (platform, account, mode, pid, started_utc, evidence_dir) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (platform, account, mode, os.getpid(), iso(utc_now()),
                 str(evidence_dir) if evidence_dir else None))
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, outcome: str, message: str,
                   manifest_sha256: str | None) -> None:
        with self._transaction() as db:
            db.execute("UPDATE runs SET ended_utc=?, outcome=?, message=?, manifest_sha256=? "
                       "WHERE id=?", (iso(utc_now()), outcome, message, manifest_sha256, run_id))

    def set_proof(self, run_id: int, proof: str, addendum_sha256: str | None = None) -> None:
        """How the platform confirmed this run's change (see ``optout_bot.proof``)."""
        with self._transaction() as db:
            db.execute("UPDATE runs SET proof=?, addendum_sha256=COALESCE(?, addendum_sha256) "
                       "WHERE id=?", (proof, addendum_sha256, run_id))

    def runs(self, platform: str | None = None, limit: int = 50) -> list[RunRow]:
        query = "SELECT * FROM runs"
        args: tuple[Any, ...] = ()
        if platform:
            query += " WHERE platform=?"
            args = (platform,)
        rows = self._db.execute(query + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [RunRow(**dict(row)) for row in rows]

    def manifest_hash_for(self, evidence_dir: Path) -> str | None:
        row = self._db.execute(
            "SELECT manifest_sha256 FROM runs WHERE evidence_dir=? ORDER BY id DESC LIMIT 1",
            (str(evidence_dir),)).fetchone()
        return row["manifest_sha256"] if row else None

    def previous_manifest_hash(self, platform: str, account: str, mode: str) -> str | None:
        """The hash of this account's last finished manifest: each bundle names the one
        before it, so the receipts form a chain."""
        row = self._db.execute(
            "SELECT manifest_sha256 FROM runs WHERE platform=? AND account=? AND mode=? "
            "AND manifest_sha256 IS NOT NULL ORDER BY id DESC LIMIT 1",
            (platform, account, mode)).fetchone()
        return row["manifest_sha256"] if row else None

    # --- submissions --------------------------------------------------------------------------

    def begin_submission(self, run_id: int, platform: str, account: str, mode: str,
                         form_url: str | None, form_version: str | None,
                         submitted: dict[str, Any]) -> int:
        """Written *before* the submit is clicked, so a crash mid-submit leaves a trace that
        tells the next run to check the platform."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO submissions (run_id, platform, account, mode, status, form_url, "
                "form_version, submitted_json, updated_utc) VALUES (?, ?, ?, ?, 'sending', ?, ?, "
                "?, ?)", (run_id, platform, account, mode, form_url, form_version,
                          json.dumps(submitted, ensure_ascii=False), iso(utc_now())))
            return int(cursor.lastrowid or 0)

    def mark_submission(self, submission_id: int, status: str,
                        confirmation: str | None = None) -> None:
        now = iso(utc_now())
        with self._transaction() as db:
            db.execute(
                "UPDATE submissions SET status=?, confirmation=COALESCE(?, confirmation), "
                "sent_utc=CASE WHEN ? IN ('sent', 'confirmed') THEN COALESCE(sent_utc, ?) "
                "ELSE sent_utc END, updated_utc=? WHERE id=?",
                (status, confirmation, status, now, now, submission_id))

    def on_record(self, platform: str, account: str, mode: str) -> dict[str, Any] | None:
        """The latest submission the platform accepted for this account, if any."""
        row = self._db.execute(
            "SELECT * FROM submissions WHERE platform=? AND account=? AND mode=? "
            "AND status IN ('sent', 'confirmed') ORDER BY id DESC LIMIT 1",
            (platform, account, mode)).fetchone()
        return dict(row) if row else None

    def submissions(self, platform: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM submissions"
        args: tuple[Any, ...] = ()
        if platform:
            query += " WHERE platform=?"
            args = (platform,)
        return [dict(r) for r in self._db.execute(query + " ORDER BY id", args).fetchall()]


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
