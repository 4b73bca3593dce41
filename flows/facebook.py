"""Facebook: objects to your posts and photos being used for AI at Meta, through the form
"Object to your information being used for AI at Meta".
Official form: https://www.facebook.com/help/contact/712876720715583 (also 6359191084165019).
Labels last checked against platforms.md (late 2025), 2026-11-25.
"""

from __future__ import annotations

from flows._meta import FORM_LABELS, FORM_UNCONFIRMED, MetaFlow, merge_labels, merge_unconfirmed
from optout_bot import Target


class FacebookFlow(MetaFlow):
    PLATFORM = "facebook"
    DESCRIPTION = "Meta AI objection form (Facebook)"
    KIND = "form"
    URLS = {
        "login": "https://www.facebook.com/login/",
        "form": "https://www.facebook.com/help/contact/712876720715583",
        "form_alternative": "https://www.facebook.com/help/contact/6359191084165019",
    }
    LOGIN_FIELD_NAME = "email"
    PASSWORD_FIELD_NAME = "pass"
    LAST_CHECKED = "2026-11-25"
    LABELS = merge_labels(FORM_LABELS, {
        "en": {"login_field": "Email address or phone number", "login_button": "Log in",
               "cookies_accept": "Allow all cookies", "home": "Facebook",
               "wrong_email": "The email you entered isn't connected to an account.",
               "wrong_password": "The password that you've entered is incorrect."},
        "de": {"login_field": "E-Mail-Adresse oder Handynummer", "login_button": "Anmelden",
               "cookies_accept": "Alle Cookies erlauben", "home": "Facebook",
               "wrong_email": "Die eingegebene E-Mail-Adresse ist mit keinem Konto verknüpft.",
               "wrong_password": "Das eingegebene Passwort ist falsch."},
        "ko": {"login_field": "이메일 또는 휴대폰 번호", "login_button": "로그인",
               "cookies_accept": "모든 쿠키 허용", "home": "Facebook",
               "wrong_email": "입력한 이메일이 계정에 연결되어 있지 않습니다.",
               "wrong_password": "입력한 비밀번호가 올바르지 않습니다."},
    })
    UNCONFIRMED = merge_unconfirmed(FORM_UNCONFIRMED, {
        "en": {"login_field", "wrong_password"},
        "de": {"login_field", "login_button", "cookies_accept", "wrong_email", "wrong_password"},
        "ko": {"login_field", "login_button", "cookies_accept", "wrong_email", "wrong_password"},
    })

    def logged_in_targets(self) -> list[Target]:
        return [Target(role="navigation", name=self.label("home"))]
