"""How a run knows the platform recorded the change: the proof level of each submission.

``email``: the platform's confirmation email, its DKIM signature verified against the
platform's domain. ``reread``: the platform, asked again (a reload, the form reopened), shows
the change. ``page only``: only the page our own click led to says so — the weakest; a later
``optout-bot mail`` can upgrade it when the email arrives.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from optout_bot.records.addenda import addendum_names
from optout_bot.records.bundle_files import MAX_ADDENDUM_BYTES, NotReadable, read_regular
from optout_bot.records.mail import (
    DkimResult,
    DnsLookup,
    FetchedMail,
    MailPattern,
    MailQuery,
    MailSettings,
    fetch_matching,
    verify_dkim,
)

ADDENDUM_PREFIX = "addendum-"
EMAIL_FILE = "confirmation-email.eml"


class Proof(StrEnum):
    EMAIL = "email"
    REREAD = "reread"
    PAGE_ONLY = "page only"

    @classmethod
    def parse(cls, value: str | None) -> Proof | None:
        try:
            return cls(value) if value else None
        except ValueError:
            return None


@dataclass(frozen=True)
class EmailProof:
    mail: FetchedMail
    dkim: DkimResult

    def fact(self, file_name: str) -> dict[str, Any]:
        """What the manifest and the ledger say about the email (never its body)."""
        return {
            "file": file_name,
            "sha256": self.mail.sha256,
            "from": self.mail.sender,
            "subject": self.mail.subject,
            "date": self.mail.date.isoformat() if self.mail.date else None,
            "dkim": self.dkim.as_fact(),
        }


def find_email_proof(
    settings: MailSettings,
    password: str,
    pattern: MailPattern,
    since: datetime,
    recipient: str | None,
    dns_lookup: DnsLookup | None = None,
    skipped: list[str] | None = None,
) -> EmailProof | None:
    """The platform's confirmation in the mailbox: the first one whose signature verifies,
    else the newest one found (kept, and said to have failed), else None. ``skipped`` gets
    a note for each message that could not be read."""
    query = MailQuery(pattern, since, recipient)
    try:
        found = fetch_matching(settings, password, query)
    finally:
        if skipped is not None:
            skipped.extend(query.skipped)
    checked = [EmailProof(mail, verify_dkim(mail.raw, pattern, dns_lookup)) for mail in found]
    return next((p for p in checked if p.dkim.verified), checked[-1] if checked else None)


def write_addendum(
    bundle: Path, manifest_sha256: str | None, proof: EmailProof, written_utc: str
) -> str:
    """Add an email that arrived after the run to its bundle without touching the manifest
    (whose hash the ledger and the next bundle keep): the email and an addendum naming it and
    the manifest it belongs to. Returns the addendum's SHA-256."""
    stamp = written_utc.replace(":", "").replace("-", "").replace(".", "")
    email_name = f"{ADDENDUM_PREFIX}{stamp}-{EMAIL_FILE}"
    _write_new(bundle / email_name, proof.mail.raw)
    addendum = {
        "kind": "confirmation email, collected after the run",
        "written_utc": written_utc,
        "manifest_sha256": manifest_sha256,
        "proof": Proof.EMAIL.value if proof.dkim.verified else None,
        "email": proof.fact(email_name),
        "files": {email_name: proof.mail.sha256},
    }
    data = (json.dumps(addendum, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    _write_new(bundle / f"{ADDENDUM_PREFIX}{stamp}.json", data)
    return hashlib.sha256(data).hexdigest()


def _write_new(path: Path, data: bytes) -> None:
    with path.open("xb") as handle:
        handle.write(data)
    path.chmod(0o600)


def addendum_files(bundle: Path) -> dict[str, str]:
    """Files the bundle's addenda list (name → SHA-256), addenda included, as they claim:
    only regular files are read, size-limited; what counts is
    :func:`optout_bot.records.addenda.check_addenda`."""
    listed: dict[str, str] = {}
    for name in addendum_names(bundle):
        try:
            data = read_regular(bundle / name, MAX_ADDENDUM_BYTES)
            addendum = json.loads(data.decode("utf-8"))
            files = addendum["files"]
        except (NotReadable, ValueError, RecursionError, KeyError, TypeError):
            continue
        if isinstance(files, dict):
            listed.update({str(k): str(v) for k, v in files.items()})
        listed[name] = hashlib.sha256(data).hexdigest()
    return listed
