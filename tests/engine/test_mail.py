"""The platform's confirmation email, read from a real IMAP server (Dovecot on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from optout_bot.records.mail import (
    MailPattern,
    MailQuery,
    MailSettings,
    fetch_matching,
    verify_dkim,
)
from optout_bot.replica.mail import SigningKey, deliver
from tests.support.dovecot import dovecot_server

PLATFORM = MailPattern(
    domains=("facebookmail.com",), subjects=(r"objection",), code=r"code[: ]+(\d{6})"
)
TO = "person@example.org"


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate("facebookmail.com")


@pytest.fixture
def mailbox() -> Iterator[MailSettings]:
    with dovecot_server(user=TO) as settings:
        yield settings


def _password(settings: MailSettings) -> str:
    assert settings.password is not None
    return settings.password.get_secret_value()


def _since() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=5)


def _confirmation(key: SigningKey, body: str = "We received your objection.") -> bytes:
    return key.sign(
        sender="Facebook <security@facebookmail.com>",
        to=TO,
        subject="Your objection was received",
        body=body,
    )


def test_signed_confirmation_is_fetched_and_verified(
    mailbox: MailSettings, key: SigningKey
) -> None:
    sent = _confirmation(key)
    deliver(mailbox, _password(mailbox), sent)
    found = fetch_matching(mailbox, _password(mailbox), MailQuery(PLATFORM, _since(), TO))
    assert len(found) == 1
    assert found[0].subject == "Your objection was received"
    result = verify_dkim(found[0].raw, PLATFORM, key.dns())
    assert result.verified, result.reason
    assert result.domain == "facebookmail.com"
    assert result.public_key == key.txt_record.decode()


def test_other_senders_and_older_mail_are_not_taken(mailbox: MailSettings, key: SigningKey) -> None:
    other = SigningKey.generate("example.net")
    deliver(
        mailbox,
        _password(mailbox),
        other.sign(
            sender="news@example.net", to=TO, subject="Your objection was received", body="x"
        ),
    )
    deliver(
        mailbox,
        _password(mailbox),
        key.sign(
            sender="security@facebookmail.com",
            to=TO,
            subject="Your objection was received",
            body="old",
            date=datetime.now(UTC) - timedelta(days=3),
        ),
    )
    assert fetch_matching(mailbox, _password(mailbox), MailQuery(PLATFORM, _since(), TO)) == []


def test_forged_signature_fails(mailbox: MailSettings, key: SigningKey) -> None:
    forger = SigningKey.generate("facebookmail.com")  # same domain and selector, wrong key
    deliver(mailbox, _password(mailbox), _confirmation(forger))
    [mail] = fetch_matching(mailbox, _password(mailbox), MailQuery(PLATFORM, _since(), TO))
    result = verify_dkim(mail.raw, PLATFORM, key.dns())
    assert not result.verified
    assert "does not match" in result.reason


def test_altered_message_fails(key: SigningKey) -> None:
    raw = _confirmation(key, body="We received your objection.")
    altered = raw.replace(b"received your objection", b"rejected your objection")
    assert altered != raw
    result = verify_dkim(altered, PLATFORM, key.dns())
    assert not result.verified
    assert verify_dkim(raw, PLATFORM, key.dns()).verified


def test_signature_of_another_domain_proves_nothing() -> None:
    other = SigningKey.generate("attacker.example")
    raw = other.sign(sender="security@facebookmail.com", to=TO, subject="objection", body="x")
    result = verify_dkim(raw, PLATFORM, other.dns())
    assert not result.verified
    assert "not by the platform" in result.reason


def test_unsigned_message_fails() -> None:
    raw = b"From: security@facebookmail.com\r\nTo: person@example.org\r\nSubject: x\r\n\r\nhi\r\n"
    assert verify_dkim(raw, PLATFORM).reason == "the message has no DKIM signature"


def test_wrong_mailbox_password_is_one_line_without_it(mailbox: MailSettings) -> None:
    from optout_bot.imap import MailError

    wrong = mailbox.model_copy(update={"password": None})
    with pytest.raises(MailError) as caught:
        fetch_matching(wrong, "not-the-password-123", MailQuery(PLATFORM, _since(), TO))
    assert "not-the-password-123" not in str(caught.value)
    assert "\n" not in str(caught.value)


def test_plain_imap_only_to_this_machine() -> None:
    with pytest.raises(ValidationError, match="only allowed for a server on this machine"):
        MailSettings(host="imap.example.org", security="plain", user="me")
    assert MailSettings(host="127.0.0.1", security="plain", user="me").effective_port == 143
