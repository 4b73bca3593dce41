"""Instagram: objects to your posts, photos and captions being used for AI at Meta, through the
form "Object to your information being used for AI at Meta" (shared with Facebook: flows/_meta).
Official form: https://help.instagram.com/contact/767264225370182
Labels last checked against platforms.md (late 2025), 2026-11-25.
"""

from __future__ import annotations

from typing import ClassVar

from flows._meta import FORM_LABELS, FORM_UNCONFIRMED, MetaFlow, merge_labels, merge_unconfirmed
from optout_bot import FORM_STEPS, Target


class InstagramFlow(MetaFlow):
    PLATFORM = "instagram"
    DESCRIPTION = "Meta AI objection form (Instagram)"
    KIND = "form"
    URLS: ClassVar[dict[str, str]] = {
        "login": "https://www.instagram.com/accounts/login/",
        "form": "https://help.instagram.com/contact/767264225370182",
    }
    LOGIN_FIELD_NAME = "username"
    PASSWORD_FIELD_NAME = "password"
    LABELS = merge_labels(FORM_LABELS, {
        "en": {"login_field": "Phone number, username, or email", "login_button": "Log in",
               "cookies_accept": "Allow all cookies", "home": "Instagram",
               "wrong_email": "The username you entered doesn't belong to an account.",
               "wrong_password": "Sorry, your password was incorrect."},
        "de": {"login_field": "Telefonnummer, Benutzername oder E-Mail-Adresse",
               "login_button": "Anmelden", "cookies_accept": "Alle Cookies erlauben",
               "home": "Instagram",
               "wrong_email": "Der eingegebene Benutzername gehört zu keinem Konto.",
               "wrong_password": "Leider ist dein Passwort falsch."},
        "ko": {"login_field": "전화번호, 사용자 이름 또는 이메일", "login_button": "로그인",
               "cookies_accept": "모든 쿠키 허용", "home": "Instagram",
               "wrong_email": "입력한 사용자 이름을 사용하는 계정을 찾을 수 없습니다.",
               "wrong_password": "잘못된 비밀번호입니다."},
    })
    # platforms.md confirms the English login label, "Log in", "Allow all cookies" and the
    # wrong-password text; the unknown-user text and the logged-in marker are modelled.
    UNCONFIRMED = merge_unconfirmed(FORM_UNCONFIRMED, {
        "en": {"wrong_email", "home"},
        "de": {"login_field", "login_button", "cookies_accept", "home", "wrong_email",
               "wrong_password"},
        "ko": {"login_field", "login_button", "cookies_accept", "home", "wrong_email",
               "wrong_password"},
    })
    VERSIONS = ("2024", "2025")
    LAST_CHECKED = "2026-11-25"
    STEPS = FORM_STEPS

    def logged_in_targets(self) -> list[Target]:
        """The feed's navigation, named after the site, shows once Instagram let us in."""
        return [Target(role="navigation", name=self.label("home"), exact=True)]
