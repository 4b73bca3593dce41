"""Rewriting a Playwright trace so that it can be kept as evidence.

A trace holds, besides what a page showed: every action's parameters (the typed password and
one-time code), every request's headers and body (``Cookie``, ``Set-Cookie``, the submitted
form), the session's storage state, DOM snapshots with the value of every field, and a
screencast of the page. So, member by member:

- the screencast is dropped (pixels cannot be scrubbed; the evidence has masked screenshots of
  every step) and the typed values of ``fill``/``type`` actions are replaced;
- secret-bearing places are emptied whatever they hold: request bodies, cookie and
  authorization headers, cookie and web storage lists, field values in DOM snapshots, hidden
  and password inputs' values, secret-looking query parameters;
- everywhere else, every known secret (passwords, TOTP seed, one-time codes used, and every
  cookie value seen) is replaced in any spelling (``secret_spellings``), base64 included;
- last, each member is checked again; one that still holds a secret is left out.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import zipfile
from collections.abc import Iterable
from typing import Any

from optout_bot.browser.secret_spellings import matcher
from optout_bot.log import REDACTED
from optout_bot.scrub import scrub_url

SECRET_NAME = re.compile(
    r"cookie|authori[sz]ation|token|csrf|xsrf|session|secret|passw|"
    r"api[-_]?key|^auth",
    re.IGNORECASE,
)
TYPING_METHODS = frozenset({"fill", "type", "insertText", "pressSequentially", "setInputFiles"})
STORAGE_KEYS = frozenset({"cookies", "localStorage", "sessionStorage", "indexedDB"})
HIDDEN_INPUTS = frozenset({"password", "hidden"})
COOKIE_NEEDLE_LENGTH = 8  # a session token; a short value ("all") is removed by its place only
BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
EVENT_MEMBER = (".trace", ".network")


def scrub_trace(data: bytes, secrets: Iterable[str]) -> bytes:
    """A copy of the trace zip ``data`` holding none of ``secrets`` nor any cookie value."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    events = {
        name: _events(content) for name, content in members.items() if name.endswith(EVENT_MEMBER)
    }
    seen = [event for lines in events.values() for event in lines]
    cleaner = _Cleaner([*secrets, *cookie_values(seen)], seen)
    kept: dict[str, bytes] = {}
    for name, content in members.items():
        if name in events:
            kept[name] = cleaner.event_lines(events[name])
        elif _member_sha1(name) in cleaner.screencast:
            continue
        elif _member_sha1(name) in cleaner.bodies:
            kept[name] = REDACTED.encode("utf-8")
        else:
            kept[name] = cleaner.raw(content)
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, content in kept.items():
            if not cleaner.still_secret(name, content):
                out.writestr(name, content)
    return target.getvalue()


def cookie_values(events: Iterable[Any]) -> set[str]:
    """Every cookie value in the trace's headers, cookie lists and storage states."""
    found: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            name = value.get("name")
            if isinstance(name, str) and isinstance(value.get("value"), str):
                found.update(_from_header(name.lower(), value["value"]))
            for key, item in value.items():
                if key == "cookies" and isinstance(item, list):
                    found.update(
                        c["value"]
                        for c in item
                        if isinstance(c, dict) and isinstance(c.get("value"), str)
                    )
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    for event in events:
        visit(event)
    return {v for v in found if len(v) >= COOKIE_NEEDLE_LENGTH}


def _from_header(name: str, value: str) -> list[str]:
    if name == "cookie":
        return [pair.split("=", 1)[1].strip() for pair in value.split(";") if "=" in pair]
    if name == "set-cookie":
        return [
            line.split(";", 1)[0].split("=", 1)[1].strip()
            for line in value.splitlines()
            if "=" in line.split(";", 1)[0]
        ]
    return []


class _SecretText:
    """Every known secret found in any text, in any spelling (``secret_spellings``) or
    base64, and replaced; and the last check each member passes. Apart from :class:`_Cleaner`,
    which knows the places in a trace that hold secrets whatever they say."""

    def __init__(self, secrets: list[str]) -> None:
        self.pattern = matcher(secrets)

    def text(self, text: str) -> str:
        if text.startswith(("http://", "https://", "ws://", "wss://")):
            text = scrub_url(text)
        if self.pattern is None:
            return text
        text = self.pattern.sub(REDACTED, text)
        if BASE64.fullmatch(text) and self._hides_secret(text):
            return REDACTED
        return text

    def _hides_secret(self, text: str) -> bool:
        try:
            decoded = base64.b64decode(text.translate(str.maketrans("-_", "+/")) + "==")
        except (binascii.Error, ValueError):
            return False
        return self._found(_as_text(decoded))

    def raw(self, content: bytes) -> bytes:
        """A resource member (anything but the event lines) with every secret replaced."""
        if self.pattern is None:
            return content
        return self.pattern.sub(REDACTED, _as_text(content)).encode("utf-8", "surrogateescape")

    def still_secret(self, name: str, content: bytes) -> bool:
        """The last check: whether a member still holds a secret (then it is left out)."""
        if name.endswith(EVENT_MEMBER):
            return any(self._in_json(event) for event in _events(content))
        return self._found(_as_text(content))

    def _in_json(self, value: Any) -> bool:
        if isinstance(value, dict):
            return any(self._found(k) or self._in_json(v) for k, v in value.items())
        if isinstance(value, list):
            return any(self._in_json(v) for v in value)
        return isinstance(value, str) and self._found(value)

    def _found(self, text: str) -> bool:
        return self.pattern is not None and self.pattern.search(text) is not None


class _Cleaner(_SecretText):
    """What one trace needs removed, learnt from all its events first."""

    def __init__(self, secrets: list[str], events: list[Any]) -> None:
        super().__init__(secrets)
        self.typing = {
            e.get("callId")
            for e in events
            if isinstance(e, dict)
            and e.get("type") == "before"
            and e.get("method") in TYPING_METHODS
        }
        self.typed = [
            v
            for e in events
            if isinstance(e, dict) and e.get("callId") in self.typing and e.get("type") == "before"
            for v in (e.get("params") or {}).values()
            if isinstance(v, str) and v
        ]
        self.screencast = {
            e.get("sha1")
            for e in events
            if isinstance(e, dict) and e.get("type") == "screencast-frame"
        }
        self.bodies: set[str] = set()
        self._find_bodies(events)

    def _find_bodies(self, value: Any) -> None:
        """Resources that hold a request body: replaced entirely, whatever they hold."""
        if isinstance(value, dict):
            body = value.get("postData")
            if isinstance(body, dict):
                self.bodies.update(
                    _member_sha1(str(body[k])) for k in ("_file", "_sha1") if body.get(k)
                )
            for item in value.values():
                self._find_bodies(item)
        elif isinstance(value, list):
            for item in value:
                self._find_bodies(item)

    # --- the event members (.trace, .network: one JSON object a line) --------------------

    def event_lines(self, events: list[Any]) -> bytes:
        lines = []
        for event in events:
            if isinstance(event, dict) and event.get("type") == "screencast-frame":
                continue
            if isinstance(event, dict) and event.get("callId") in self.typing:
                event = self._untyped(event)
            lines.append(json.dumps(self.clean(event), ensure_ascii=False, separators=(",", ":")))
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""

    def _untyped(self, event: dict[str, Any]) -> dict[str, Any]:
        """A typing action without what was typed, in its parameters and its log lines."""
        event = dict(event)
        if isinstance(event.get("params"), dict):
            event["params"] = {
                k: (REDACTED if k in ("value", "text", "payloads", "localPaths") and v else v)
                for k, v in event["params"].items()
            }
        if isinstance(event.get("message"), str):
            message = event["message"]
            for typed in self.typed:
                for form in (typed, json.dumps(typed)[1:-1]):
                    message = message.replace(form, REDACTED)
            event["message"] = message
        return event

    def clean(self, value: Any, key: str = "") -> Any:
        """``value`` with the secret-bearing places emptied and every secret replaced."""
        if isinstance(value, dict):
            return self._clean_object(value)
        if isinstance(value, list):
            if key in STORAGE_KEYS:
                return [self._emptied(item) for item in value]
            return [self.clean(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def _clean_object(self, value: dict[str, Any]) -> dict[str, Any]:
        name = value.get("name")
        if isinstance(name, str) and "value" in value and SECRET_NAME.search(name):
            value = self._emptied(value)  # a header, form field or cookie with a secret name
        kind = value.get("type")
        if isinstance(kind, str) and kind.lower() in HIDDEN_INPUTS and "value" in value:
            value = {**value, "value": REDACTED}  # a snapshot's password or hidden input
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            if key == "__playwright_value_" or (key == "postData" and item):
                cleaned[key] = self._body(item)
            else:
                cleaned[self.text(key)] = self.clean(item, key)
        return cleaned

    def _body(self, body: Any) -> Any:
        """A request body (or a field's value): only its shape is kept."""
        if isinstance(body, dict):
            kept = {k: body[k] for k in ("mimeType", "_sha1", "_file") if k in body}
            if body.get("params"):
                kept["params"] = [
                    {"name": self.text(str(p.get("name", ""))), "value": REDACTED}
                    for p in body["params"]
                    if isinstance(p, dict)
                ]
            return {**kept, "text": REDACTED} if body.get("text") else kept
        return REDACTED if body else body

    @staticmethod
    def _emptied(item: Any) -> Any:
        if isinstance(item, dict) and item.get("value"):
            return {**item, "value": REDACTED}
        return item


def _events(content: bytes) -> list[Any]:
    return [
        json.loads(line) for line in content.decode("utf-8", "replace").splitlines() if line.strip()
    ]


def _as_text(content: bytes) -> str:
    """Any bytes as text that maps back to the same bytes (UTF-8, undecodable bytes kept)."""
    return content.decode("utf-8", "surrogateescape")


def _member_sha1(name: str) -> str:
    return name.rsplit("/", 1)[-1]
