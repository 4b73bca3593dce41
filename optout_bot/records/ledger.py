"""The ledger: one SQLite row per run and per submission, written in transactions.

It answers "is this objection already on record?" before the browser is even started, keeps
the hash of each run's manifest (so an edited bundle is caught), and shows runs that never
finished (the process died) as interrupted.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optout_bot.errors import ConfigError
from optout_bot.files import open_private, private_dir, touch_private
from optout_bot.log import redactor
from optout_bot.records.evidence import iso, utc_now
from optout_bot.scrub import scrub_text

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
CREATE TABLE IF NOT EXISTS addenda (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    sha256 TEXT NOT NULL,
    written_utc TEXT NOT NULL
);
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


def open_database(path: Path) -> sqlite3.Connection:
    """The ledger's SQLite file, opened so that it can be trusted: private (0600), written
    through (WAL, full sync), and checked to be a ledger, with columns added since the first
    release. Apart from :class:`Ledger` so that the ledger reads as what it records. Every
    way this fails is a ``ConfigError`` naming the file."""
    if path.is_dir():
        raise ConfigError(
            f"output.ledger: {path} is a folder; give a file name, e.g. "
            f"--ledger {path / 'ledger.sqlite3'}"
        )
    try:
        private_dir(path.parent)
        touch_private(path)  # 0600 before SQLite makes it; its -wal and -shm copy the mode
        db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    except (OSError, sqlite3.Error) as error:
        reason = error.strerror if isinstance(error, OSError) else error
        raise ConfigError(
            f"output.ledger: cannot open {path} ({reason}); choose another file"
        ) from None
    db.row_factory = sqlite3.Row
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
        db.execute(
            "SELECT id, platform, account, mode, pid, started_utc, ended_utc, "
            "outcome, message, evidence_dir, manifest_sha256 FROM runs LIMIT 0"
        )
        _add_missing_columns(db)
    except sqlite3.DatabaseError as error:
        db.close()
        raise ConfigError(
            f"output.ledger: {path} is not an optout-bot ledger ({error}); choose another file"
        ) from None
    return db


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Columns added since the first release, for ledgers made before them."""
    present = {row["name"] for row in db.execute("PRAGMA table_info(runs)")}
    for name, kind in ADDED_RUN_COLUMNS.items():
        if name not in present:
            db.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")


class AddendaRecords:
    """What ``optout-bot mail`` added to a run's bundle after it ended: verifying counts only
    the addenda recorded here (a hand-written one is not)."""

    _db: sqlite3.Connection

    def record_addendum(self, run_id: int, sha256: str) -> None:
        """One statement, so atomic by itself (the connection autocommits)."""
        self._db.execute(
            "INSERT INTO addenda (run_id, sha256, written_utc) VALUES (?, ?, ?)",
            (run_id, sha256, iso(utc_now())),
        )

    def recorded_addenda(self, evidence_dir: Path) -> set[str] | None:
        """SHA-256s of the addenda written to this bundle; None when no run has it."""
        rows = self._db.execute(
            "SELECT r.addendum_sha256 AS own, a.sha256 AS added FROM runs r "
            "LEFT JOIN addenda a ON a.run_id = r.id "
            "WHERE r.id = (SELECT MAX(id) FROM runs WHERE evidence_dir=?)",
            (str(evidence_dir),),
        ).fetchall()
        if not rows:
            return None
        return {value for row in rows for value in (row["own"], row["added"]) if value}


class Ledger(AddendaRecords):
    """The ledger's questions and answers: runs (started, finished, proven) and submissions
    (sending, sent, confirmed), each change in one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = open_database(path)

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

    def start_run(self, platform: str, account: str, mode: str, evidence_dir: Path | None) -> int:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (platform, account, mode, pid, started_utc, evidence_dir) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    platform,
                    account,
                    mode,
                    os.getpid(),
                    iso(utc_now()),
                    str(evidence_dir) if evidence_dir else None,
                ),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(
        self, run_id: int, outcome: str, message: str, manifest_sha256: str | None
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET ended_utc=?, outcome=?, message=?, manifest_sha256=? WHERE id=?",
                (iso(utc_now()), outcome, _scrubbed(message), manifest_sha256, run_id),
            )

    def set_proof(self, run_id: int, proof: str, addendum_sha256: str | None = None) -> None:
        """How the platform confirmed this run's change (see ``optout_bot.records.proof``)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET proof=?, addendum_sha256=COALESCE(?, addendum_sha256) WHERE id=?",
                (proof, addendum_sha256, run_id),
            )

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
            (str(evidence_dir),),
        ).fetchone()
        return row["manifest_sha256"] if row else None

    def previous_manifest_hash(self, platform: str, account: str, mode: str) -> str | None:
        """The hash of this account's last finished manifest: each bundle names the one
        before it, so the receipts form a chain."""
        row = self._db.execute(
            "SELECT manifest_sha256 FROM runs WHERE platform=? AND account=? AND mode=? "
            "AND manifest_sha256 IS NOT NULL ORDER BY id DESC LIMIT 1",
            (platform, account, mode),
        ).fetchone()
        return row["manifest_sha256"] if row else None

    # --- submissions --------------------------------------------------------------------------

    def begin_submission(
        self,
        run_id: int,
        platform: str,
        account: str,
        mode: str,
        form_url: str | None,
        form_version: str | None,
        submitted: dict[str, Any],
    ) -> int:
        """Written *before* the submit is clicked, so a crash mid-submit leaves a trace that
        tells the next run to check the platform."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO submissions (run_id, platform, account, mode, status, form_url, "
                "form_version, submitted_json, updated_utc) VALUES (?, ?, ?, ?, 'sending', ?, ?, "
                "?, ?)",
                (
                    run_id,
                    platform,
                    account,
                    mode,
                    _scrubbed(form_url),
                    form_version,
                    _scrubbed(json.dumps(submitted, ensure_ascii=False)),
                    iso(utc_now()),
                ),
            )
            return int(cursor.lastrowid or 0)

    def mark_submission(
        self, submission_id: int, status: str, confirmation: str | None = None
    ) -> None:
        now = iso(utc_now())
        with self._transaction() as db:
            db.execute(
                "UPDATE submissions SET status=?, confirmation=COALESCE(?, confirmation), "
                "sent_utc=CASE WHEN ? IN ('sent', 'confirmed') THEN COALESCE(sent_utc, ?) "
                "ELSE sent_utc END, updated_utc=? WHERE id=?",
                (status, _scrubbed(confirmation), status, now, now, submission_id),
            )

    def on_record(self, platform: str, account: str, mode: str) -> dict[str, Any] | None:
        """The latest submission the platform accepted for this account, if any."""
        row = self._db.execute(
            "SELECT * FROM submissions WHERE platform=? AND account=? AND mode=? "
            "AND status IN ('sent', 'confirmed') ORDER BY id DESC LIMIT 1",
            (platform, account, mode),
        ).fetchone()
        return dict(row) if row else None

    def submissions(self, platform: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM submissions"
        args: tuple[Any, ...] = ()
        if platform:
            query += " WHERE platform=?"
            args = (platform,)
        return [dict(r) for r in self._db.execute(query + " ORDER BY id", args).fetchall()]


def _scrubbed(text: str | None) -> str | None:
    """No secret is recorded: not a password in an address, not a known secret anywhere."""
    return None if text is None else scrub_text(text, redactor.secrets())


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the ledger for one run: two runs at once would both ask "already on record?",
    both hear "no" and both submit. A second run stops with a message naming the first's pid.
    The lock is the kernel's (``flock``), taken on the ledger file itself, so another name for
    the same file (a symbolic or hard link) meets the same lock; it goes with the process,
    however that ends. (SQLite's own locks are ``fcntl`` ones, which ``flock`` leaves alone.)"""
    if path.is_dir():
        raise ConfigError(
            f"output.ledger: {path} is a folder; give a file name, e.g. "
            f"--ledger {path / 'ledger.sqlite3'}"
        )
    try:
        private_dir(path.parent)
        descriptor = open_private(path, os.O_RDONLY)
    except OSError as error:
        raise ConfigError(
            f"output.ledger: cannot lock {path} ({error.strerror or error}); choose another file"
        ) from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise LedgerBusy(
                f"another optout-bot run (pid {_holder(descriptor)}) is using the ledger "
                f"{path}; wait until it ends, or pass another --ledger "
                "(nothing was started)"
            ) from None
        yield
    finally:
        os.close(descriptor)


def _holder(descriptor: int) -> str:
    """The pid holding an ``flock`` on the file, as Linux lists it (``/proc/locks``)."""
    info = os.fstat(descriptor)
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        lines = Path("/proc/locks").read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return "?"
    for line in lines:
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == device:
            return fields[4]
    return "?"


class LedgerBusy(ConfigError):
    """Another run holds the ledger."""


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
