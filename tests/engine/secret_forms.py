"""Every spelling a secret can take in what a browser and Playwright record, written here
independently of the product's scrubber so the tests do not check it against itself.

As typed; URL-encoded by Python (``quote``, ``quote_plus``) and by the browser's form encoding
(``application/x-www-form-urlencoded``: ``~`` is encoded, ``*`` is not), each with upper- and
lower-case hex; JSON-escaped (ASCII-only or not, ``/`` escaped or not, nested once more);
HTML-escaped (named, decimal and hex references); and base64 (standard and URL-safe) of any
text holding one of those, at each of the three byte offsets a base64 encoder can meet it at.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

# What the WHATWG URL standard's urlencoded serializer leaves as it is.
FORM_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-._")


def form_encoded(secret: str) -> str:
    """How Chromium encodes ``secret`` in a submitted form."""
    return "".join(
        "+" if byte == 0x20 else chr(byte) if byte in FORM_SAFE else f"%{byte:02X}"
        for byte in secret.encode("utf-8")
    )


def _hex_cases(text: str) -> set[str]:
    return {text, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)}


def _html_forms(secret: str) -> set[str]:
    forms = {html.escape(secret), html.escape(secret, quote=False)}
    forms.add("".join(f"&#{ord(c)};" if not c.isalnum() else c for c in secret))
    forms.add("".join(f"&#x{ord(c):x};" if not c.isalnum() else c for c in secret))
    forms.add(html.escape(secret).replace("&#x27;", "&#39;"))
    return forms


def _json_forms(secret: str) -> set[str]:
    once = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    once |= {f.replace("/", "\\/") for f in once}
    return once | {json.dumps(f)[1:-1] for f in once}


def text_forms(secret: str) -> set[str]:
    """The textual spellings of ``secret``."""
    forms = {secret} | _json_forms(secret) | _html_forms(secret)
    for encoded in (
        quote(secret),
        quote(secret, safe=""),
        quote_plus(secret),
        form_encoded(secret),
    ):
        forms |= _hex_cases(encoded)
    return {f for f in forms if f}


def base64_fragments(text: str) -> set[str]:
    """The part of base64 that ``text`` alone determines, wherever in a body it starts."""
    data = text.encode("utf-8")
    fragments = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data).decode("ascii")
        first = -(-offset * 8 // 6)  # the first character made of ``text``'s bits only
        last = (offset + len(data)) * 8 // 6  # one past the last such character
        fragment = encoded[first:last]
        if len(fragment) >= 4:
            fragments |= {fragment, fragment.replace("+", "-").replace("/", "_")}
    return fragments


def every_form(secret: str) -> set[bytes]:
    """Every spelling of ``secret``, as bytes, base64 of its spellings included."""
    forms = text_forms(secret)
    encoded = {f.encode("utf-8") for f in forms}
    for form in (secret, form_encoded(secret), quote(secret, safe=""), json.dumps(secret)[1:-1]):
        encoded |= {f.encode("ascii") for f in base64_fragments(form)}
    return encoded


def found_in(data: bytes, secret: str) -> list[str]:
    """The spellings of ``secret`` that ``data`` holds. An all-digit secret (a one-time code)
    counts only where it is not part of a longer number: a timestamp may hold any six digits."""
    found = []
    for form in every_form(secret):
        if form.isdigit():
            if re.search(rb"(?<![0-9.])" + re.escape(form) + rb"(?![0-9]|\.[0-9])", data):
                found.append(form.decode("ascii"))
        elif form in data:
            found.append(form.decode("utf-8", "replace"))
    return found


def leaks_in_files(root: Path, secrets: Iterable[str]) -> list[tuple[str, str, str]]:
    """(file, secret, spelling) for every spelling of every secret in any file under root."""
    wanted = [s for s in secrets if s]
    leaks = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        leaks += [(str(path), secret, form) for secret in wanted for form in found_in(data, secret)]
    return leaks
