"""A login page whose texts are not the label files' words: in a language the flow has no
label file for, the fields and the button are found by what does not depend on language
(autocomplete tokens, input types, field names), the labels only cross-check them, and each
difference is noted in the evidence; spelled with other spaces, the labels still match.

The replicas are test-only subclasses that serve their login page, to a browser without a
session, with every string replaced by a made-up word; the account's own pages after login stay
in its language, as on the real platforms (the login page follows the browser's language).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from fixtures.facebook import FacebookReplica
from fixtures.linkedin import LinkedInReplica
from flows.facebook import FacebookFlow
from flows.linkedin import LinkedInFlow
from optout_bot.flow import Flow
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica, ReplicaRequest, ReplicaResponse
from tests.conftest import FlowRunner, account
from tests.flows.cases import manifest_of, password_of

UNKNOWN = "zz"
PLACEHOLDER = re.compile(r"\{\w+\}")


def made_up(key: str, text: str) -> str:
    """A word no label file has, keeping the text's ``{placeholders}``."""
    word = "Vorp" + hashlib.sha256(key.encode()).hexdigest()[:6]
    return " ".join([word, *PLACEHOLDER.findall(text)])


def in_unknown_language(english: dict[str, str]) -> dict[str, str]:
    return {key: made_up(key, text) for key, text in english.items()}


class LinkedInInAnotherLanguage(LinkedInReplica):
    """Without a session, pages are in ``zz``: made-up words only."""

    foreign_pages = 0

    def text(self, locale: str) -> dict[str, str]:
        if locale == UNKNOWN:
            return in_unknown_language(super().text("en"))
        return super().text(locale)

    def page_locale(self, request: ReplicaRequest) -> str:
        if self._session(request) is None:
            self.foreign_pages += 1
            return UNKNOWN
        return super().page_locale(request)


class FacebookInAnotherLanguage(FacebookReplica):
    """Without a session, pages are in ``zz``, and no cookie dialog: the country this browser
    is in gets none (its button would be in the unknown language too, and that dialog is not
    what this test is about)."""

    foreign_pages = 0

    def text(self, locale: str) -> dict[str, str]:
        if locale == UNKNOWN:
            return in_unknown_language(super().text("en"))
        return super().text(locale)

    def page_locale(self, request: ReplicaRequest) -> str:
        if self._session(request) is None:
            self.foreign_pages += 1
            return UNKNOWN
        return super().page_locale(request)

    def page(
        self,
        request: ReplicaRequest,
        template: str,
        *,
        locale: str | None = None,
        status: int = 200,
        **context: Any,
    ) -> ReplicaResponse:
        if template == "login.html":
            context["modal"] = False
        return super().page(request, template, locale=locale, status=status, **context)


def changes(replica: Replica) -> list[str]:
    return [
        e["event"] for e in replica.log if e["event"] in ("setting_changed", "objection_confirmed")
    ]


@pytest.mark.parametrize(
    ("flow", "serve"),
    [(LinkedInFlow, LinkedInInAnotherLanguage), (FacebookFlow, FacebookInAnotherLanguage)],
    ids=["linkedin", "facebook"],
)
def test_a_login_page_in_a_language_without_labels_still_logs_in(
    flow: type[Flow],
    serve: type[LinkedInInAnotherLanguage | FacebookInAnotherLanguage],
    runner: FlowRunner,
) -> None:
    """Before: the login page was not recognised (ui_changed at log_in, no login sent)."""
    assert UNKNOWN not in flow.locales()
    replica = serve()
    user = account()
    replica.seed_account(
        login=user.login, password=password_of(user), email=user.email or "", country=user.country
    )

    result = runner.run(flow, replica, user)

    assert replica.foreign_pages >= 1  # the login page really was in the unknown language
    assert [a["ok"] for a in replica.login_attempts] == [True]
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(changes(replica)) == 1
    manifest = manifest_of(result)
    assert [s["name"] for s in manifest["steps"]][:2] == ["log_in", flow.STEPS[1].name]
    noted = manifest["notes"]["label_differs"]
    assert any(note.startswith("label differs: ") and "Vorp" in note for note in noted)
    assert not any(user.login in note or password_of(user) in note for note in noted)


ODD_SPACES = {
    "login_field": "Email\u00a0or\u200b  phone",
    "password": " Pass\u200bword",
    "sign_in": "SIGN\u202fIN",
}


class LinkedInWithOddSpaces(LinkedInReplica):
    """The sign-in page's labels with non-breaking, narrow and zero-width spaces, and capitals."""

    def text(self, locale: str) -> dict[str, str]:
        return {**super().text(locale), **ODD_SPACES}


def test_a_linkedin_login_label_spelled_with_other_spaces_still_names_its_field(
    runner: FlowRunner,
) -> None:
    """The label, matched after the one normalisation, still agrees with what the attributes
    found: no "label differs" note. Before: the zero-width space hid the login page."""
    replica = LinkedInWithOddSpaces()
    user = account()
    replica.seed_account(login=user.login, password=password_of(user), email=user.login)

    result = runner.run(LinkedInFlow, replica, user)

    assert result.outcome is Outcome.SUBMITTED, result.message
    assert [a["ok"] for a in replica.login_attempts] == [True]
    assert len(changes(replica)) == 1
    assert "label_differs" not in manifest_of(result)["notes"]
