"""A sign-in code the platform emailed, read from the person's real (Dovecot) mailbox: found
by the sender's domain, DKIM-verified, the newest after the request, used once, and only ever
held in memory (registered with the redactor)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from optout_bot.errors import NeedsHuman
from optout_bot.imap import MailSettings
from optout_bot.log import get_logger, redactor
from optout_bot.records.mail import MailPattern
from optout_bot.replica.mail import SigningKey, deliver
from optout_bot.run.email_code import code_from_mailbox
from optout_bot.run.retry import RetryPolicy
from tests.support.dovecot import dovecot_server

TO = "person@example.org"
DOMAIN = "mail.platform.test"
PATTERN = MailPattern(domains=("platform.test",), code=r"code is (\d{6})")


@pytest.fixture
def mailbox() -> Iterator[MailSettings]:
    with dovecot_server(user=TO) as settings:
        yield settings.model_copy(update={"wait_seconds": 0})


def put(mailbox: MailSettings, key: SigningKey, code: str, sent: datetime) -> None:
    assert mailbox.password is not None
    raw = key.sign(
        sender=f"no-reply@{key.domain}",
        to=TO,
        subject="Your sign-in code",
        body=f"Your sign-in code is {code}.",
        date=sent,
    )
    deliver(mailbox, mailbox.password.get_secret_value(), raw)


def read(mailbox: MailSettings, key: SigningKey, requested: datetime, used: set[str]) -> str:
    assert mailbox.password is not None
    return code_from_mailbox(
        mailbox,
        mailbox.password.get_secret_value(),
        PATTERN,
        requested=requested,
        recipient=TO,
        used=used,
        retry=RetryPolicy(),
        dns=key.dns(),
        log=get_logger(),
    )


def test_the_newest_verified_code_after_the_request_is_used_once(mailbox: MailSettings) -> None:
    key = SigningKey.generate(DOMAIN)
    forger = SigningKey.generate(DOMAIN)  # same domain, a key the domain never published
    requested = datetime.now(UTC)
    put(mailbox, key, "111111", requested - timedelta(hours=2))  # an older request's code
    put(mailbox, key, "424242", requested + timedelta(seconds=5))
    put(mailbox, forger, "999999", requested + timedelta(seconds=9))  # newest, but forged
    used: set[str] = set()

    code = read(mailbox, key, requested, used)

    assert code == "424242"
    assert code in redactor.secrets()  # scrubbed from anything written
    with pytest.raises(NeedsHuman, match=r"platform\.test"):
        read(mailbox, key, requested, used)  # the same message is never used twice


def test_a_code_from_another_domain_is_not_taken(mailbox: MailSettings) -> None:
    elsewhere = SigningKey.generate("mail.elsewhere.test")
    requested = datetime.now(UTC)
    put(mailbox, elsewhere, "777777", requested + timedelta(seconds=1))
    with pytest.raises(NeedsHuman):
        read(mailbox, elsewhere, requested, set())
