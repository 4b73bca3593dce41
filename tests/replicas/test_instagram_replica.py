"""The Instagram replica's own pages behave like the real ones: the login form in both of its
layouts, the generic refusal, the prompt to save the login info, the cookie dialog by country.

The form and the interstitials it shares with Facebook are tested in test_facebook_replica.py.
"""

from __future__ import annotations

import re

import pytest

from fixtures.instagram import InstagramReplica
from optout_bot.replica import ReplicaResponse
from tests.replicas.client import ReplicaClient

IG = "https://www.instagram.com"
LOGIN = f"{IG}/accounts/login/"
FORM = "https://help.instagram.com/contact/767264225370182"
PASSWORD = "pw-Insta-5521"
TEXT = InstagramReplica().text("en")


def make(drift: str | None = None, **account: object) -> tuple[InstagramReplica, ReplicaClient]:
    replica = InstagramReplica()
    replica.set_drift(drift)
    replica.seed_account(login="mina.k", password=PASSWORD, email="mina@example.org", **account)  # type: ignore[arg-type]
    return replica, ReplicaClient(replica, "en-GB,en;q=0.9")


def form_of(page: ReplicaResponse) -> str:
    body = page.body
    return body[body.index('<form method="post" action="/accounts/login/"') : body.index("</form>")]


def test_login_form_is_the_2020_to_2023_one() -> None:
    """form#loginForm, fields name=username / name=password named by aria-label inside a
    <label>, "Log in" disabled until both are filled, the logo an image and no heading."""
    _, client = make()
    page = client.get(LOGIN)
    form = form_of(page)
    assert 'id="loginForm"' in form
    assert re.search(
        r"<label><span>Phone number, username, or email</span>\s*<input "
        r'aria-label="Phone number, username, or email"[^>]*name="username" '
        r'type="text"',
        form,
    )
    assert re.search(r'<input aria-label="Password"[^>]*name="password" type="password"', form)
    assert re.search(r'<button type="submit" disabled[^>]*><div>Log in</div></button>', form)
    assert '<i role="img" aria-label="Instagram"' in page.body and "<h1" not in page.body
    assert 'data-testid="sign-up-link"' in page.body


def test_login_form_of_2025_posts_email_and_pass() -> None:
    replica, client = make(drift="login_email_pass")
    form = form_of(client.get(LOGIN))
    assert 'name="email" type="text"' in form and 'name="pass" type="password"' in form
    assert 'name="username"' not in form
    client.post(LOGIN, email="mina.k", **{"pass": PASSWORD}, next="/")
    assert [a["ok"] for a in replica.login_attempts] == [True]
    old_names = ReplicaClient(replica, "en-GB")
    old_names.post(LOGIN, username="mina.k", password=PASSWORD, next="/")
    assert [a["ok"] for a in replica.login_attempts] == [True, False]  # fields it has not


def test_login_asks_to_save_the_login_info_then_goes_on() -> None:
    replica, client = make()
    response = client.request(
        "POST", LOGIN, {"username": "mina.k", "password": PASSWORD, "next": FORM}
    )
    assert response.headers["location"] == (
        "/accounts/onetap/?next=https%3A%2F%2Fhelp.instagram.com%2Fcontact%2F767264225370182"
    )
    prompt = client.follow(response)
    assert f"<h2>{TEXT['save_login_info']}</h2>" in prompt.body
    assert f">{TEXT['not_now']}</button>" in prompt.body
    assert f">{TEXT['page.save_login_info_button']}</button>" in prompt.body
    form = client.post(client.url, save="no", next=FORM)
    assert client.url == FORM and 'id="objection_form"' in form.body
    assert replica.events("login_info_not_saved") and not replica.events("login_info_saved")


def test_the_prompt_is_not_for_a_browser_that_is_not_logged_in() -> None:
    _, client = make()
    client.get(f"{IG}/accounts/onetap/?next=%2F")
    assert client.url == LOGIN


def test_a_refused_login_gets_the_generic_message_and_no_session() -> None:
    replica, client = make(login_problem=True)
    page = client.post(LOGIN, username="mina.k", password=PASSWORD, next="/")
    assert re.search(
        r'<p id="slfErrorAlert" role="alert" aria-atomic="true">There was a problem '
        r"logging you into Instagram. Please try again soon.</p>",
        page.body,
    )
    assert [e["reason"] for e in replica.events("login_rejected")] == ["login_problem"]
    assert replica.login_attempts[0]["ok"] is False and "xs" not in client.cookies


def test_facebook_has_no_generic_refusal_to_seed() -> None:
    from fixtures.facebook import FacebookReplica

    with pytest.raises(TypeError, match="login_problem"):
        FacebookReplica().seed_account(
            login="a", password="b", email="a@example.org", login_problem=True
        )


@pytest.mark.parametrize(
    ("header", "dialog"), [("en-US,en;q=0.9", True), ("de-DE", True), ("ko-KR,ko;q=0.9", False)]
)
def test_cookie_dialog_by_country(header: str, dialog: bool) -> None:
    """autoconsent runs its Instagram test without region skips (so the US gets it too); no
    source says Korea does."""
    page = ReplicaClient(InstagramReplica(), header).get(LOGIN)
    assert ('role="dialog"' in page.body) is dialog
    if dialog:
        assert "data-cookiebanner" not in page.body  # Instagram's dialog has no test ids
