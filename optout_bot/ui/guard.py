"""What keeps other pages, other machines and other local users out of the local page.

As notebook servers do: the first address holds a random key; it is traded for an HttpOnly,
SameSite=Strict cookie and the address is cleaned. Every request must name this server as its
``Host`` (a DNS-rebinding page names its own), every change must come from this origin and carry
the CSRF token, and every answer forbids framing, sniffing and any script or style not served
from here. No CORS header is ever sent, so no other origin can read an answer.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

CONTAINER_ENV = "OPTOUT_BOT_UI_IN_CONTAINER"
"""Set to 1 inside the container image: there the page listens on all of the container's
addresses (published only to 127.0.0.1 by ``-p``); everywhere else on loopback only."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "optout_ui"
CSRF_FIELD = "csrf"
CSRF_HEADER = b"x-csrf-token"
MAX_BODY = 1_000_000
SAFE_METHODS = frozenset({"GET", "HEAD"})
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""The page's Content-Security-Policy: nothing inline, nothing from elsewhere."""
DOCUMENT_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox"
)
"""For receipts and letters (they carry their own inline styles and strangers' words): no
script at all, sandboxed."""


@dataclass
class Keys:
    """The secrets of one server's life: the one-time key of the first address, the cookie,
    and the CSRF token. None of them is ever logged."""

    port: int
    first: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    session: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def hosts(self) -> frozenset[str]:
        return frozenset(f"{name}:{self.port}" for name in ("127.0.0.1", "localhost", "[::1]"))

    def origins(self) -> frozenset[str]:
        return frozenset(f"http://{host}" for host in self.hosts())

    def first_address(self) -> str:
        return f"http://127.0.0.1:{self.port}/?{urlencode({'token': self.first})}"


class Guard:
    """ASGI middleware in front of the whole app."""

    def __init__(self, app: App, keys: Keys) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        if headers.get("host") not in self.keys.hosts():
            return await _refuse(send, 400, "unknown host")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        token = query.get("token", [""])[0]
        if token and secrets.compare_digest(token, self.keys.first):
            return await self._trade_for_cookie(scope, send)
        if not secrets.compare_digest(_cookie(headers, COOKIE), self.keys.session):
            return await _refuse(send, 403, "no key")
        if scope["method"] in SAFE_METHODS:
            return await self.app(scope, receive, _with_policy(send))
        if headers.get("origin") not in self.keys.origins():
            return await _refuse(send, 403, "foreign origin")
        body = await _read_body(receive)
        if body is None:
            return await _refuse(send, 413, "too large")
        if not secrets.compare_digest(_csrf_of(headers, body), self.keys.csrf):
            return await _refuse(send, 403, "no csrf token")
        return await self.app(scope, _replay(body), _with_policy(send))

    async def _trade_for_cookie(self, scope: Scope, send: Send) -> None:
        cookie = f"{COOKIE}={self.keys.session}; HttpOnly; SameSite=Strict; Path=/"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", scope["path"].encode()),
                    (b"set-cookie", cookie.encode()),
                    *_policy_headers(PAGE_POLICY),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cookie(headers: dict[str, str], name: str) -> str:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


def _csrf_of(headers: dict[str, str], body: bytes) -> str:
    if CSRF_HEADER.decode() in headers:
        return headers[CSRF_HEADER.decode()]
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD, [""])[0]
    return ""


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _policy_headers(policy: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"cache-control", b"no-store"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
    ]


def _with_policy(send: Send) -> Send:
    """Adds the security headers to every answer; a document route sets its own CSP."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            names = {k.lower() for k, _ in message.get("headers", [])}
            extra = [
                (k, v)
                for k, v in _policy_headers(PAGE_POLICY)
                if k not in names and not (k == b"cache-control" and b"cache-control" in names)
            ]
            message["headers"] = [*message.get("headers", []), *extra]
        await send(message)

    return sending


async def _refuse(send: Send, status: int, why: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                *_policy_headers(PAGE_POLICY),
            ],
        }
    )
    await send({"type": "http.response.body", "body": f"refused: {why}\n".encode()})
