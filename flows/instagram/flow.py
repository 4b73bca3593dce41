"""Instagram: objects to your posts, photos and captions being used for AI at Meta, through the
form "Object to Your Information Being Used for AI at Meta" (shared with Facebook: flows/_meta).
Its own strings (login page, cookie dialog, the prompts after login) are in ``labels/``.
Official form: https://help.instagram.com/contact/767264225370182
Labels last checked against public sources (each string's source is in its label file), 2026-11-27.
"""

from __future__ import annotations

from typing import ClassVar

from optout_bot import FORM_STEPS, LoginRejected, Target

from .._meta.flow import MetaFlow


class InstagramFlow(MetaFlow):
    PLATFORM = "instagram"
    DESCRIPTION = "Meta AI objection form (Instagram)"
    KIND = "form"
    URLS: ClassVar[dict[str, str]] = {
        "login": "https://www.instagram.com/accounts/login/",
        "form": "https://help.instagram.com/contact/767264225370182",
    }
    # name="username" until 2023 (github:Shee14/Instagram/…/InstagramLogin.java@c82b100);
    # name="email" in some regions since 2025 (github:vana-com/data-connectors commit 4a06592).
    LOGIN_FIELD_NAMES = ("username", "email")
    VERSIONS = ("2024", "2025")
    LAST_CHECKED = "2026-11-27"
    STEPS = FORM_STEPS
    TEXT_ONLY: ClassVar[dict[str, str]] = {
        **MetaFlow.TEXT_ONLY,
        "log_in": "the cookie dialog (EU) has no test id or attribute a source shows (its "
        "autoconsent rule, github:duckduckgo/autoconsent/rules/autoconsent/instagram.json"
        "@09f0d0a, uses generated class names only), and the save-login-info prompt's Not now "
        "is told from Save info only by its words",
    }

    def logged_in_targets(self) -> list[Target]:
        """The feed's navigation, named after the site, shows once Instagram let us in."""
        return [Target(role="navigation", name=self.label("home"), exact=True)]

    def platform_prompts(self) -> dict[str, list[Target]]:
        """Instagram's generic refusal of a login, and its prompt to save the login info."""
        return {
            "login_problem": [Target(text=self.any_label("login_problem"))],
            "save_login_info": [Target(role="heading", name=self.any_label("save_login_info"))],
        }

    def answer_interstitial(self, seen: str) -> None:
        if seen == "login_problem":
            raise LoginRejected(
                'Instagram refused the login ("There was a problem logging you '
                'into Instagram"); not retried, to keep the account from being '
                "locked: try again later, or log in once by hand (--headed)"
            )
        if seen == "save_login_info":
            self.find(
                "save-login-info prompt: Not now button",
                Target(role="button", name=self.any_label("not_now"), exact=True),
            ).click()
            return
        super().answer_interstitial(seen)
