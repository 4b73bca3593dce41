"""The Facebook replica behaves like the real pages: logins, interstitials and the objection form.

Strings come from the label files (``TEXT``), so a reworded label does not break these tests;
what they pin down is the page's structure and the replica's behaviour.

Most tests talk to the replica directly (``replica.handle``) through a tiny cookie-keeping client;
one smoke test drives it in Chromium through ``optout_bot.replica.mount``.
"""

from __future__ import annotations

import html
import json
import re
import threading
from urllib.parse import urlencode, urljoin

import pyotp
import pytest

from fixtures.facebook import FacebookReplica
from optout_bot.browser import launch
from optout_bot.replica import ReplicaResponse, mount, parse_request
from optout_bot.settings import BrowserSettings

FB = "https://www.facebook.com"
FORM_ID = "712876720715583"
FORM = f"{FB}/help/contact/{FORM_ID}"
LONG_REASON = "I do not want my posts, photos and comments used to train AI models. " * 2
PASSWORD = "correct horse battery staple"
TOTP_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


TEXT = FacebookReplica().text("en")


class Client:
    """A browser as far as the replica can tell: cookies, Accept-Language, redirects. By
    default a British browser, so that the replica takes it to be in Europe."""

    def __init__(self, replica: FacebookReplica, accept_language: str = "en-GB,en;q=0.9"):
        self.replica = replica
        self.accept_language = accept_language
        self.cookies: dict[str, str] = {}
        self.url = FB + "/"

    def request(self, method: str, url: str, form: dict[str, str] | None = None) -> ReplicaResponse:
        self.url = urljoin(self.url, url)
        headers = {"accept-language": self.accept_language}
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            headers["content-type"] = "application/x-www-form-urlencoded"
            body = urlencode(form)
        response = self.replica.handle(parse_request(method, self.url, headers, body))
        for name, value in response.set_cookies.items():
            if value is None:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, url: str) -> ReplicaResponse:
        return self.request("GET", url)

    def post(self, url: str, **form: str) -> ReplicaResponse:
        return self.request("POST", url, form)

    def follow(self, response: ReplicaResponse) -> ReplicaResponse:
        """Follow redirects the way a browser would."""
        while response.status == 302:
            response = self.get(response.headers["location"])
        return response

    def log_in(
        self, login: str = "anna@example.org", password: str = PASSWORD, next_url: str = FORM
    ) -> ReplicaResponse:
        return self.post(
            f"{FB}/login/", email=login, **{"pass": password}, login="1", next=next_url
        )


def make(version: str = "2025", **account: object) -> tuple[FacebookReplica, Client]:
    replica = FacebookReplica(version=version)
    seed: dict[str, object] = {
        "login": "anna",
        "password": PASSWORD,
        "email": "anna@example.org",
        "country": "DE",
    }
    seed.update(account)
    replica.seed_account(**seed)  # type: ignore[arg-type]
    return replica, Client(replica)


def text_of(response: ReplicaResponse) -> str:
    return re.sub(r"\s+", " ", response.body)


# --- login ---------------------------------------------------------------------------------


def test_logs_in_and_goes_to_the_page_asked_for() -> None:
    replica, client = make()
    page = client.get(f"{FB}/login/")
    assert 'role="dialog"' in page.body and "Allow all cookies" in page.body
    assert 'data-cookiebanner="accept_button"' in page.body
    response = client.log_in()
    assert response.status == 302 and response.headers["location"] == FORM
    assert {"xs", "c_user"} <= client.cookies.keys()
    assert [(a["login"], a["ok"]) for a in replica.login_attempts] == [("anna", True)]
    assert len(replica.events("login_succeeded")) == 1
    assert PASSWORD not in json.dumps(replica.log)


def test_cookie_choice_is_remembered_and_uncovers_the_form() -> None:
    replica, client = make()
    response = client.post(f"{FB}/cookie/consent/", choice="all", next="/login/")
    assert response.status == 302 and client.cookies["cookie_consent"] == "all"
    page = client.follow(response)
    assert 'role="dialog"' not in page.body and "inert" not in page.body
    assert replica.events("cookie_consent")[0]["choice"] == "all"


def test_login_form_is_the_real_one_without_labels() -> None:
    """Fields named by aria-label and placeholder, no <label>, no autocomplete; the real
    names, ids and data-testids (the saved ko_KR page of 2024); the real title."""
    _, client = make()
    page = client.get(f"{FB}/login/").body
    form = page[page.index("<form") : page.index("</form>")]
    assert "<label" not in form and "autocomplete" not in form
    assert re.search(
        r'<input type="text" name="email" id="email" data-testid="royal_email"\s+'
        r'placeholder="Email address or phone number" '
        r'aria-label="Email address or phone number"',
        form,
    )
    assert re.search(
        r'<input type="password" name="pass" id="pass" data-testid="royal_pass"\s+'
        r'placeholder="Password" aria-label="Password"',
        form,
    )
    assert '<button value="1" name="login" data-testid="royal_login_button" type="submit"' in form
    assert 'data-testid="royal_login_form"' in form and 'id="passContainer"' in form
    assert f"<title>{TEXT['page.login_title']}</title>" in page
    assert "<h1" not in page  # the logged-out page has no heading over the form


@pytest.mark.parametrize(
    ("header", "dialog"),
    [
        ("de-DE,de;q=0.9", True),
        ("en-GB", True),
        ("en", True),  # no region named: as in the EU
        ("ko-KR,ko;q=0.9,en-US;q=0.8", False),
        ("en-US,en;q=0.9", False),
    ],
)
def test_cookie_dialog_only_where_meta_shows_it(header: str, dialog: bool) -> None:
    """Facebook asks about cookies in the EU only (autoconsent skips its test in the US); no
    source says Korea gets the dialog, so a Korean browser does not."""
    replica = FacebookReplica()
    page = Client(replica, accept_language=header).get(f"{FB}/login/")
    assert ('role="dialog"' in page.body) is dialog
    assert ("inert" in page.body) is dialog


def test_visitor_country_overrides_the_browser_language() -> None:
    page = Client(FacebookReplica(visitor_country="KR"), "de-DE").get(f"{FB}/login/")
    assert 'role="dialog"' not in page.body
    page = Client(FacebookReplica(visitor_country="FR"), "ko-KR").get(f"{FB}/login/")
    assert 'role="dialog"' in page.body


def test_wrong_password_shows_the_alert_and_logs_no_password() -> None:
    replica, client = make()
    response = client.log_in(password="wrong guess")
    assert response.status == 200
    body = text_of(response)
    assert re.search(
        r'<div id="passContainer">.*<div role="alert">The password that you&#39;ve '
        r"entered is incorrect.</div>",
        body,
    )
    assert replica.events("login_rejected")[0]["reason"] == "wrong_password"
    assert replica.login_attempts[0]["ok"] is False
    assert "wrong guess" not in json.dumps(replica.log + replica.login_attempts)
    assert "xs" not in client.cookies


def test_unknown_email_shows_the_alert() -> None:
    replica, client = make()
    response = client.log_in(login="nobody@example.org")
    assert re.search(
        r'<div id="email_container">.*<div role="alert">The email you entered '
        r"isn’t connected to an account.</div>",
        text_of(response),
    )
    assert replica.events("login_rejected")[0]["reason"] == "wrong_email"


def test_form_redirects_to_login_when_logged_out() -> None:
    _, client = make()
    response = client.get(FORM)
    assert response.status == 302
    assert response.headers["location"] == (
        f"{FB}/login/?next=https%3A%2F%2Fwww.facebook.com%2Fhelp%2Fcontact%2F{FORM_ID}"
    )
    page = client.follow(response)
    assert f'name="next" value="{FORM}"' in page.body


# --- the 2025 form -------------------------------------------------------------------------


@pytest.mark.parametrize("form_id", ["712876720715583", "6359191084165019"])
def test_objects_on_2025_form_once(form_id: str) -> None:
    replica, client = make()
    client.log_in()
    form = client.get(f"{FB}/help/contact/{form_id}")
    # the title in Title Case, as ghacks.net quotes it (2025-04-21)
    assert "<h1>Object to Your Information Being Used for AI at Meta</h1>" in form.body
    assert 'value="anna@example.org"' in form.body and 'name="country"' not in form.body
    reason = form.body[form.body.index("<textarea") : form.body.index("</textarea>")]
    assert "required" not in reason  # the impact field is optional
    assert f">{TEXT['send']}</button>" in form.body
    assert "Is your request about AI at Meta?" not in form.body
    response = client.post(f"/help/contact/{form_id}", email="anna@example.org", reason="")
    done = client.follow(response)
    assert client.url == f"{FB}/help/contact/{form_id}/done"
    assert "Your objection has been received" in done.body and 'role="status"' in done.body
    assert len(replica.submissions) == 1
    submission = replica.submissions[0]
    assert {k: submission[k] for k in ("login", "email", "country", "version", "locale")} == {
        "login": "anna",
        "email": "anna@example.org",
        "country": "DE",
        "version": "2025",
        "locale": "en",
    }
    assert [m.subject for m in replica.mailbox] == ["We received your objection"]
    assert replica.mailbox[0].body.startswith("We will honour your objection")  # the real mail
    again = client.get(f"{FB}/help/contact/{form_id}")
    assert "An objection from this account is already on record." in again.body


def test_second_submission_is_refused_with_the_notice() -> None:
    replica, client = make(already_objected=True)
    client.log_in()
    form = client.get(FORM)
    assert (
        '<div role="status"><h2>An objection from this account is already on record.</h2>'
        in form.body
    )
    assert 'id="objection_form"' not in form.body
    response = client.post(FORM, email="anna@example.org", reason="")
    assert "An objection from this account is already on record." in response.body
    assert replica.submissions == []
    assert replica.events("objection_refused")[0]["reason"] == "already_objected"


# --- the 2024 form -------------------------------------------------------------------------


def test_objects_on_2024_form_with_the_emailed_code() -> None:
    replica, client = make(version="2024")
    client.log_in()
    form = client.get(FORM)
    assert '<select id="country" name="country" required>' in form.body
    assert '<option value="KR">South Korea</option>' in form.body
    assert 'value="anna@example.org"' not in form.body

    missing = client.post(FORM, country="", email="anna@example.org", reason=LONG_REASON)
    assert f'<div role="alert">{TEXT["page.missing_fields"]}</div>' in missing.body
    assert [e["reason"] for e in replica.events("objection_rejected")] == ["missing_fields"]

    sent = client.post(FORM, country="DE", email="anna@example.org", reason=LONG_REASON)
    assert sent.headers["location"] == f"/help/contact/{FORM_ID}/confirm"
    assert TEXT["code_title"] in client.follow(sent).body
    assert replica.submissions == []
    mail = replica.mailbox[-1]
    assert mail.to == "anna@example.org" and mail.body.startswith("Your confirmation code is ")
    code = re.search(r"\d{6}", mail.body)
    assert code is not None

    wrong = client.post(f"{FORM}/confirm", code="000000" if code[0] != "000000" else "111111")
    assert "That code isn&#39;t right. Check your email and try again." in wrong.body
    assert replica.submissions == []

    done = client.follow(client.post(f"{FORM}/confirm", code=code[0]))
    assert TEXT["confirmed"] in done.body
    client.post(f"{FORM}/confirm", code=code[0])  # a repeated confirm changes nothing
    assert len(replica.submissions) == 1
    assert replica.submissions[0]["country"] == "DE"
    assert replica.submissions[0]["reason"] == LONG_REASON.strip()
    assert len(replica.events("objection_confirmed")) == 1
    assert [e["event"] for e in replica.log if e["event"].startswith(("objection", "code"))] == [
        "objection_rejected",
        "objection_received",
        "code_sent",
        "code_rejected",
        "objection_confirmed",
        "objection_refused",
    ]


def test_2024_form_asks_for_the_code_before_it_counts_the_characters() -> None:
    """The real 2024 form sent the code for a short reason and complained only after the code
    came back; a longer reason then went through without another code."""
    replica, client = make(version="2024")
    client.log_in()
    sent = client.post(FORM, country="DE", email="anna@example.org", reason="Too short.")
    assert sent.headers["location"] == f"/help/contact/{FORM_ID}/confirm"  # no complaint yet
    assert [e["event"] for e in replica.log if e["event"] == "code_sent"] == ["code_sent"]
    code = re.findall(r"\d{6}", replica.mailbox[-1].body)[0]

    after_code = client.post(f"{FORM}/confirm", code=code)
    assert f'<div role="alert">{TEXT["page.reason_too_short"]}</div>' in after_code.body
    assert 'id="objection_form"' in after_code.body and ">Too short.</textarea>" in after_code.body
    assert replica.submissions == []
    assert client.get(f"{FORM}/confirm").status == 302  # the code is used up

    still_short = client.post(FORM, country="DE", email="anna@example.org", reason="Short.")
    assert TEXT["page.reason_too_short"] in still_short.body and replica.submissions == []
    done = client.follow(
        client.post(FORM, country="DE", email="anna@example.org", reason=LONG_REASON)
    )
    assert TEXT["confirmed"] in done.body
    assert [s["reason"] for s in replica.submissions] == [LONG_REASON.strip()]
    assert len(replica.events("code_sent")) == 1  # no second code
    assert [e["reason"] for e in replica.events("objection_rejected")] == [
        "reason_too_short",
        "reason_too_short",
    ]


# --- regions, Pages, locales ---------------------------------------------------------------


def test_us_region_has_no_form() -> None:
    replica, client = make(region="US")
    client.log_in()
    page = client.get(FORM)
    assert "<h1>This form isn&#39;t available in your region</h1>" in page.body
    assert 'id="objection_form"' not in page.body
    client.post(FORM, email="anna@example.org", reason="")
    assert replica.submissions == []
    assert replica.events("objection_refused")[0]["reason"] == "unavailable"


def test_a_facebook_page_cannot_object() -> None:
    replica, client = make(is_page=True)
    client.log_in()
    page = client.get(FORM)
    assert (
        '<div role="alert">Only people can object. Switch to your personal profile to use '
        "this form.</div>"
    ) in text_of(page)
    assert 'id="objection_form"' not in page.body
    client.post(FORM, email="anna@example.org", reason="")
    assert replica.submissions == []
    assert replica.events("objection_refused")[0]["reason"] == "page_cannot_object"


def test_german_form_asks_the_router_question_first() -> None:
    replica, client = make(locale="de")
    client.log_in()
    form = client.get(FORM)
    assert '<html lang="de"' in form.body
    assert (
        "<h1>Einspruch gegen die Verwendung deiner Informationen für KI bei Meta</h1>" in form.body
    )
    assert "<legend>Bezieht sich deine Anfrage auf KI bei Meta?</legend>" in form.body
    assert '<div id="objection_fields" hidden>' in form.body
    assert ">Senden</button>" in form.body
    no = client.post(FORM, ai_request="no", email="anna@example.org", reason="")
    assert "Bitte nutze unseren Hilfebereich" in no.body
    unanswered = client.post(FORM, email="anna@example.org", reason="")
    assert "Bitte fülle alle Pflichtfelder aus." in unanswered.body
    assert replica.submissions == []
    done = client.follow(client.post(FORM, ai_request="yes", email="anna@example.org", reason=""))
    assert "Dein Widerspruch ist eingegangen" in done.body
    assert replica.submissions[0]["locale"] == "de"


@pytest.mark.parametrize(
    ("header", "fallback", "expected", "title"),
    [
        ("ko-KR,ko;q=0.9,en-US;q=0.8", "en", "ko", "Facebook - 로그인 또는 가입"),
        ("fr-FR,fr;q=0.9,de;q=0.8,en;q=0.5", "en", "de", "Facebook – Anmelden oder Registrieren"),
        ("fr-FR", "ko", "ko", "Facebook - 로그인 또는 가입"),
        ("en;q=0.3,de", "ko", "de", "Facebook – Anmelden oder Registrieren"),
    ],
)
def test_accept_language_picks_the_login_page_locale(
    header: str, fallback: str, expected: str, title: str
) -> None:
    client = Client(FacebookReplica(locale=fallback), accept_language=header)
    page = client.get(f"{FB}/login/")
    assert f'<html lang="{expected}"' in page.body and f"<title>{title}</title>" in page.body


def test_korean_account_gets_korean_pages_whatever_the_browser_says() -> None:
    _, client = make(locale="ko")
    client.log_in()
    form = client.get(FORM)
    assert '<html lang="ko"' in form.body and "Meta AI에 내 정보가 사용되는 것에" in form.body
    assert "Meta의 AI에 관한 요청인가요?" not in form.body


# --- interstitials -------------------------------------------------------------------------


def test_two_factor_by_app_then_trust_device() -> None:
    replica, client = make(two_factor="totp", totp_seed=TOTP_SEED)
    response = client.log_in()
    assert response.headers["location"] == "/two_step_verification/authentication/"
    page = client.follow(response)
    assert f"<h1>{TEXT['two_factor_app']}</h1>" in page.body
    assert 'name="approvals_code"' in page.body
    assert client.get(FORM).status == 302  # not logged in until 2FA is done
    code = pyotp.TOTP(TOTP_SEED).now()
    wrong = client.post(
        "/two_step_verification/authentication/",
        approvals_code=f"{(int(code) + 500_000) % 1_000_000:06d}",
    )
    assert 'role="alert"' in wrong.body
    trust = client.follow(
        client.post("/two_step_verification/authentication/", approvals_code=code)
    )
    assert "<h1>Trust this device?</h1>" in trust.body
    form = client.follow(client.post(client.url, trust="yes"))
    assert client.url == FORM and 'id="objection_form"' in form.body
    assert [e["event"] for e in replica.log][-3:] == [
        "two_factor_rejected",
        "two_factor_passed",
        "device_trusted",
    ]


def test_device_approval_waits_for_the_person() -> None:
    replica, client = make(two_factor="device")
    page = client.follow(client.log_in())
    assert client.url == f"{FB}/two_step_verification/two_factor/"
    assert TEXT["device_approval"] in page.body
    assert TEXT["page.device_waiting"] in page.body and TEXT["page.device_other"] in page.body
    assert client.get(client.url).status == 200  # still waiting
    replica.approve_device("anna")
    trust = client.follow(client.get(client.url))
    assert "Trust this device?" in trust.body


def test_checkpoint_and_blocked_stop_the_login() -> None:
    replica, client = make(checkpoint=True)
    page = client.follow(client.log_in())
    assert client.url == f"{FB}/checkpoint/"
    assert TEXT["checkpoint"] in html.unescape(page.body)
    assert client.get(FORM).status == 302

    replica, client = make(blocked=True)
    blocked = client.log_in()
    assert f"<h1>{TEXT['blocked']}</h1>" in blocked.body
    assert replica.login_attempts[0]["ok"] is False and "xs" not in client.cookies


def test_reauth_asks_for_the_password_before_the_form() -> None:
    replica, client = make(reauth=True)
    client.log_in()
    response = client.get(FORM)
    assert response.headers["location"].startswith("/login/reauth.php?next=")
    page = client.follow(response)
    assert "<h1>Please re-enter your password</h1>" in page.body
    wrong = client.post(client.url, **{"pass": "nope"})
    assert "The password that you&#39;ve entered is incorrect." in wrong.body
    form = client.follow(client.post(client.url, **{"pass": PASSWORD}))
    assert client.url == FORM and 'id="objection_form"' in form.body
    assert PASSWORD not in json.dumps(replica.log)


def test_class_names_are_generated_per_replica() -> None:
    first, second = FacebookReplica(), FacebookReplica()
    assert re.fullmatch(r"x[0-9a-z]{1,7} x[0-9a-z]{1,7}", first.cx("card"))
    assert first.cx("card") != second.cx("card")


# --- in a browser --------------------------------------------------------------------------


@pytest.mark.browser
def test_smoke_objects_in_chromium() -> None:
    replica = FacebookReplica(version="2025", visitor_country="DE")  # where the dialog shows
    replica.seed_account(login="anna", password=PASSWORD, email="anna@example.org", country="DE")
    # Its own thread: other test modules may hold pytest-playwright's session-wide sync
    # Playwright (an asyncio loop) on the main thread, where a second one refuses to start.
    errors: list[BaseException] = []
    thread = threading.Thread(target=_object_in_chromium, args=(replica, errors))
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the browser run did not finish"
    if errors:
        raise errors[0]
    assert len(replica.submissions) == 1
    assert replica.submissions[0]["reason"] == LONG_REASON.strip()


def _object_in_chromium(replica: FacebookReplica, errors: list[BaseException]) -> None:
    from playwright.sync_api import expect, sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = launch(playwright, BrowserSettings())
            try:
                context = browser.new_context(locale="en-US")
                mount(context, [replica])
                page = context.new_page()
                page.goto(FORM)
                expect(page).to_have_url(re.compile(r"/login/\?next="))
                dialog = page.get_by_role(
                    "dialog", name="Allow the use of cookies from Facebook on this browser?"
                )
                dialog.get_by_role("button", name="Allow all cookies").click()
                expect(dialog).to_be_hidden()
                # The fields have no <label>: their names come from aria-label/placeholder.
                page.get_by_label("Email address or phone number").fill("anna@example.org")
                page.get_by_placeholder("Password").fill(PASSWORD)
                page.get_by_role("button", name="Log in").click()
                expect(
                    page.get_by_role(
                        "heading",
                        name="Object to Your Information Being Used for AI at Meta",
                        exact=True,
                    )
                ).to_be_visible()
                expect(page.get_by_label("Email address")).to_have_value("anna@example.org")
                page.get_by_label("Please tell us how this processing impacts you").fill(
                    LONG_REASON
                )
                page.get_by_role("button", name="Submit").click()
                expect(page.get_by_role("status")).to_contain_text(
                    "Your objection has been received"
                )
            finally:
                browser.close()
    except BaseException as error:  # handed to the test's thread
        errors.append(error)
