"""The check that a replica shows only strings from its platform's label files, for every
platform's tests (tests/replicas/test_replica_strings.py for the built-in ones; a new
platform's test module uses it with its own walk).

A walk takes a replica through its pages (logins, errors, the form or setting); every visible
text it was shown (text nodes, titles, names given by attributes, JSON error answers, mails)
must be made of label strings (the current wording, placeholders filled with anything) and the
account's own data; what is left may hold no letter or digit. Every template must be rendered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from optout_bot.replica import Replica, ReplicaResponse, replica_class
from optout_bot.replica.server import template_dirs
from tests.replicas.client import ReplicaClient

EMAIL = "mina.k@example.org"
PASSWORD = "pw-Strings-2291"
SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SHORT_REASON = "Not for AI."
LONG_REASON = "Please do not train AI on what I share. " * 3
ACCOUNT_DATA = (EMAIL, "mina.k", "mina_k", SHORT_REASON, LONG_REASON.strip())
"""What the person typed or is called; a page may show it back."""
SKIPPED_ELEMENTS = {"script", "style", "svg"}
NAMING_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}


class VisibleText(HTMLParser):
    """Text nodes (templates included, scripts and styles not), the title, names given by
    attributes, and the values of buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self._skipping.append(tag)
        values = dict(attrs)
        self.found += [v for k, v in values.items() if k in NAMING_ATTRIBUTES and v]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.found.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.found.append(data)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.found]


def explainer(replica: Replica, locale: str) -> re.Pattern[str]:
    """A pattern matching any label string of ``locale`` (placeholders as wildcards) or any
    of the account's data."""
    texts = set(replica.text(locale).values()) | set(ACCOUNT_DATA)
    parts = []
    for text in sorted(texts, key=len, reverse=True):
        pieces = re.split(r"\{\w+\}", " ".join(text.split()))
        parts.append(".+".join(re.escape(piece) for piece in pieces))
    return re.compile("|".join(parts))


def unexplained(replica: Replica, locale: str, strings: list[str]) -> list[str]:
    pattern = explainer(replica, locale)
    return sorted({text for text in strings if re.search(r"\w", pattern.sub("", text))})


class Walk:
    """One replica in one language: seed accounts, browse, collect what was shown."""

    def __init__(self, replica: Replica, locale: str) -> None:
        self.replica = replica
        self.locale = locale
        self.clients: list[ReplicaClient] = []

    def client(self) -> ReplicaClient:
        made = ReplicaClient(self.replica, self.locale)
        self.clients.append(made)
        return made

    def seed(self, login: str, **attributes: Any) -> str:
        self.replica.seed_account(
            login=login, password=PASSWORD, email=EMAIL, locale=self.locale, **attributes
        )
        return login

    def shown(self) -> list[str]:
        strings = [
            text
            for client in self.clients
            for _, html in client.pages
            for text in visible_texts(html)
        ]
        strings += [
            str(answer["error"])
            for client in self.clients
            for answer in client.answers
            if "error" in answer
        ]
        strings += [text for mail in self.replica.mailbox for text in (mail.subject, mail.body)]
        return strings


def assert_shows_only_label_strings(
    platform: str, replicas: Iterable[Replica], walk: Callable[[Walk], None]
) -> None:
    """Walk each replica (one language, its page versions); fail on any text no label file
    has, and on any page template no walk rendered."""
    rendered: set[str] = set()
    for replica in replicas:
        render = replica.render

        def remember(template: str, _render: Any = render, **context: Any) -> ReplicaResponse:
            rendered.add(template)
            response: ReplicaResponse = _render(template, **context)
            return response

        replica.render = remember  # type: ignore[method-assign]
        walked = Walk(replica, replica.locale)
        walk(walked)
        shown = walked.shown()
        assert len(shown) > 10  # the walk saw pages, not only redirects
        assert unexplained(replica, replica.locale, shown) == [], (
            f"{platform} {replica.version} {replica.locale}"
        )
    templates = {
        p.name
        for d in template_dirs(replica_class(platform))
        for p in Path(d).glob("*.html")
        if not p.name.startswith("_")
    }
    assert templates - {"base.html"} <= rendered, "a page no walk visits"
