"""Facebook: objects to your posts and photos being used for AI at Meta, through the form
"Object to Your Information Being Used for AI at Meta".
Official form: https://www.facebook.com/help/contact/712876720715583 (also 6359191084165019).
Its own strings (login page, cookie dialog) are in ``labels/``; the form's in flows/_meta/labels.
Labels last checked against public sources (each string's source is in its label file), 2026-11-27.
"""

from __future__ import annotations

from optout_bot import Target

from .._meta.flow import MetaFlow


class FacebookFlow(MetaFlow):
    PLATFORM = "facebook"
    DESCRIPTION = "Meta AI objection form (Facebook)"
    KIND = "form"
    URLS = {
        "login": "https://www.facebook.com/login/",
        "form": "https://www.facebook.com/help/contact/712876720715583",
        "form_alternative": "https://www.facebook.com/help/contact/6359191084165019",
    }
    # <input name="email" id="email" data-testid="royal_email">: no <label>, no autocomplete
    # (a saved ko_KR page, github:Parkhyeunjun/demo/…/facebookLogin.jsp@65c1894, 2024-05-19;
    # still input[name="email"] in github:BoPeng/ai-marketplace-monitor/…/facebook.py@16394b3).
    LOGIN_FIELD_NAMES = ("email",)
    LAST_CHECKED = "2026-11-27"

    def logged_in_targets(self) -> list[Target]:
        """The signed-in page's top navigation, named "Facebook" (a link of that name exists
        too, hence the role)."""
        return [Target(role="navigation", name=self.label("home"))]
