"""A sign-in code the platform emailed, read from the person's own mailbox.

Through the IMAP settings the account already has (``[accounts.<p>.<label>.mail]``): the
newest message sent after the code was requested, from the platform's domain (the flow's
``EMAIL_CODE``), whose DKIM signature verifies for that domain. A message is used once. The
code is registered with the log redactor (so it never reaches logs, traces or evidence) and
is written nowhere; the message itself is not kept either.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from optout_bot.errors import NeedsHuman
from optout_bot.imap import MailError, MailSettings
from optout_bot.log import redactor
from optout_bot.records.mail import (
    DnsLookup,
    FetchedMail,
    MailPattern,
    MailQuery,
    fetch_matching,
    find_code,
    verify_dkim,
)
from optout_bot.run.retry import MailNotYet, RetryPolicy, announce


def code_from_mailbox(
    mailbox: MailSettings,
    password: str,
    pattern: MailPattern,
    *,
    requested: datetime,
    recipient: str | None,
    used: set[str],
    retry: RetryPolicy,
    dns: DnsLookup | None,
    log: Any,
) -> str:
    """The code of the newest verified message after ``requested``; waits for it as long as
    the mailbox settings say. ``used`` holds the messages already used (by hash)."""

    def look() -> str:
        try:
            found = fetch_matching(mailbox, password, MailQuery(pattern, requested, recipient))
        except MailError as error:
            log.warning("mailbox not readable", error=str(error))
            raise MailNotYet from None
        chosen = newest_verified(found, pattern, used, dns, log)
        if chosen is None:
            raise MailNotYet
        code = find_code(chosen, pattern)
        if code is None:
            raise MailNotYet
        used.add(chosen.sha256)
        return redactor.secret(code)

    try:
        for attempt in retry.mail(mailbox.wait_seconds, announce(log, "sign-in code not here yet")):
            with attempt:
                return look()
    except MailNotYet:
        pass
    raise NeedsHuman(
        f"no sign-in code from {', '.join(pattern.domains)} with a valid signature arrived in "
        f"{mailbox.user}'s mailbox within {mailbox.wait_seconds:g} s"
    )


def newest_verified(
    found: Iterable[FetchedMail],
    pattern: MailPattern,
    used: set[str],
    dns: DnsLookup | None,
    log: Any,
) -> FetchedMail | None:
    """The newest unused message whose DKIM signature verifies for the platform's domain;
    a forged or unsigned one is passed over (and said so in the log, without its content)."""
    fresh = [mail for mail in found if mail.sha256 not in used]
    for mail in sorted(fresh, key=_sent, reverse=True):
        result = verify_dkim(mail.raw, pattern, dns)
        if result.verified:
            return mail
        log.warning("sign-in email passed over", reason=result.reason, sender=mail.sender)
    return None


def _sent(mail: FetchedMail) -> float:
    return mail.date.timestamp() if mail.date is not None else 0.0
