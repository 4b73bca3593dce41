"""Replicas: small stateful web apps that stand in for a platform, mounted under its real origins.

A flow runs the same code live and against a replica because the replica answers the browser's
requests for ``https://<platform>/...`` itself (``BrowserContext.route``). Platform
knowledge lives in ``fixtures/<platform>/``; this module only gives them the machinery: request
parsing, routing, Jinja2 templates, the platform's strings (from its flow's label files, so a
string exists once), cookies, a mailbox and a log of every state-changing request (what "the
platform" received).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qsl, urlsplit

import jinja2
from playwright.sync_api import BrowserContext, Route

from optout_bot.imap import MailSettings
from optout_bot.labels import LabelBook
from optout_bot.layout import platform_package
from optout_bot.log import redactor
from optout_bot.replica import books
from optout_bot.replica import mail as replica_mail
from optout_bot.replica.drift import COSMETIC, Drift, apply_real_change, cosmetic_churn, moved_path
from optout_bot.replica.faults import FaultPlan
from optout_bot.replica.latency import Latency
from optout_bot.scrub import scrub_text, scrub_url

SECRET_FIELD = re.compile(r"pass|secret|token|otp|code|pin", re.IGNORECASE)


@dataclass(frozen=True)
class ReplicaRequest:
    """One request as the replica sees it: parsed, with cookies and urlencoded form fields."""

    method: str
    url: str
    origin: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    cookies: dict[str, str]
    headers: dict[str, str]

    @property
    def accept_language(self) -> str:
        return self.headers.get("accept-language", "")


@dataclass
class ReplicaResponse:
    """What the replica answers; ``set_cookies`` become ``Set-Cookie`` headers."""

    status: int = 200
    body: str = ""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    set_cookies: dict[str, str | None] = field(default_factory=dict)
    cookie_domain: str | None = None
    """``Domain`` of the cookies set, e.g. ``.example.com`` so that a session made on
    ``www.`` is also sent to ``help.``; None = host-only."""

    @classmethod
    def redirect(cls, location: str, **set_cookies: str | None) -> ReplicaResponse:
        return cls(status=302, headers={"location": location}, set_cookies=dict(set_cookies))

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> ReplicaResponse:
        return cls(status=status, body=json.dumps(payload), content_type="application/json")


@dataclass(frozen=True)
class Mail:
    """A message the platform sent (confirmation, emailed code); tests and the demo read it."""

    to: str
    subject: str
    body: str
    sent_at: str
    sender: str = ""
    raw: bytes = b""  # as delivered: DKIM-signed with the replica's key


Handler = Callable[[Any, ReplicaRequest], ReplicaResponse]
H = TypeVar("H", bound=Handler)


def route(method: str, pattern: str) -> Callable[[H], H]:
    """Mark a replica method as the handler of ``method`` on paths matching regex ``pattern``."""

    def mark(handler: H) -> H:
        routes: list[tuple[str, str]] = getattr(handler, "_replica_routes", [])
        routes.append((method.upper(), pattern))
        handler._replica_routes = routes  # type: ignore[attr-defined]
        return handler

    return mark


def same_secret(typed: str, expected: str) -> bool:
    """Constant-time comparison of a typed secret, whatever its characters
    (``secrets.compare_digest`` refuses ``str`` holding non-ASCII: a password like ``pässwort``
    could never log in to a replica)."""
    return secrets.compare_digest(typed.encode("utf-8"), expected.encode("utf-8"))


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def redact_form(form: dict[str, str]) -> dict[str, str]:
    """A form as it may be logged: password-like and code fields replaced, and any value that
    is a known secret (a one-time code typed into a field of any name), so no log holds one."""
    secrets = redactor.secrets()
    return {
        k: ("***" if SECRET_FIELD.search(k) else scrub_text(v, secrets)) for k, v in form.items()
    }


class Replica:
    """Base of every platform replica.

    Subclasses set ``PLATFORM`` and ``ORIGINS``, decorate handler methods with :func:`route`,
    keep their state in attributes, and implement :meth:`seed_account` so the engine can create
    the accounts it was configured with. ``version`` and ``locale`` select page variants.
    """

    PLATFORM: ClassVar[str]
    ORIGINS: ClassVar[tuple[str, ...]]
    VERSIONS: ClassVar[tuple[str, ...]] = ("default",)
    DRIFTS: ClassVar[dict[str, Drift]] = {}
    MAIL_DOMAIN: ClassVar[str] = replica_mail.FALLBACK_DOMAIN
    STABLE_IDS: ClassVar[frozenset[str]] = frozenset()
    """Element ids the real platform keeps across releases (each with its source where the
    replica declares it); cosmetic churn renames every other id, as generated ones change."""
    """Where the platform's mail comes from, as the replica sends it (DKIM-signed for it)."""
    faults: FaultPlan | None = None
    latency: Latency | None = None
    drift: str | None = None

    def __init__(self, *, version: str | None = None, locale: str = "en") -> None:
        self.version = version or self.VERSIONS[-1]
        if self.version not in self.VERSIONS:
            raise ValueError(f"{self.PLATFORM} replica has no version {self.version!r}")
        self.locale = locale
        self.log: list[dict[str, Any]] = []
        self.mailbox: list[Mail] = []
        self.mail_drop: tuple[MailSettings, str] | None = None  # a test's IMAP mailbox
        self.labels = self.label_book()
        self._texts: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self._routes = collect_routes(type(self))
        self._templates = _templates(tuple(template_dirs(type(self))))

    # --- for subclasses -------------------------------------------------------------------

    def seed_account(
        self,
        *,
        login: str,
        password: str,
        email: str,
        locale: str = "en",
        country: str | None = None,
        **attributes: Any,
    ) -> None:
        """Create an account the flow can log in to (used by the demo, tests and ``--replica``)."""
        raise NotImplementedError

    @classmethod
    def label_book(cls) -> LabelBook:
        """The platform's strings: the book the planner lent (its flow's label files and their
        overlays, read now); the kit never looks the flow up itself."""
        return books.label_book(cls.PLATFORM)

    @classmethod
    def locales(cls) -> tuple[str, ...]:
        """The languages the replica can show: those its label files have."""
        return cls.label_book().locales()

    def text(self, locale: str) -> dict[str, str]:
        """Key → wording in ``locale`` (English where it has none); a test may reword one."""
        if locale not in self._texts:
            self._texts[locale] = self.labels.texts(locale)
        return self._texts[locale]

    def message(self, locale: str, key: str) -> str:
        """``key``'s wording, then the advice ``page.<key>_more`` that follows it, if any."""
        text = self.text(locale)
        more = text.get(f"{key}_more" if key.startswith("page.") else f"page.{key}_more")
        return f"{text[key]} {more}" if more else text[key]

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        """Render a page; templates also see ``version``, ``locale`` and strings ``t``."""
        context.setdefault("version", self.version)
        context.setdefault("locale", self.locale)
        context.setdefault("t", _nested(self.text(context["locale"])))
        body = self._templates.get_template(template).render(**context)
        return ReplicaResponse(body=body)

    def record(self, event: str, request: ReplicaRequest | None = None, **data: Any) -> None:
        """Log a state change the platform made; password-like form fields are never kept."""
        entry: dict[str, Any] = {"time": now_utc(), "platform": self.PLATFORM, "event": event}
        if request is not None:
            entry.update(
                method=request.method,
                url=scrub_url(request.url, redactor.secrets()),
                form=redact_form(request.form),
            )
        entry.update(data)
        if "url" in data and isinstance(data["url"], str):
            entry["url"] = scrub_url(data["url"], redactor.secrets())
        with self._lock:
            self.log.append(entry)

    def send_mail(self, to: str, subject: str, body: str) -> None:
        replica_mail.send_as_platform(self, to, subject, body)

    def dkim_dns(self) -> Callable[..., bytes | None]:
        """DNS as the replica's world answers it: the platform's domain publishes its key."""
        return replica_mail.platform_key(self.PLATFORM).dns()

    def events(self, event: str) -> list[dict[str, Any]]:
        """The log entries of one kind, e.g. ``replica.events("objection_received")``."""
        return [e for e in self.log if e["event"] == event]

    def not_found(self, request: ReplicaRequest) -> ReplicaResponse:
        return ReplicaResponse(status=404, body="<h1>Page not found</h1>")

    # --- machinery --------------------------------------------------------------------------

    @classmethod
    def drifts(cls) -> tuple[str, ...]:
        """The drift variants this replica can serve: cosmetic churn plus its real changes."""
        return (COSMETIC, *cls.DRIFTS)

    def set_drift(self, name: str | None) -> None:
        if name is not None and name not in self.drifts():
            raise ValueError(
                f"{self.PLATFORM} replica has no drift {name!r} (has: {', '.join(self.drifts())})"
            )
        self.drift = name

    def handle(self, request: ReplicaRequest) -> ReplicaResponse:
        """Dispatch a request, through the drift variant when one is set."""
        change = self.DRIFTS.get(self.drift or "")
        path, gone = moved_path(change, request.path)
        if gone:
            return self.not_found(request)
        if path != request.path:
            request = dataclasses.replace(request, path=path)
        response = self._dispatch(request)
        if self.drift and response.content_type.startswith("text/html"):
            body = (
                apply_real_change(response.body, change, path)
                if change is not None
                else cosmetic_churn(response.body, keep=self.STABLE_IDS)
            )
            response = dataclasses.replace(response, body=body)
        if change is not None and change.move and 300 <= response.status < 400:
            location = response.headers.get("location", "")
            for old, new in change.move.items():
                location = location.replace(old.rstrip("/"), new.rstrip("/"))
            response.headers["location"] = location
        return response

    def _dispatch(self, request: ReplicaRequest) -> ReplicaResponse:
        for method, pattern, handler in self._routes:
            if method == request.method and pattern.match(request.path):
                return handler(self, request)
        return self.not_found(request)


def template_dirs(cls: type[Replica]) -> list[Path]:
    """``templates/`` beside the module of this class and of each replica class it extends,
    nearest first, so a platform can override a shared page (e.g. the Meta form)."""
    dirs: list[Path] = []
    for klass in cls.__mro__:
        if not (isinstance(klass, type) and issubclass(klass, Replica)) or klass is Replica:
            continue
        module_file = importlib.import_module(klass.__module__).__file__
        candidate = Path(module_file or ".").parent / "templates"
        if candidate.is_dir() and candidate not in dirs:
            dirs.append(candidate)
    return dirs


@functools.cache
def _templates(dirs: tuple[Path, ...]) -> jinja2.Environment:
    """One template environment per set of folders, shared by every replica instance (a
    template is compiled once per process, not once per account)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(dirs), autoescape=True, undefined=jinja2.StrictUndefined
    )


def collect_routes(cls: type[Replica]) -> list[tuple[str, re.Pattern[str], Handler]]:
    """Routes of ``cls`` and the replicas it extends, nearest class first (so a platform can
    take over a shared route), each calling the most-derived method of its name (so overriding
    a handler without repeating its ``@route`` still serves the route)."""
    found: list[tuple[str, re.Pattern[str], Handler]] = []
    seen: set[tuple[str, str]] = set()
    for klass in cls.__mro__:
        for name, attr in vars(klass).items():
            for method, pattern in getattr(attr, "_replica_routes", []):
                if (method, pattern) in seen:
                    continue
                seen.add((method, pattern))
                found.append((method, re.compile(f"(?:{pattern})\\Z"), getattr(cls, name)))
    return found


def _nested(texts: dict[str, str]) -> dict[str, Any]:
    """``{"page.intro": …}`` as ``{"page": {"intro": …}}``, as templates read it."""
    nested: dict[str, Any] = {}
    for key, text in texts.items():
        *spaces, name = key.split(".")
        node = nested
        for space in spaces:
            node = node.setdefault(space, {})
        node[name] = text
    return nested


def parse_request(
    method: str, url: str, headers: dict[str, str], body: str | None
) -> ReplicaRequest:
    parts = urlsplit(url)
    cookie = SimpleCookie()
    if headers.get("cookie"):
        cookie.load(headers["cookie"])
    form: dict[str, str] = {}
    if body and "application/x-www-form-urlencoded" in headers.get("content-type", ""):
        form = dict(parse_qsl(body, keep_blank_values=True))
    return ReplicaRequest(
        method=method.upper(),
        url=url,
        origin=f"{parts.scheme}://{parts.netloc}",
        path=parts.path or "/",
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        form=form,
        cookies={k: m.value for k, m in cookie.items()},
        headers=headers,
    )


def _cookie_header(name: str, value: str | None, domain: str | None = None) -> str:
    scope = f"Path=/; Domain={domain}" if domain else "Path=/"
    if value is None:
        return f"{name}=; {scope}; Secure; HttpOnly; Max-Age=0"
    return f"{name}={value}; {scope}; Secure; HttpOnly; SameSite=Lax"


def mount(context: BrowserContext, replicas: Iterable[Replica]) -> None:
    """Serve each replica under its real origins in ``context``; every other request is refused.

    Refusing the rest keeps a replica run hermetic: nothing leaves the machine, and a flow that
    strays to an address no replica serves fails loudly instead of reaching the real site.
    """
    replicas = list(replicas)

    def refuse(route: Route) -> None:
        route.abort("blockedbyclient")

    context.route("**/*", refuse)
    for replica in replicas:
        for origin in replica.ORIGINS:
            context.route(f"{origin}/**", _handler_for(replica))


SERVER_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>Error</title></head><body>"
    "<h1>Sorry, something went wrong.</h1></body></html>"
)


def _handler_for(replica: Replica) -> Callable[[Route], None]:
    def serve(route: Route) -> None:
        request = route.request
        headers = request.all_headers()
        parsed = parse_request(request.method, request.url, headers, request.post_data)
        if replica.latency is not None:  # the network's share of the answer's time
            replica.latency.wait(route, parsed.origin, parsed.path)
        fault = (
            replica.faults.draw(parsed.method, parsed.path, parsed.origin)
            if replica.faults
            else None
        )
        if fault is not None:
            replica.record("fault_injected", kind=fault, method=parsed.method, url=parsed.url)
        if fault == "server_error":
            route.fulfill(status=503, content_type="text/html", body=SERVER_ERROR_PAGE)
            return
        if fault in ("timeout", "cut"):
            route.abort("timedout" if fault == "timeout" else "connectionreset")
            return
        handled = replica.handle(parsed)
        if fault == "lost_answer":
            route.abort("connectionreset")
            return
        response = _browser_safe(handled)
        out_headers = {"content-type": response.content_type, **response.headers}
        cookies = [
            _cookie_header(k, v, response.cookie_domain) for k, v in response.set_cookies.items()
        ]
        if cookies:
            out_headers["set-cookie"] = "\n".join(cookies)
        route.fulfill(status=response.status, headers=out_headers, body=response.body)

    return serve


def _browser_safe(response: ReplicaResponse) -> ReplicaResponse:
    """A redirect as a page that navigates on, because Playwright never routes a redirect's next
    hop: the browser would fetch the target from the real network (microsoft/playwright#2617,
    #33882). ``location.replace`` keeps history as a real 302 would; cookies still apply."""
    location = response.headers.get("location")
    if not (300 <= response.status < 400 and location):
        return response
    target = json.dumps(location).replace("</", "<\\/")
    body = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title></title>'
        f"<script>location.replace({target});</script></head><body></body></html>"
    )
    headers = {k: v for k, v in response.headers.items() if k.lower() != "location"}
    return ReplicaResponse(
        status=200,
        body=body,
        headers=headers,
        set_cookies=response.set_cookies,
        cookie_domain=response.cookie_domain,
    )


def replica_class(platform: str) -> type[Replica]:
    """Find the replica of ``platform`` by convention: the Replica subclass in ``fixtures.<p>``."""
    module = importlib.import_module(f"{platform_package('fixtures')}.{platform}")
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, Replica)
            and value is not Replica
            and getattr(value, "PLATFORM", None) == platform
        ):
            return value
    raise LookupError(f"fixtures.{platform} defines no Replica for {platform!r}")
