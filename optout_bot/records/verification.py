"""One verification of a bundle, for ``evidence verify`` and ``letter`` alike: its files, its
addenda and emails, the ledger's record of it and its link in the chain."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from optout_bot.records.bundle_files import Problem
from optout_bot.records.chain import verify_chain
from optout_bot.records.evidence import check_bundle_files
from optout_bot.records.ledger import Ledger
from optout_bot.records.mail import DnsLookup


@dataclass(frozen=True)
class Verified:
    problems: list[Problem]
    email_verified: bool  # a confirmation email in the bundle verified again, now
    ledger_manifest_sha256: str | None  # what the ledger recorded for this bundle
    ledger_proof: str | None


def verify(
    directory: Path,
    ledger_path: Path | None,
    mail_domains: tuple[str, ...] | None = None,
    dns_lookup: DnsLookup | None = None,
) -> Verified:
    """Everything ``evidence verify`` checks, with the ledger when there is one."""
    ledger = Ledger(ledger_path) if ledger_path is not None and ledger_path.is_file() else None
    where = directory.resolve()
    try:
        expected = ledger.manifest_hash_for(where) if ledger else None
        recorded = ledger.recorded_addenda(where) if ledger else None
        row = (
            next((r for r in ledger.runs(limit=1_000_000) if r.evidence_dir == str(where)), None)
            if ledger
            else None
        )
        checked = check_bundle_files(
            directory,
            expected,
            recorded_addenda=recorded,
            mail_domains=mail_domains,
            dns_lookup=dns_lookup,
        )
        problems = checked.problems + verify_chain(directory, ledger)
    finally:
        if ledger is not None:
            ledger.close()
    return Verified(
        problems,
        checked.email_verified and not problems,
        expected,
        row.proof if row is not None else None,
    )
