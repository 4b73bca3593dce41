"""The local page refuses what is not the person's own browser on this machine: no key, a
foreign Host (DNS rebinding), another origin, a change without the CSRF token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.ui.server import UiServer, serving


@pytest.fixture
def ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiServer]:
    with serving(tmp_path, monkeypatch) as server:
        yield server


def add_account(ui: UiServer, **headers: str) -> int:
    form = {"csrf": ui.keys.csrf, "platform": "x", "label": "me", "login": "me@example.org"}
    sent = {
        "Cookie": ui.cookie(),
        "Origin": ui.base,
        "Content-Type": "application/x-www-form-urlencoded",
        **headers,
    }
    return ui.request("POST", "/accounts/save", headers=sent, body=urlencode(form)).status


def test_the_first_address_trades_its_key_for_a_strict_cookie(ui: UiServer) -> None:
    answer = ui.request("GET", f"/accounts?{urlencode({'token': ui.keys.first})}")
    assert answer.status == 303
    assert answer.getheader("Location") == "/accounts"  # the key leaves the address bar
    cookie = answer.getheader("Set-Cookie") or ""
    assert cookie.startswith(f"optout_ui={ui.keys.session};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = ui.request("GET", "/accounts", headers={"Cookie": ui.cookie()})
    assert page.status == 200
    policy = page.getheader("Content-Security-Policy") or ""
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.getheader("Access-Control-Allow-Origin") is None


def test_a_request_without_the_key_is_refused(ui: UiServer) -> None:
    assert ui.request("GET", "/accounts").status == 403
    assert ui.request("GET", "/accounts?token=guessed").status == 403
    assert ui.request("GET", "/accounts", headers={"Cookie": "optout_ui=guessed"}).status == 403
    assert add_account(ui, Cookie="optout_ui=guessed") == 403
    assert not ui.config.exists()


def test_a_foreign_host_is_refused_even_with_the_key(ui: UiServer) -> None:
    """A page on attacker.example whose name now points at 127.0.0.1 sends its own Host."""
    for host in (f"attacker.example:{ui.port}", "127.0.0.1", f"127.0.0.1:{ui.port + 1}"):
        answer = ui.request(
            "GET", f"/?{urlencode({'token': ui.keys.first})}", headers={"Host": host}
        )
        assert answer.status == 400, host
        assert answer.getheader("Set-Cookie") is None
        assert (
            ui.request("GET", "/accounts", headers={"Host": host, "Cookie": ui.cookie()}).status
            == 400
        )
    assert add_account(ui, Host=f"attacker.example:{ui.port}") == 400
    assert not ui.config.exists()


def test_a_change_from_another_origin_is_refused(ui: UiServer) -> None:
    assert add_account(ui, Origin="http://attacker.example") == 403
    assert add_account(ui, Origin=f"http://127.0.0.1:{ui.port + 1}") == 403
    assert add_account(ui, Origin="null") == 403
    assert not ui.config.exists()


def test_a_change_without_the_csrf_token_is_refused(ui: UiServer) -> None:
    sent = {
        "Cookie": ui.cookie(),
        "Origin": ui.base,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    body = urlencode({"platform": "x", "label": "me", "login": "me@example.org"})
    assert ui.request("POST", "/accounts/save", headers=sent, body=body).status == 403
    wrong = urlencode({"csrf": "guessed", "platform": "x", "label": "me", "login": "a@b.org"})
    assert ui.request("POST", "/accounts/save", headers=sent, body=wrong).status == 403
    assert not ui.config.exists()
    assert add_account(ui) == 303  # the same change with the token goes through
    assert "[accounts.x.me]" in ui.config.read_text()
    assert ui.config.stat().st_mode & 0o777 == 0o600
