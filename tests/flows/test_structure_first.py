"""The Meta objection form found by its structure (flows/_meta/signals.toml), its labels only a
cross-check: a renamed control is still the one control in the form, but a second look-alike
in the form, a second form or another address stops the run naming what it found; and every
``ui_changed`` names the label key, the language and the file that holds it.

One decoy per structural rule; each test asserts what the replica received.
"""

from __future__ import annotations

import html
from typing import Any

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot.outcome import Outcome
from optout_bot.replica import ReplicaRequest, ReplicaResponse, route
from tests.conftest import FlowRunner, account
from tests.flows.cases import password_of

SEND = FacebookFlow.label_book().text("send", "en")
DECOY_PATH = "/help/contact/decoy"


def seeded(replica: FacebookReplica) -> Any:
    user = account()
    replica.seed_account(
        login=user.login, password=password_of(user), email=user.email or "", country=user.country
    )
    return user


class InsertingReplica(FacebookReplica):
    """The form page with ``extra`` put right after the form's opening tag (or, with
    ``before_form``, before the form)."""

    extra = ""
    before_form = False

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        response = super().render(template, **context)
        if template == "form.html":
            at = response.body.rindex("<form", 0, response.body.index('id="objection_form"'))
            if not self.before_form:
                at = response.body.index(">", at) + 1
            response.body = response.body[:at] + self.extra + response.body[at:]
        return response

    @route("POST", DECOY_PATH)
    def decoy_posted(self, request: ReplicaRequest) -> ReplicaResponse:
        self.record("decoy_posted", request)
        return ReplicaResponse(body="<h1>thanks</h1>")


EMAIL = FacebookFlow.label_book().text("email", "en")
REASON = FacebookFlow.label_book().text("reason", "en")


class SecondEmailInput(InsertingReplica):
    """A second email field in the form, named as the real one: neither structure nor words
    tell them apart."""

    extra = f'<input type="email" name="cc_email" aria-label="{html.escape(EMAIL)}">'


class SecondTextarea(InsertingReplica):
    extra = f'<textarea name="notes" aria-label="{html.escape(REASON)}"></textarea>'


class SecondEmailInputNamedOtherwise(InsertingReplica):
    """A second email field in the form under another name: the label picks the real one."""

    extra = '<input type="email" name="cc_email" aria-label="CC">'


class SecondFormBefore(InsertingReplica):
    """A second form before the objection form, whose submit button has the form's name."""

    before_form = True
    extra = (
        f'<form method="post" action="{DECOY_PATH}"><input type="text" name="q">'
        f'<button type="submit">{html.escape(SEND)}</button></form>'
    )


class RenamedSend(InsertingReplica):
    """The form's Send button under another name: the form still has one submit button."""

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        response = super().render(template, **context)
        if template == "form.html":
            response.body = response.body.replace(
                f'<button type="submit">{html.escape(SEND)}</button>',
                '<button type="submit">Transmit</button>',
            )
        return response


def test_a_second_email_input_in_the_form_stops_the_run_naming_both(runner: FlowRunner) -> None:
    replica = SecondEmailInput(version="2025")
    result = runner.run(FacebookFlow, replica, seeded(replica))
    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert "Email field: two candidates" in result.message
    assert replica.submissions == [] and replica.events("objection_received") == []


def test_of_two_email_inputs_the_one_the_label_names_gets_the_email(runner: FlowRunner) -> None:
    replica = SecondEmailInputNamedOtherwise(version="2025")
    user = seeded(replica)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    posted = [
        e["form"]
        for e in replica.log
        if e.get("method") == "POST" and "cc_email" in e.get("form", {})
    ]
    assert posted and all(form["cc_email"] == "" for form in posted)
    assert [s["email"] for s in replica.submissions] == [user.email]


def test_a_second_textarea_in_the_form_stops_the_run_naming_both(runner: FlowRunner) -> None:
    replica = SecondTextarea(version="2025")
    result = runner.run(FacebookFlow, replica, seeded(replica))
    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert "impact field: two candidates" in result.message
    assert replica.submissions == [] and replica.events("objection_received") == []


def test_a_second_forms_submit_button_is_never_pressed(runner: FlowRunner) -> None:
    """Before, by name alone: two Send buttons, so the run stopped; by structure, the one
    submit button of the form holding the email field is pressed, once."""
    replica = SecondFormBefore(version="2025")
    user = seeded(replica)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert replica.events("decoy_posted") == []
    assert [s["email"] for s in replica.submissions] == [user.email]


def test_a_renamed_send_button_is_the_forms_one_submit_button_and_the_label_differs(
    runner: FlowRunner,
) -> None:
    replica = RenamedSend(version="2025")
    user = seeded(replica)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert [s["email"] for s in replica.submissions] == [user.email]
    log = runner.log_file.read_text(encoding="utf-8")
    assert "label differs" in log and "Transmit" in log


def test_ui_changed_names_the_label_key_language_and_file(runner: FlowRunner) -> None:
    """The email field gone: the message says which key, in which language, in which file."""
    replica = FacebookReplica(version="2025", locale="de")
    replica.set_drift("email_removed")
    user = account(locale="de", country="Deutschland")
    replica.seed_account(
        login=user.login,
        password=password_of(user),
        email=user.email or "",
        country="DE",
        locale="de",
    )
    runner.settings.browser.timeout_ms = 4000  # the missing field is waited for this long
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert "Email field not found" in result.message
    assert "label 'email' (de, flows/_meta/labels/de.toml)" in result.message
    assert replica.submissions == []


MOVED_ID = "6359191084165000"


class MovedForm(FacebookReplica):
    """The same form served at another address too."""

    FORM_IDS = (*FacebookReplica.FORM_IDS, MOVED_ID)  # type: ignore[assignment]  # one more


class FlowToMovedForm(FacebookFlow):
    """The flow sent to that other address (as a redirect from a link would)."""

    URLS = {**FacebookFlow.URLS, "form": f"https://www.facebook.com/help/contact/{MOVED_ID}"}


def test_the_form_at_an_unexpected_address_stops_the_run_naming_it(runner: FlowRunner) -> None:
    replica = MovedForm(version="2025")
    result = runner.run(FlowToMovedForm, replica, seeded(replica))
    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert f"unexpected address '/help/contact/{MOVED_ID}'" in result.message
    assert replica.submissions == []
