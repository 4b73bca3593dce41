"""What Facebook, Instagram and Threads share: the Meta login interstitials and the objection
form "Object to your information being used for AI at Meta" (2024 and 2025 versions).

Platform flows supply their login page (URLS["login"], the login labels in their own
``labels/``) and the form address; the steps below are the same for all three. The form's
strings are in ``flows/_meta/labels/<lang>.toml``: fix them there, in one line, when you see the
real page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, NoReturn
from urllib.parse import urlsplit

from playwright.sync_api import Locator

from optout_bot import (
    Blocked,
    Flow,
    InputRejected,
    LoginRejected,
    MailPattern,
    State,
    Target,
    Transient,
    UiChanged,
    Unavailable,
)

MIN_REASON_2024 = 100


class MetaFlow(Flow):
    """The steps of a Meta objection; subclasses declare the login page and form address."""

    LOGIN_FIELD_NAMES: ClassVar[tuple[str, ...]]
    """The ``name``s the real login field has had: found by these first, whatever the page's
    language; its translated name is the cross-check."""
    VERSIONS = ("2024", "2025")
    TEXT_ONLY = {
        "open_form": "the German router question (answered Yes) and the notices that an "
        "objection is on record, that the form is not available or that this is a Page are "
        "told apart only by their words",
    }
    # Also known only by their words, but never on the way to a successful objection: the
    # wrong-login and blocked notices and the trust-this-browser question after 2FA (log_in),
    # the on-record notice when checking after a fault (is_applied).
    MAX_INTERSTITIALS = 6
    # Meta signs its mail with d=facebookmail.com (a Facebook DKIM-Signature header in dkimpy's
    # test suite: dkim/tests/test_util.py in the dkimpy 1.1.8 source on PyPI, 2011);
    # mail.instagram.com is Instagram's signing domain as public code quotes it (unconfirmed).
    CONFIRMATION_MAIL = MailPattern(domains=("facebookmail.com", "mail.instagram.com"))

    @classmethod
    def confirmation_mail(cls) -> MailPattern:
        """Only the objection's confirmation counts, not any other Meta email (a login alert,
        the earlier notice inviting objections): its body holds the confirmation's wording."""
        bodies = tuple(cls.label_book().every_text("mail_done_body"))
        return MailPattern(domains=cls.CONFIRMATION_MAIL.domains, bodies=bodies)

    form_version: str = ""
    already_on_record: bool = False
    codes_typed: int = 0

    # --- log in -------------------------------------------------------------------------------

    def logged_in_targets(self) -> list[Target]:
        """What shows once the platform let us in (differs between Facebook and Instagram)."""
        raise NotImplementedError

    def login_field(self) -> list[Target]:
        """The login field: by its real ``name`` first, then by its translated name."""
        names = ", ".join(f"input[name={name}]" for name in self.LOGIN_FIELD_NAMES)
        return [Target(css=names), Target(label=self.any_label("login_field"))]

    def password_field(self) -> list[Target]:
        """The one password input of a login form (its ``name`` has changed over the years),
        then the translated name."""
        return [
            Target(css="input[type=password]"),
            Target(label=self.any_label("password"), exact=True),
        ]

    def log_in(self) -> None:
        """Log in as a person does: cookies choice (only where the platform asks, the EU),
        login and password, Enter, then answer or hand over whatever the platform asks next
        (2FA, device approval, checkpoint, its own prompts).

        Enter in the password field submits every layout the sources show: a submit button
        (Facebook until 2025, Instagram's, disabled until both fields are filled), an
        ``<input type=submit>``, and Facebook's 2026 page whose "Log in" is nested divs
        (https://github.com/BoPeng/ai-marketplace-monitor/pull/336)."""
        self.goto("login")
        cookies = [Target(role="button", name=self.any_label("cookies_accept"))]
        if self.has_signal("cookie_accept"):
            cookies.insert(0, self.signal("cookie_accept"))
        seen = self.wait_for_any(
            {
                "cookies": cookies,
                "login": self.login_field(),
                "logged_in": self.logged_in_targets(),
            },
            what="login page",
            addresses={"logged_in": self.address_of("home_path")},
        )
        if seen == "logged_in":
            return
        if seen == "login" and self.present(Target(css='[role="dialog"][aria-modal="true"]')):
            seen = "cookies"  # a dialog over the login page whose button we cannot name yet
        if seen == "cookies":
            self.find("cookie dialog: Allow all cookies button", *cookies).click()
        self.find("login field", *self.login_field()).fill(self.account.login)
        password = self.find("password field", *self.password_field())
        password.fill(self.account.password())
        password.press("Enter")
        self.after_login()

    def platform_prompts(self) -> dict[str, list[Target]]:
        """Pages only this platform shows after the password (answered in
        ``answer_interstitial``)."""
        return {}

    def platform_addresses(self) -> dict[str, Callable[[str], bool]]:
        """The addresses of ``platform_prompts`` that have one."""
        return {}

    def after_login(self) -> None:
        self.codes_typed = 0
        for _ in range(self.MAX_INTERSTITIALS):
            seen = self.wait_for_any(
                {
                    "logged_in": self.logged_in_targets(),
                    "wrong_email": [Target(text=self.any_label("wrong_email"))],
                    "wrong_password": [Target(text=self.any_label("wrong_password"))],
                    "two_factor_app": [
                        self.signal("two_factor_code"),
                        Target(role="heading", name=self.any_label("two_factor_app")),
                    ],
                    "device": [Target(role="heading", name=self.any_label("device_approval"))],
                    "trust": [Target(role="heading", name=self.any_label("trust_title"))],
                    "checkpoint": [Target(text=self.any_label("checkpoint"))],
                    "blocked": [Target(role="heading", name=self.any_label("blocked"))],
                    **self.platform_prompts(),
                },
                what="page after login",
                addresses={
                    "logged_in": self.address_of("home_path"),
                    "two_factor_app": self.address_of("two_factor_app_path"),
                    "device": self.address_of("device_path"),
                    "trust": self.address_of("trust_path"),
                    "checkpoint": self.address_of("checkpoint_path"),
                    **self.platform_addresses(),
                },
            )
            if seen == "logged_in":
                return
            self.answer_interstitial(seen)
        raise Blocked("the platform kept asking questions after login; stopped to be safe")

    def answer_interstitial(self, seen: str) -> None:
        if seen == "wrong_email":
            raise LoginRejected(
                f"{self.PLATFORM} does not know the login {self.account.login!r}; not retried"
            )
        if seen == "wrong_password":
            raise LoginRejected(
                f"{self.PLATFORM} rejected the password; not retried, "
                "to keep the account from being locked"
            )
        if seen == "blocked":
            raise Blocked(
                f"{self.PLATFORM} says the account is temporarily blocked; "
                "try again later, not retried"
            )
        if seen == "two_factor_app" and self.codes_typed:
            raise LoginRejected(
                f"{self.PLATFORM} rejected the authenticator code: check the "
                "account's totp_seed; not retried, to keep the account from "
                "being locked"
            )
        if seen == "two_factor_app" and self.account.has_totp_seed():
            self.codes_typed += 1
            code = self.find(
                "two-factor code field",
                self.signal("two_factor_code"),
                Target(label=self.label("two_factor_code")),
            )
            code.fill(self.services.totp_code())
            self.click_and_leave(
                self.find(
                    "two-factor Continue button",
                    Target(input_type="submit", within=self.form_of(code)),
                    Target(role="button", name=self.any_label("continue")),
                )
            )
            return
        if seen == "trust":
            self.click_and_leave(
                self.find(
                    "Trust this device button",
                    Target(role="button", name=self.any_label("trust_button"), exact=True),
                )
            )
            return
        what = {
            "two_factor_app": "type the code from your authentication app",
            "device": "approve this login on your other device",
            "checkpoint": "solve the security check the platform shows",
        }[seen]
        start = self.page.url
        self.services.hand_over(what, until=lambda: self.page.url != start)

    # --- the objection form ---------------------------------------------------------------------

    def open_form(self) -> None:
        """Open the form; the answer may be the form, the German router question, a notice
        that an objection is on record, a password prompt, or "not available"."""
        self.goto("form")
        self.services.note("form_url", self.page.url)
        answered: set[str] = set()
        answered_reauth = False
        for _ in range(self.MAX_INTERSTITIALS):
            seen = self.wait_for_any(
                {
                    "router": []
                    if "router" in answered
                    else [Target(text=self.label("router_question"))],
                    "already": [Target(text=self.label("already"))],
                    "unavailable": [Target(role="heading", name=self.label("unavailable"))],
                    "page_account": [Target(text=self.label("page_account"))],
                    "reauth": [
                        self.signal("reauth_password"),
                        Target(role="heading", name=self.label("reauth")),
                    ],
                    "form": [
                        Target(css=f"{self.signal('form').css} {self.signal('form_email').css}"),
                        Target(role="heading", name=self.label("form_title")),
                    ],
                },
                what="objection form",
            )
            if seen == "form":
                break
            if seen == "already":
                self.already_on_record = True
                self.services.note("form_version", "on_record")  # the notice, not a form
                return
            answered.add(seen)
            if seen == "router":
                self.find(
                    "router question: Yes",
                    Target(role="radio", name=self.label("router_yes"), exact=True),
                    Target(role="button", name=self.label("router_yes"), exact=True),
                ).check()
            elif seen == "reauth":
                self.answer_reauth_once(answered_reauth)
                answered_reauth = True
                password = self.find(
                    "re-authentication password field",
                    self.signal("reauth_password"),
                    Target(label=self.label("password"), exact=True),
                )
                password.fill(self.account.password())
                self.find(
                    "re-authentication Continue button",
                    Target(input_type="submit", within=self.form_of(password)),
                    Target(role="button", name=self.label("continue")),
                ).click()
            elif seen == "unavailable":
                raise Unavailable(
                    f"the {self.PLATFORM} objection form is not available in this account's region"
                )
            else:
                raise Unavailable(
                    "this is a Page, and only people can object: log in with your personal profile"
                )
        self.send_button()
        self.services.note("form_url", self.page.url)  # where the form is, after a password prompt
        has_country = self.present(
            self.signal("form_country", within=self.objection_form()),
            Target(label=self.label("country")),
        )
        self.form_version = "2024" if has_country else "2025"
        self.services.note("form_version", self.form_version)

    def answer_reauth_once(self, answered_before: bool) -> None:
        """A password prompt on the way to the form is answered once. Shown again, the
        password was not taken: never typed twice (the account could be locked). At the login
        page itself the session is gone: that is no re-authentication, and nothing is typed."""
        if answered_before:
            raise LoginRejected(
                f"{self.PLATFORM} asked for the password again on the way to the form; "
                "not typed again, to keep the account from being locked"
            )
        if urlsplit(self.page.url).path == urlsplit(self.urls["login"]).path:
            raise Transient("signed out on the way to the form (the login page showed)")

    def objection_form(self) -> Locator:
        """The one form holding a visible email field, at the form's address: where the
        fields and the Send button are looked for by structure. Another address, or two
        such forms, is ``UiChanged`` naming them: structure alone is trusted only there."""
        self.expect_address("objection form", "form_path")
        email = self.signal("form_email").css
        forms = self.page.locator(str(self.signal("form").css)).filter(
            has=self.page.locator(f"{email}:visible")
        )
        return self.only_one("objection form", forms)

    def send_button(self) -> Locator:
        """The objection form's own submit button; its name ("Send") is the cross-check."""
        return self.find(
            "objection form: Send button",
            self.signal("form_send", within=self.objection_form()),
            Target(role="button", name=self.label("send"), exact=True),
        )

    def read_state(self) -> State:
        return State.DONE if self.already_on_record else State.NOT_DONE

    def fill(self) -> None:
        values: dict[str, str] = {}
        if self.form_version == "2024":
            values["country"] = self.choose_country()
        form = self.objection_form()
        email = self.find(
            "objection form: Email field",
            self.signal("form_email", within=form),
            Target(label=self.label("email")),
        )
        email.fill(self.account.email)
        values["email"] = self.account.email
        reason = self.account.reason
        if self.form_version == "2024" and len(reason) < MIN_REASON_2024:
            reason = f"{reason} {self.account.default_reason}".strip()
            self.services.note(
                "reason",
                "the configured reason was under 100 characters, so the default reason was added",
            )
        self.find(
            "objection form: impact field",
            self.signal("form_reason", within=form),
            Target(label=self.label("reason")),
        ).fill(reason)
        values["reason"] = reason
        self.services.submitted(values)

    def choose_country(self) -> str:
        country = self.account.country
        if not country:
            raise InputRejected(
                "the form asks for your country of residence: set `country` for this account"
            )
        select = self.find(
            "objection form: Country field",
            self.signal("form_country", within=self.objection_form()),
            Target(label=self.label("country")),
        )
        options = select.locator("option").evaluate_all(
            "els => els.map(e => [e.value, e.textContent.trim()])"
        )
        for value, text in options:
            if self.same_text(country, value) or self.same_text(country, text):
                select.select_option(value=value)
                return str(text)
        raise InputRejected(f"country {country!r} is not in the form's list of countries")

    def submit(self) -> None:
        """Click Send once. The engine never repeats this without asking ``is_applied``."""
        self.send_button().click()
        seen = self.wait_for_any(
            {
                "confirmed": [
                    self.signal("confirmed"),
                    Target(role="heading", name=self.label("confirmed")),
                ],
                "code": [
                    self.signal("code_field"),
                    Target(role="heading", name=self.label("code_title")),
                ],
                "alert": [Target(role="alert")],
            },
            what="answer to the objection",
        )
        if seen == "alert":
            self.refused("the form refused what was sent")

    def refused(self, what: str) -> NoReturn:
        """Stop with the alert the form shows, quoted."""
        text = self.page.get_by_role("alert").first.inner_text()
        raise InputRejected(f"{what}: {text}")

    def confirm(self) -> None:
        """2024: type the emailed code; then read the platform's confirmation. The 2024 form
        checked the reason's 100 characters only after the code (comment of 2024-06-18 under
        deborahcopaken.substack.com/p/11-steps-to-opt-out-of-metas-data), so a refusal can
        come here too; ``fill`` makes the reason long enough to start with."""
        code_field = self.signal("code_field")
        if self.present(code_field, Target(role="heading", name=self.label("code_title"))):
            code = self.services.email_code(f"{self.PLATFORM} objection form code")
            field = self.find("code page: code field", code_field, Target(label=self.label("code")))
            field.fill(code)
            self.find(
                "code page: Confirm button",
                Target(input_type="submit", within=self.form_of(field)),
                Target(role="button", name=self.label("code_button"), exact=True),
            ).click()
            seen = self.wait_for_any(
                {
                    "confirmed": [
                        self.signal("confirmed"),
                        Target(role="heading", name=self.label("confirmed")),
                    ],
                    "alert": [Target(role="alert")],
                },
                what="answer to the emailed code",
            )
            if seen == "alert":
                self.refused("the form refused the objection after the code")
        shown = self.find(
            "confirmation",
            self.signal("confirmed"),
            Target(role="heading", name=self.label("confirmed")),
        )
        self.services.confirmation(shown.inner_text())

    def check_step(self, step: str) -> None:
        """Check mode: the Send button is there and could be pressed; it is not pressed."""
        send = self.send_button()
        if not send.is_enabled():
            raise UiChanged("objection form: Send button (disabled)", step=self.step)

    def is_applied(self) -> bool:
        """Reopen the form: the platform shows the on-record notice once it has the objection."""
        self.goto("form")
        seen = self.wait_for_any(
            {
                "already": [Target(text=self.label("already"))],
                "form": [
                    Target(css=f"{self.signal('form').css} {self.signal('form_send').css}"),
                    Target(role="button", name=self.label("send"), exact=True),
                    Target(text=self.label("router_question")),
                ],
            },
            what="objection form (checking after a fault)",
        )
        return seen == "already"
