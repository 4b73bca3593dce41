"""A browser as far as a replica can tell, without a browser: cookies, ``Accept-Language``,
redirects and form posts, talking to ``Replica.handle`` directly. Every HTML page and JSON
answer the replica gave is kept, so a test can look at all of them."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urljoin

from optout_bot.replica import Replica, ReplicaResponse, parse_request


class ReplicaClient:
    def __init__(self, replica: Replica, accept_language: str) -> None:
        self.replica = replica
        self.accept_language = accept_language
        self.cookies: dict[str, str] = {}
        self.url = replica.ORIGINS[0] + "/"
        self.pages: list[tuple[str, str]] = []
        """(url, HTML body) of every page served."""
        self.answers: list[dict[str, Any]] = []
        """Every JSON answer served."""

    def request(
        self,
        method: str,
        url: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> ReplicaResponse:
        self.url = urljoin(self.url, url)
        sent = {"accept-language": self.accept_language, **(headers or {})}
        if self.cookies:
            sent["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            sent["content-type"] = "application/x-www-form-urlencoded"
            body = urlencode(form)
        response = self.replica.handle(parse_request(method, self.url, sent, body))
        for name, value in response.set_cookies.items():
            if value is None:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if response.content_type.startswith("text/html") and response.body:
            self.pages.append((self.url, response.body))
        elif response.content_type.startswith("application/json"):
            self.answers.append(json.loads(response.body))
        return response

    def get(self, url: str) -> ReplicaResponse:
        return self.follow(self.request("GET", url))

    def post(self, url: str, **form: str) -> ReplicaResponse:
        return self.follow(self.request("POST", url, form))

    def post_with(self, url: str, headers: dict[str, str], **form: str) -> ReplicaResponse:
        """A POST a page's script sends, with its own headers (a CSRF token)."""
        return self.follow(self.request("POST", url, form, headers))

    def follow(self, response: ReplicaResponse) -> ReplicaResponse:
        """Follow redirects the way a browser would."""
        for _ in range(10):
            if response.status not in (301, 302, 303):
                return response
            response = self.request("GET", response.headers["location"])
        raise AssertionError(f"redirect loop at {self.url}")
