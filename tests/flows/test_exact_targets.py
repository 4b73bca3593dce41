"""Hostile pages: a look-alike placed before the real control must never receive the user's
data or a click. What a flow acts on matches its whole name, and two candidates stop the run.

Each replica here is a small test-only subclass that adds one deceptive element to a real
page; every test asserts what the replica received, not only the outcome.
"""

from __future__ import annotations

import html
import re
from typing import Any

from fixtures.facebook import FacebookReplica
from fixtures.linkedin import LinkedInReplica
from flows.facebook import FacebookFlow
from flows.linkedin import LinkedInFlow
from optout_bot.outcome import Outcome
from optout_bot.replica import ReplicaRequest, ReplicaResponse, route
from tests.conftest import FlowRunner, account
from tests.flows.cases import password_of

TOGGLE = LinkedInFlow.label_book().text("toggle", "en")
EMAIL = FacebookFlow.label_book().text("email", "en")
SEND = FacebookFlow.label_book().text("send", "en")
DECOY_PATH = "/mypreferences/d/api/settings/ads-content"


class DecoySwitchReplica(LinkedInReplica):
    """LinkedIn's setting page with, above the real switch, one whose label only begins like
    it ("… in ads"). The decoy is on, works like a real switch, and stores its state."""

    decoy_on = True

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        response = super().render(template, **context)
        if template == "ai_setting.html":
            checked = " checked" if self.decoy_on else ""
            decoy = (
                f'<div><label for="ads-toggle">{html.escape(TOGGLE)} in ads</label>'
                f'<input type="checkbox" role="switch" id="ads-toggle"{checked} '
                f"onclick=\"fetch('{DECOY_PATH}', {{method: 'POST', headers: "
                "{'content-type': 'application/x-www-form-urlencoded'}, "
                "body: 'value=' + (this.checked ? 'on' : 'off')})\"></div>"
            )
            response.body = response.body.replace("</h1>", "</h1>" + decoy, 1)
        return response

    @route("POST", DECOY_PATH)
    def flip_decoy(self, request: ReplicaRequest) -> ReplicaResponse:
        self.decoy_on = request.form.get("value") == "on"
        self.record("decoy_changed", request, on=self.decoy_on)
        return ReplicaResponse.json({"value": "on" if self.decoy_on else "off"})


def test_a_look_alike_switch_before_the_real_one_is_never_read_or_flipped(
    runner: FlowRunner,
) -> None:
    """Before: the decoy was read (on), flipped, re-read (off) and the run said "submitted"
    while the real switch stayed on."""
    replica = DecoySwitchReplica()
    user = account(country=None)
    replica.seed_account(login=user.login, password=password_of(user), email=user.login)

    result = runner.run(LinkedInFlow, replica, user)

    assert replica.events("decoy_changed") == [] and replica.decoy_on
    changes = replica.events("setting_changed")
    if result.outcome is Outcome.SUBMITTED:  # acted on the real switch only
        assert len(changes) == 1 and not replica.training_on(user.login)
    else:  # or stopped, having touched nothing
        assert result.outcome is Outcome.UI_CHANGED, result.message
        assert changes == [] and replica.training_on(user.login)


class GuardianFieldReplica(FacebookReplica):
    """The objection form with, above the real email field, a guardian's email field whose
    label begins like the real one's."""

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        response = super().render(template, **context)
        if template == "form.html":
            guardian = (
                f'<div><label for="guardian_email">{html.escape(EMAIL)} of a parent or '
                'guardian</label><input type="email" id="guardian_email" '
                'name="guardian_email" value=""></div>'
            )
            response.body = re.sub(
                r'(<div id="objection_fields"[^>]*>)',
                lambda m: m.group(1) + guardian,
                response.body,
                count=1,
            )
        return response


def test_a_guardian_email_field_before_the_real_one_never_gets_the_users_email(
    runner: FlowRunner,
) -> None:
    """Before: the guardian's field (first, and its label contains "Email address") received
    the user's email."""
    replica = GuardianFieldReplica(version="2024")
    user = account(email="mina.objects@example.org")
    replica.seed_account(
        login=user.login, password=password_of(user), email=user.email or "", country=user.country
    )

    result = runner.run(FacebookFlow, replica, user)

    sent = [
        e["form"]
        for e in replica.log
        if e.get("method") == "POST" and "form" in e and "guardian_email" in e["form"]
    ]
    assert sent, "the form was never posted"
    assert all(form["guardian_email"] == "" for form in sent)
    if result.outcome is Outcome.SUBMITTED:
        assert [s["email"] for s in replica.submissions] == [user.email]
    else:
        assert result.outcome is Outcome.UI_CHANGED, result.message
        assert replica.submissions == []


class TwoSendButtonsReplica(FacebookReplica):
    """The objection form with a second, identical Send button."""

    def render(self, template: str, **context: Any) -> ReplicaResponse:
        response = super().render(template, **context)
        if template == "form.html":
            twin = f'<button type="submit">{html.escape(SEND)}</button>'
            response.body = response.body.replace(twin, twin + twin, 1)
        return response


def test_two_identical_send_buttons_stop_the_run_naming_both(runner: FlowRunner) -> None:
    """Before: the first of the two was pressed and the objection sent."""
    replica = TwoSendButtonsReplica(version="2025")
    user = account()
    replica.seed_account(
        login=user.login, password=password_of(user), email=user.email or "", country=user.country
    )

    result = runner.run(FacebookFlow, replica, user)

    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert f"two candidates: button '{SEND}', button '{SEND}'" in result.message
    assert replica.submissions == [] and replica.events("objection_received") == []
    assert [a["ok"] for a in replica.login_attempts] == [True]
