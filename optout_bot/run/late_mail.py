"""``optout-bot mail``: confirmation emails that arrived after the run upgrade its proof.

A platform may send its confirmation minutes after the form was sent. For every finished run
that changed something and has only ``page only`` proof, the account's mailbox is read again;
a confirmation found is added to that run's evidence as an addendum and, when its DKIM
signature verifies, the run's proof in the ledger becomes ``email``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from optout_bot import keys
from optout_bot.flow import registry
from optout_bot.imap import MailError
from optout_bot.records.evidence import iso, utc_now
from optout_bot.records.ledger import Ledger, RunRow
from optout_bot.records.mail import DnsLookup
from optout_bot.records.proof import Proof, find_email_proof, write_addendum
from optout_bot.settings import Settings

CHANGED = {"submitted"}


@dataclass(frozen=True)
class LateMail:
    run_id: int
    platform: str
    account: str
    result: str  # what happened, in one line
    proof: Proof | None


def collect_late_mail(
    settings: Settings,
    ledger: Ledger,
    *,
    platform: str | None = None,
    account: str | None = None,
    dns_lookup: DnsLookup | None = None,
) -> list[LateMail]:
    """Look for each waiting run's confirmation once; report what each look found."""
    results: list[LateMail] = []
    for run in ledger.runs(platform, limit=10_000):
        if not _waiting(run) or (account and run.account != account):
            continue
        results.append(_collect_for(settings, ledger, run, dns_lookup))
    return results


def _noting(said: Callable[..., LateMail], skipped: list[str]) -> Callable[..., LateMail]:
    """``said`` adding how many messages could not be read (each was skipped)."""

    def with_note(result: str, proof: Proof | None = None) -> LateMail:
        return said(f"{result} ({len(skipped)} message(s) could not be read, skipped)", proof)

    return with_note


def _waiting(run: RunRow) -> bool:
    return (
        run.state == "finished"
        and run.outcome in CHANGED
        and run.mode == "live"
        and Proof.parse(run.proof) in (None, Proof.PAGE_ONLY)
        and run.evidence_dir is not None
    )


def _collect_for(
    settings: Settings, ledger: Ledger, run: RunRow, dns_lookup: DnsLookup | None
) -> LateMail:
    def said(result: str, proof: Proof | None = None) -> LateMail:
        return LateMail(run.id, run.platform, run.account, result, proof)

    account = settings.accounts.get(run.platform, {}).get(run.account)
    pattern = registry.get_flow(run.platform).confirmation_mail()
    if pattern is None:
        return said("the platform sends no confirmation email")
    if account is None or account.mail is None:
        return said("no mailbox configured for this account ([accounts.…mail])")
    password = keys.mail_password(run.platform, run.account, account)
    if password is None:
        return said("no mailbox password (keyring or OPTOUT_BOT_ACCOUNTS__…__MAIL__PASSWORD)")
    started = datetime.fromisoformat(run.started_utc.replace("Z", "+00:00"))
    skipped: list[str] = []
    try:
        found = find_email_proof(
            account.mail,
            password,
            pattern,
            started,
            account.form_email_or_none(),
            dns_lookup,
            skipped,
        )
    except MailError as error:
        return said(str(error))
    except Exception as error:  # one mailbox's oddity never stops the others' collection
        return said(f"the mailbox could not be read ({type(error).__name__})")
    if skipped:
        said = _noting(said, skipped)
    if found is None:
        return said("no confirmation email yet")
    bundle = Path(run.evidence_dir or "")
    digest = write_addendum(bundle, run.manifest_sha256, found, iso(utc_now()))
    ledger.record_addendum(run.id, digest)
    if not found.dkim.verified:
        ledger.set_proof(run.id, Proof.PAGE_ONLY.value, digest)
        return said(f"an email came but its signature failed: {found.dkim.reason}", Proof.PAGE_ONLY)
    ledger.set_proof(run.id, Proof.EMAIL.value, digest)
    return said(f"confirmation email verified ({found.dkim.reason})", Proof.EMAIL)
