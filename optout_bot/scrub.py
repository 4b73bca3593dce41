"""Secrets out of addresses and recorded text.

A page that sends its login form by GET puts the password in the address; a browser grid's
endpoint carries its access key as ``user:key@`` or ``?token=``. Every address that is shown or
recorded (manifest, receipt, ledger, replica log, messages) goes through here first.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"
SECRET_PARAM = re.compile(
    r"pass|pwd|secret|token|key|auth|sig|otp|code|session|cookie|"
    r"credential",
    re.IGNORECASE,
)
URL_IN_TEXT = re.compile(r"\b(?:https?|wss?)://[^\s\"'<>]+", re.IGNORECASE)
MASK = "***"


FORM_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-._")
KEY_SEGMENT = re.compile(r"(?=[^/]*\d)[A-Za-z0-9._~=-]{12,}|[A-Za-z0-9._~=-]{24,}")
"""A path segment of a browser endpoint that may be its access key (long, with a digit)."""


def spellings(secret: str) -> list[str]:
    """The ways ``secret`` can appear in recorded text, longest first: as typed, URL-encoded
    (both styles, and as a browser encodes a form: ``~`` as ``%7E``) and JSON-escaped."""
    return list(_spellings(secret))


@functools.lru_cache(maxsize=1024)
def _spellings(secret: str) -> tuple[str, ...]:
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        form_encoded(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


@functools.lru_cache(maxsize=64)
def _replaced_in_order(secrets: frozenset[str]) -> tuple[str, ...]:
    """Every spelling of every secret in the order they are replaced: the longest secret
    first, each one's spellings longest first. Worked out once per set of secrets: a manifest
    is scrubbed after every step, string by string, and a log line value by value."""
    return tuple(
        form
        for secret in sorted(secrets, key=lambda secret: (-len(secret), secret))
        for form in _spellings(secret)
    )


def form_encoded(secret: str) -> str:
    """``secret`` as a browser encodes a submitted form field (GET puts it in the address)."""
    return "".join(
        "+" if byte == 0x20 else chr(byte) if byte in FORM_SAFE else f"%{byte:02X}"
        for byte in secret.encode("utf-8", "surrogatepass")
    )


def scrub_url(url: str, secrets: Iterable[str] = ()) -> str:
    """``url`` with its user:password, secret-looking query values and any known secret
    replaced; an address that does not parse is returned with the secrets replaced."""
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        netloc = parts.netloc
    except ValueError:
        return scrub_text_secrets(url, secrets)
    known = {s for s in secrets if s}
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    if query:
        cleaned = [
            (k, REDACTED if (SECRET_PARAM.search(k) and v) or v in known else v) for k, v in query
        ]
        rebuilt = urlencode(cleaned, safe="[]")
        if cleaned != query:
            url = urlunsplit((parts.scheme, netloc, parts.path, rebuilt, parts.fragment))
        else:
            url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    else:
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return scrub_text_secrets(url, known)


def scrub_text_secrets(text: str, secrets: Iterable[str]) -> str:
    for form in _replaced_in_order(frozenset(s for s in secrets if s)):
        text = text.replace(form, REDACTED)
    return text


def scrub_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Every address inside ``text`` scrubbed, then every known secret in any spelling."""
    known = [s for s in secrets if s]
    text = URL_IN_TEXT.sub(lambda m: scrub_url(m.group(0), known), text)
    return scrub_text_secrets(text, known)


def scrub_data(value: object, secrets: Iterable[str] = ()) -> object:
    """:func:`scrub_text` applied to every string in a JSON-like structure (keys kept)."""
    known = [s for s in secrets if s]
    if isinstance(value, str):
        return scrub_text(value, known)
    if isinstance(value, dict):
        return {k: scrub_data(v, known) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_data(v, known) for v in value]
    return value


def mask_endpoint(endpoint: str) -> str:
    """A browser endpoint as it may be shown: user:key@ and every query value masked."""
    try:
        parts = urlsplit(endpoint)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    masked = "&".join(f"{k}={MASK}" for k, _ in query)
    path = "/".join(MASK if KEY_SEGMENT.fullmatch(s) else s for s in parts.path.split("/"))
    return urlunsplit((parts.scheme, netloc, path, masked, ""))


def endpoint_secrets(endpoint: str | None) -> list[str]:
    """The parts of a browser endpoint that may be an access key: user, password, query
    values, fragment and long path segments with a digit (short values are left out: they
    would blank out every log line)."""
    if not endpoint:
        return []
    try:
        parts = urlsplit(endpoint)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return [endpoint]
    found = [parts.username or "", parts.password or "", parts.fragment, *(v for _, v in query)]
    found += [s for s in parts.path.split("/") if KEY_SEGMENT.fullmatch(s)]
    if "@" in parts.netloc:
        found.append(parts.netloc.rsplit("@", 1)[0])
    return [s for s in found if len(s) >= 4]
