"""Instagram: objects to your posts, photos and captions being used for AI at Meta, through the
form "Object to your information being used for AI at Meta" (shared with Facebook: flows/_meta).
Its own strings (login page, cookie dialog) are in ``labels/``.
Official form: https://help.instagram.com/contact/767264225370182
Labels last checked against platforms.md (late 2025), 2026-11-25.
"""

from __future__ import annotations

from typing import ClassVar

from flows._meta.flow import MetaFlow
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
    VERSIONS = ("2024", "2025")
    LAST_CHECKED = "2026-11-25"
    STEPS = FORM_STEPS

    def logged_in_targets(self) -> list[Target]:
        """The feed's navigation, named after the site, shows once Instagram let us in."""
        return [Target(role="navigation", name=self.label("home"), exact=True)]
