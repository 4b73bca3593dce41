"""Finding a secret in whatever spelling a browser or Playwright recorded it.

A password reaches a trace as typed, form-encoded by the browser (``~`` becomes ``%7E``, ``*``
stays), URL-encoded by a script (either hex case, ``+`` or ``%20`` for a space, sometimes twice),
JSON- or JS-escaped (``\\"``, ``\\u00e9``, escaped again inside a log line), HTML-escaped
(``&amp;``, ``&#38;``, ``&#x26;``), or inside base64. Listing spellings misses the mixtures
(a page's own encoder, an escape inside a percent-encoding), so each character of the secret
becomes a choice of all its spellings and the secret one regular expression; base64 is found
by the stretch of it that the secret alone determines, at each of its three alignments.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MIN_LENGTH = 4
"""Shorter values cannot be replaced wherever they occur (a cookie ``all``); the trace
scrubber removes those by their place (header, cookie, form field) instead."""
BACKSLASHES = r"\\{0,7}"  # escaped once, twice, three times
HTML_NAMES = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos", "\xa0": "nbsp"}
FORM_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-._")


def _hex(value: int, width: int) -> str:
    """``value`` in hex, either case per digit."""
    return "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d for d in f"{value:0{width}x}")


def _character(char: str) -> str:
    code = ord(char)
    choices = [
        BACKSLASHES + re.escape(char),
        "".join(f"%(?:25)?{_hex(byte, 2)}" for byte in char.encode("utf-8")),
        f"&#0*{code};?",
        f"&#[xX]0*{_hex(code, 1)};?",
    ]
    if char == " ":
        choices.append(r"\+")
    if code < 0x10000:
        choices.append(BACKSLASHES + "u" + _hex(code, 4))
    else:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        choices.append(BACKSLASHES + "u" + _hex(high, 4) + BACKSLASHES + "u" + _hex(low, 4))
    if code < 0x100:
        choices.append(BACKSLASHES + "x" + _hex(code, 2))
    if char in HTML_NAMES:
        choices.append(f"&{HTML_NAMES[char]};")
    return "(?:" + "|".join(choices) + ")"


def form_encoded(secret: str) -> str:
    """``secret`` as a browser encodes a submitted form field."""
    return "".join(
        "+" if byte == 0x20 else chr(byte) if byte in FORM_SAFE else f"%{byte:02X}"
        for byte in secret.encode("utf-8")
    )


def base64_stretches(text: str) -> set[str]:
    """The base64 characters that ``text`` alone determines, for each byte alignment it can
    have inside a longer base64 text (standard and URL-safe alphabets)."""
    data = text.encode("utf-8")
    stretches = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data).decode("ascii")
        stretch = encoded[-(-offset * 8 // 6) : (offset + len(data)) * 8 // 6]
        if len(stretch) >= MIN_LENGTH:
            stretches |= {stretch, stretch.translate(str.maketrans("+/", "-_"))}
    return stretches


def pattern(secret: str) -> str:
    """A regular expression matching ``secret`` in any spelling (an all-digit one, a one-time
    code, only where no other digit touches it: it is not a secret inside a timestamp)."""
    spelled = "".join(_character(char) for char in secret)
    if secret.isdigit():
        spelled = rf"(?<![0-9]){spelled}(?![0-9])"
    encodings = {
        secret,
        form_encoded(secret),
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
    }
    stretches = {s for e in encodings for s in base64_stretches(e)}
    return "|".join([spelled, *(re.escape(s) for s in sorted(stretches, key=len, reverse=True))])


def matcher(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """One expression for every secret long enough to look for; None when there is none."""
    wanted = sorted({s for s in secrets if len(s) >= MIN_LENGTH}, key=len, reverse=True)
    if not wanted:
        return None
    return re.compile("|".join(f"(?:{pattern(s)})" for s in wanted))
