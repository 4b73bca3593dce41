"""After a change went through: how the platform proved it, recorded as the run's proof level.

A setting flow's last step reloads the page and re-reads the setting (``reread``). A form flow
can only show where our own click led, so the engine also looks for the platform's
confirmation email: in the account's mailbox (IMAP, when configured) or, when the run is served
by a replica, in the replica's mailbox; its DKIM signature is verified against the platform's
domain (``email``). Without either, the run says ``page only``, and ``optout-bot mail`` can
upgrade it later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from optout_bot import keys
from optout_bot.imap import MailError
from optout_bot.records.mail import MailPattern, parse_message, verify_dkim
from optout_bot.records.proof import EMAIL_FILE, EmailProof, Proof, find_email_proof
from optout_bot.run.retry import MailNotYet, RetryPolicy, announce

if TYPE_CHECKING:
    from optout_bot.run.job import Job
    from optout_bot.run.recorder import EvidenceRecorder


def prove(
    job: Job, recorder: EvidenceRecorder, retry: RetryPolicy, started: datetime, log: Any
) -> Proof:
    """The proof level of a run whose change went through; the email, when found, is kept
    in the evidence with its hash and its DKIM result."""
    if job.flow.KIND == "setting":
        return Proof.REREAD
    pattern = job.flow.confirmation_mail()
    if pattern is None:
        return Proof.PAGE_ONLY
    try:
        found = _confirmation_email(job, pattern, retry, started, log)
    except Exception as error:  # mail is a stranger's: reading it never decides the outcome
        log.warning("confirmation email not read", error=type(error).__name__)
        found = None
    if found is None:
        recorder.facts.setdefault("notes", {})["proof"] = (
            "no confirmation email yet: `optout-bot mail` collects it when it arrives"
        )
        return Proof.PAGE_ONLY
    recorder.bundle.add_file(EMAIL_FILE, found.mail.raw)
    recorder.note("confirmation_email", found.fact(EMAIL_FILE))
    if not found.dkim.verified:
        log.warning("confirmation email failed verification", reason=found.dkim.reason)
        return Proof.PAGE_ONLY
    return Proof.EMAIL


def _confirmation_email(
    job: Job, pattern: MailPattern, retry: RetryPolicy, started: datetime, log: Any
) -> EmailProof | None:
    account = job.account
    recipient = account.form_email_or_none()
    dns = next((replica.dkim_dns() for replica in job.replicas), None)
    if account.mail is not None:
        password = keys.mail_password(job.flow.PLATFORM, job.label, account)
        if password is None:
            log.warning("mailbox configured without a password; confirmation not collected")
            return None
        mailbox, secret = account.mail, password

        def look() -> EmailProof:
            skipped: list[str] = []
            try:
                found = find_email_proof(mailbox, secret, pattern, started, recipient, dns, skipped)
            except MailError as error:
                log.warning("mailbox not readable", error=str(error))
                raise MailNotYet from None
            finally:
                for note in skipped:
                    log.warning("a message in the mailbox was skipped", why=note)
            if found is None:
                raise MailNotYet
            return found

        try:
            for attempt in retry.mail(
                mailbox.wait_seconds, announce(log, "confirmation email not here yet")
            ):
                with attempt:
                    return look()
        except MailNotYet:
            return None
    for replica in job.replicas:  # the replica's own mailbox: the platform's mail in its world
        for mail in reversed(replica.mailbox):
            if (
                mail.raw
                and (recipient is None or mail.to == recipient)
                and pattern.sender_matches(mail.sender)
                and pattern.body_matches(mail.body)
            ):
                fetched = parse_message("replica", mail.raw)
                if fetched.date is None or fetched.date >= started - timedelta(seconds=60):
                    return EmailProof(fetched, verify_dkim(mail.raw, pattern, dns))
    return None
