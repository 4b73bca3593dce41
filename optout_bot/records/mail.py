"""The platform's confirmation email: fetched over IMAP, kept raw, its DKIM signature verified.

A confirmation page only shows where our own click led; an email the platform signed with its
domain's DKIM key is the platform's own word that it received the objection. This module knows
no platform: a flow declares which senders and subjects its confirmation has
(:class:`MailPattern`), the account supplies the mailbox (:class:`MailSettings`).

Nothing here writes or logs the IMAP password; it lives in the keyring or the environment.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import imaplib
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime

from optout_bot.imap import MailError, MailSettings, connect, quoted, without

DnsLookup = Callable[..., bytes | None]


@dataclass(frozen=True)
class MailPattern:
    """What a platform's confirmation email looks like: the domains it is sent and signed
    from, and its subject lines (regular expressions, any language)."""

    domains: tuple[str, ...]
    subjects: tuple[str, ...] = ()
    code: str | None = None  # regex whose group 1 is an emailed confirmation code
    bodies: tuple[str, ...] = ()  # texts one of which the confirmation's body holds

    def body_matches(self, body: str) -> bool:
        from optout_bot.labels import normalise

        clean = normalise(body, casefold=True)
        return not self.bodies or any(normalise(b, casefold=True) in clean for b in self.bodies)

    def sender_matches(self, address: str) -> bool:
        return any(domain_within(address.rpartition("@")[2], d) for d in self.domains)

    def subject_matches(self, subject: str) -> bool:
        clean = " ".join(subject.split())
        return not self.subjects or any(re.search(s, clean, re.IGNORECASE) for s in self.subjects)


@dataclass(frozen=True)
class FetchedMail:
    uid: str
    raw: bytes
    sender: str
    recipient: str
    subject: str
    date: datetime | None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def text(self) -> str:
        """The plain-text body (or the HTML one, tags removed) for finding a code."""
        message = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        part = message.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        return re.sub(r"<[^>]+>", " ", str(body))


@dataclass(frozen=True)
class DkimResult:
    """The outcome of checking a message's DKIM signature, with what it was checked against."""

    verified: bool
    reason: str
    domain: str | None = None
    selector: str | None = None
    public_key: str | None = None  # the TXT record the check used, as published

    def as_fact(self) -> dict[str, str | bool | None]:
        return {
            "verified": self.verified,
            "reason": self.reason,
            "domain": self.domain,
            "selector": self.selector,
            "public_key": self.public_key,
        }


@dataclass
class MailQuery:
    """Which messages count: from the platform, to this person, since the run began."""

    pattern: MailPattern
    since: datetime
    recipient: str | None = None
    seen_uids: set[str] = field(default_factory=set)


def domain_within(domain: str, parent: str) -> bool:
    domain, parent = domain.lower().rstrip("."), parent.lower().rstrip(".")
    return domain == parent or domain.endswith("." + parent)


def fetch_matching(settings: MailSettings, password: str, query: MailQuery) -> list[FetchedMail]:
    """Every message in the folder from the platform's domains since ``query.since`` (IMAP
    SINCE is by day, so the time is checked again on the Date header), oldest first."""
    client = connect(settings, password)
    try:
        status, _ = client.select(quoted(settings.folder), readonly=True)
        if status != "OK":
            raise MailError(f"the mailbox has no folder {settings.folder!r}")
        day = query.since.strftime("%d-%b-%Y")
        status, data = client.uid("SEARCH", "SINCE", day)
        if status != "OK":
            raise MailError("the IMAP server refused the search")
        found: list[FetchedMail] = []
        for uid in (data[0] or b"").decode().split():
            if uid in query.seen_uids:
                continue
            mail = _fetch_one(client, uid)
            if mail is not None and _wanted(mail, query):
                found.append(mail)
        return found
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailError(f"reading the mailbox failed: {without(str(error), password)}") from None
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()


def _fetch_one(client: imaplib.IMAP4, uid: str) -> FetchedMail | None:
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    raw = next((part[1] for part in data if isinstance(part, tuple)), None)
    if not isinstance(raw, bytes):
        return None
    return parse_message(uid, raw)


def parse_message(uid: str, raw: bytes) -> FetchedMail:
    """The headers a confirmation is recognised by, read from the raw message."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    if date is not None and date.tzinfo is None:  # "-0000": a time in UTC, zone unsaid
        date = date.replace(tzinfo=UTC)
    return FetchedMail(
        uid=uid,
        raw=raw,
        sender=parseaddr(str(message["From"] or ""))[1],
        recipient=parseaddr(str(message["To"] or ""))[1],
        subject=str(message["Subject"] or ""),
        date=date,
    )


def _wanted(mail: FetchedMail, query: MailQuery) -> bool:
    if not query.pattern.sender_matches(mail.sender):
        return False
    if not query.pattern.subject_matches(mail.subject):
        return False
    if query.recipient and mail.recipient.lower() != query.recipient.lower():
        return False
    if not query.pattern.body_matches(mail.text()):
        return False
    return mail.date is None or mail.date.timestamp() >= query.since.timestamp() - 60


def verify_dkim(
    raw: bytes, pattern: MailPattern, dns_lookup: DnsLookup | None = None
) -> DkimResult:
    """Check the message's DKIM signature, and that it was signed by the platform's domain:
    a valid signature from some other domain proves nothing about the platform."""
    import dkim

    used: dict[str, bytes] = {}

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        answer = (
            dns_lookup(name, timeout=timeout)
            if dns_lookup
            else dkim.dnsplug.get_txt(name, timeout=timeout)
        )
        if answer:
            used["record"] = answer
        return answer

    tags = _signature_tags(raw)
    if tags is None:
        return DkimResult(False, "the message has no DKIM signature")
    domain, selector = tags.get("d"), tags.get("s")
    if not domain or not any(domain_within(domain, d) for d in pattern.domains):
        return DkimResult(
            False,
            f"signed by {domain!r}, not by the platform ({', '.join(pattern.domains)})",
            domain,
            selector,
        )
    try:
        verified = bool(dkim.verify(raw, dnsfunc=lookup))
    except (dkim.DKIMException, OSError, ValueError) as error:
        return DkimResult(
            False, f"the signature could not be checked: {error}", domain, selector, _key(used)
        )
    if not verified:
        reason = (
            "the signature does not match: the message was altered or not signed by "
            f"{domain}'s published key"
        )
        return DkimResult(False, reason, domain, selector, _key(used))
    return DkimResult(
        True, f"signed by {domain} (selector {selector})", domain, selector, _key(used)
    )


def _signature_tags(raw: bytes) -> dict[str, str] | None:
    message = email.message_from_bytes(raw)
    header = message.get("DKIM-Signature")
    if header is None:
        return None
    tags: dict[str, str] = {}
    for part in str(header).split(";"):
        key, _, value = part.partition("=")
        if key.strip():
            tags[key.strip()] = "".join(value.split())
    return tags


def _key(used: dict[str, bytes]) -> str | None:
    record = used.get("record")
    return record.decode("ascii", "replace") if record else None


def find_code(mail: FetchedMail, pattern: MailPattern) -> str | None:
    if pattern.code is None:
        return None
    found = re.search(pattern.code, mail.text())
    return found.group(1) if found else None


def reachable(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


__all__ = [
    "DkimResult",
    "FetchedMail",
    "MailError",
    "MailPattern",
    "MailQuery",
    "MailSettings",
    "connect",
    "fetch_matching",
    "find_code",
    "quoted",
    "verify_dkim",
]
