"""Facebook: objects to your posts and photos being used for AI at Meta, through the form
"Object to your information being used for AI at Meta".
Official form: https://www.facebook.com/help/contact/712876720715583 (also 6359191084165019).
Its own strings (login page, cookie dialog) are in ``labels/``; the form's in flows/_meta/labels.
Labels last checked against platforms.md (late 2025), 2026-11-25.
"""

from __future__ import annotations

from flows._meta.flow import MetaFlow
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

    def logged_in_targets(self) -> list[Target]:
        return [Target(role="navigation", name=self.label("home"))]
