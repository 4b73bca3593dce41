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
from typing import Any

from optout_bot.imap import MailError, MailSettings, connect, quoted, server_said
from optout_bot.shown import printable

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
        """The plain-text body (or the HTML one, tags removed) for finding a code. A charset
        Python does not know, or MIME that does not parse, gives the bytes read as UTF-8
        with replacements instead of an error: the message is a stranger's."""
        raw = self.raw[:MAX_MESSAGE_BYTES]
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        try:
            part = message.get_body(preferencelist=("plain", "html"))
            body = part.get_content() if part is not None else ""
        except Exception:  # email's parsers raise many kinds on broken input
            payload = _payload(message)
            body = payload.decode("utf-8", "replace")
        return re.sub(r"<[^>]+>", " ", str(body)[:MAX_TEXT_CHARS])


def _payload(message: EmailMessage) -> bytes:
    for part in message.walk():
        if part.is_multipart():
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception:
            continue
        if isinstance(data, bytes):
            return data
    return b""


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
    """Which messages count: from the platform, to this person, since the run began.
    ``skipped`` collects a note for each message that could not be read."""

    pattern: MailPattern
    since: datetime
    recipient: str | None = None
    seen_uids: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)


MAX_MESSAGE_BYTES = 32 << 20  # a confirmation is a few kB; far larger is not one
MAX_MESSAGES = 500  # the newest looked at in one pass
MAX_TEXT_CHARS = 1 << 20


def domain_within(domain: str, parent: str) -> bool:
    domain, parent = domain.lower().rstrip("."), parent.lower().rstrip(".")
    return domain == parent or domain.endswith("." + parent)


def fetch_matching(settings: MailSettings, password: str, query: MailQuery) -> list[FetchedMail]:
    """Every message in the folder from the platform's domains since ``query.since`` (IMAP
    SINCE is by day, so the time is checked again on the Date header), oldest first. A
    message that cannot be read (too large, broken MIME, an unknown charset) is skipped and
    noted in ``query.skipped``: one stranger's message never stops the reading."""
    client = connect(settings, password)
    try:
        status, _ = client.select(quoted(settings.folder), readonly=True)
        if status != "OK":
            raise MailError(f"the mailbox has no folder {printable(settings.folder)!r}")
        day = query.since.strftime("%d-%b-%Y")
        status, data = client.uid("SEARCH", "SINCE", day)
        if status != "OK":
            raise MailError("the IMAP server refused the search")
        answer = data[0] if data and isinstance(data[0], bytes) else b""
        uids = [u for u in answer.decode("ascii", "replace").split() if u.isdigit()]
        fresh = [uid for uid in uids if uid not in query.seen_uids]
        if len(fresh) > MAX_MESSAGES:
            query.skipped.append(f"{len(fresh) - MAX_MESSAGES} older messages not looked at")
            fresh = fresh[-MAX_MESSAGES:]
        found: list[FetchedMail] = []
        for uid in fresh:
            mail = _fetch_one(client, uid, query)
            if mail is not None and _wanted_or_noted(mail, query):
                found.append(mail)
        return found
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailError(
            f"reading the mailbox failed: {server_said(error, settings.user, password)}"
        ) from None
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()


def _fetch_one(client: imaplib.IMAP4, uid: str, query: MailQuery) -> FetchedMail | None:
    status, data = client.uid("FETCH", uid, "(RFC822.SIZE)")
    size = re.search(rb"RFC822\.SIZE (\d+)", _first_bytes(data)) if status == "OK" else None
    if size is not None and int(size.group(1)) > MAX_MESSAGE_BYTES:
        query.skipped.append(f"message {uid}: too large ({int(size.group(1))} bytes), skipped")
        return None
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    raw = next((part[1] for part in data if isinstance(part, tuple)), None)
    if not isinstance(raw, bytes):
        return None
    try:
        return parse_message(uid, raw)
    except Exception as error:  # the email package raises many kinds on broken input
        query.skipped.append(f"message {uid}: unreadable ({type(error).__name__}), skipped")
        return None


def _first_bytes(data: list[Any]) -> bytes:
    first = data[0] if data else b""
    if isinstance(first, tuple):
        first = first[0]
    return first if isinstance(first, bytes) else b""


def parse_message(uid: str, raw: bytes) -> FetchedMail:
    """The headers a confirmation is recognised by, read from the raw message."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError, IndexError):
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


def _wanted_or_noted(mail: FetchedMail, query: MailQuery) -> bool:
    try:
        return _wanted(mail, query)
    except Exception as error:  # a body no parser reads: skipped, never the run's end
        query.skipped.append(f"message {mail.uid}: unreadable ({type(error).__name__}), skipped")
        return False


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

    try:
        tags = _signature_tags(raw)
    except Exception:  # headers no parser reads
        return DkimResult(False, "the message's DKIM signature header cannot be read")
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
    except Exception as error:  # a forged or broken message may trip any part of dkimpy
        return DkimResult(
            False,
            f"the signature could not be checked: {type(error).__name__}: "
            f"{printable(str(error)[:200])}",
            domain,
            selector,
            _key(used),
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
