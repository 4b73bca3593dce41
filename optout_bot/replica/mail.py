"""How a replica sends the platform's confirmation email: DKIM-signed with a test key and put
into the person's (test) mailbox over IMAP. For replicas and tests only; live runs only read."""

from __future__ import annotations

import base64
import email.policy
import email.utils
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from optout_bot.imap import MailSettings, connect, quoted

if TYPE_CHECKING:
    pass

_KEYS: dict[str, SigningKey] = {}
FALLBACK_DOMAIN = "replica.invalid"


@dataclass(frozen=True)
class SigningKey:
    """A DKIM key pair: the private half signs, ``txt_record`` is what DNS would publish."""

    domain: str
    selector: str
    private_pem: bytes

    @classmethod
    def generate(cls, domain: str, selector: str = "replica") -> SigningKey:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        # 1024 bits: what DKIM verifiers accept at least; the replica world's key guards
        # nothing, and each run's signing and checking (pure-Python RSA in dkimpy) costs
        # a sixth of a 2048-bit key's.
        key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        return cls(domain=domain, selector=selector, private_pem=pem)

    @functools.cached_property
    def txt_record(self) -> bytes:
        """The DNS TXT record (``v=DKIM1; k=rsa; p=…``) publishing the public half (made
        once: loading the private key checks it, which costs more than the lookup)."""
        from cryptography.hazmat.primitives import serialization

        key = serialization.load_pem_private_key(self.private_pem, password=None)
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)

    @property
    def record_name(self) -> bytes:
        return f"{self.selector}._domainkey.{self.domain}.".encode()

    def dns(self) -> Callable[..., bytes | None]:
        """A DNS lookup that knows only this key (tests pass it to ``verify_dkim``)."""

        def lookup(name: bytes, timeout: int = 5) -> bytes | None:
            return self.txt_record if name.rstrip(b".") == self.record_name.rstrip(b".") else None

        return lookup

    def sign(
        self, *, sender: str, to: str, subject: str, body: str, date: datetime | None = None
    ) -> bytes:
        """A message as the platform would send it, with a DKIM-Signature header."""
        import dkim

        message = EmailMessage()
        message["From"] = sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = email.utils.format_datetime(date or datetime.now(UTC), usegmt=True)
        message["Message-ID"] = email.utils.make_msgid(domain=self.domain)
        message.set_content(body)
        raw = message.as_bytes(policy=email.policy.SMTP)
        signature = dkim.sign(
            raw,
            self.selector.encode(),
            self.domain.encode(),
            self.private_pem,
            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
        )
        return bytes(signature) + raw


def deliver(settings: MailSettings, password: str, raw: bytes) -> None:
    """Put a message into the mailbox (IMAP APPEND): how a replica 'sends' its email."""
    client = connect(settings, password)
    try:
        client.append(quoted(settings.folder), None, None, raw)
    finally:
        client.logout()


def mail_domain(platform: str) -> str:
    """Where the platform's mail comes from: the domain its replica declares (``MAIL_DOMAIN``)."""
    from optout_bot.replica.server import replica_class

    return replica_class(platform).MAIL_DOMAIN


def platform_key(platform: str) -> SigningKey:
    """The replica world's DKIM key of the platform's mail domain (one per process)."""
    domain = mail_domain(platform)
    if domain not in _KEYS:
        _KEYS[domain] = SigningKey.generate(domain)
    return _KEYS[domain]


def send_as_platform(replica: Any, to: str, subject: str, body: str) -> None:
    """Send as the platform does: DKIM-signed from its mail domain, into the replica's
    mailbox and, when a test gave one, a real IMAP mailbox (``replica.mail_drop``)."""
    from optout_bot.replica.server import Mail, now_utc

    key = platform_key(replica.PLATFORM)
    sender = f"notification@{key.domain}"
    raw = key.sign(sender=sender, to=to, subject=subject, body=body)
    replica.mailbox.append(
        Mail(to=to, subject=subject, body=body, sent_at=now_utc(), sender=sender, raw=raw)
    )
    if replica.mail_drop is not None:
        mailbox, password = replica.mail_drop
        deliver(mailbox, password, raw)
    replica.record("mail_sent", to=to, subject=subject)
