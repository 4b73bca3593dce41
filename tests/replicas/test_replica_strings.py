"""Every built-in replica shows only strings from its platform's label files.

Each replica is walked through every page it has (logins, errors, interstitials, the form or
setting in each page version, the answers), in every language its label files have; see
tests/replicas/strings.py for what counts as explained.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pytest

from fixtures._meta import MetaReplica
from fixtures.linkedin import EARLY_REGIONS_WITHOUT_SETTING, LinkedInReplica
from fixtures.x import SETTINGS_PATH, TASK_PATH, XReplica
from optout_bot.replica import Replica, ReplicaResponse, replica_class
from tests.replicas.client import ReplicaClient
from tests.replicas.strings import (
    EMAIL,
    LONG_REASON,
    PASSWORD,
    SEED,
    SHORT_REASON,
    Walk,
    assert_shows_only_label_strings,
    unexplained,
)

# --- the walks, one per kind of replica -----------------------------------------------------------


def walk_meta(walk: Walk) -> None:
    replica = walk.replica
    assert isinstance(replica, MetaReplica)
    origin, login_path = replica.ORIGINS[0], replica.LOGIN_PATH
    form = f"{replica.form_origin}{replica.FORM_PREFIX}{replica.FORM_IDS[0]}"

    fields = replica.login_form

    def log_in(
        client: ReplicaClient, login: str, password: str = PASSWORD, next_url: str = form
    ) -> ReplicaResponse:
        return client.post(
            origin + login_path,
            **{fields.login_field: login, fields.password_field: password, "next": next_url},
        )

    first = walk.client()
    first.get(origin + login_path)  # under the cookie dialog
    first.post(origin + "/cookie/consent/", choice="all", next=login_path)
    log_in(first, "nobody@example.org")
    ann = walk.seed("ann", country="Germany")
    log_in(first, ann, "wrong password")
    log_in(first, ann)
    if "/accounts/onetap/" in first.url:  # Instagram asks to save the login info first
        first.post(first.url, save="no", next=form)
    first.get(origin + "/")
    router = {"ai_request": "yes"} if walk.locale == "de" else {}
    first.post(form, **router, email="", reason="")
    if replica.version == "2024":
        first.post(form, **router, country="DE", email=EMAIL, reason=SHORT_REASON)
        first.post(form, **router, country="DE", email=EMAIL, reason=LONG_REASON)
        first.post(form + "/confirm", code="000000x")
        code = re.findall(r"\d{6}", replica.mailbox[-1].body)[0]
        first.post(form + "/confirm", code=code)
    else:
        first.post(form, **router, email=EMAIL, reason=SHORT_REASON)
    first.get(form)  # on record now
    if walk.locale == "de":
        log_in(walk.client(), walk.seed("ben"))
        walk.clients[-1].post(form, ai_request="no")
    log_in(walk.client(), walk.seed("bob", blocked=True))
    checked = walk.client()
    log_in(checked, walk.seed("cat", checkpoint=True))
    checked.post(origin + "/checkpoint/", captcha_response="?")
    coded = walk.client()
    log_in(coded, walk.seed("dan", two_factor="totp", totp_seed=SEED))
    coded.post(origin + "/two_step_verification/authentication/", approvals_code="000000")
    coded.post(
        origin + "/two_step_verification/authentication/", approvals_code=pyotp.TOTP(SEED).now()
    )
    log_in(walk.client(), walk.seed("eve", two_factor="device"))
    asked = walk.client()
    log_in(asked, walk.seed("fay", reauth=True))
    asked.post(asked.url, **{fields.password_field: "wrong", "next": form})
    log_in(walk.client(), walk.seed("hal", region="US"))
    log_in(walk.client(), walk.seed("ida", is_page=True))
    if replica.labels.has("login_problem", "en"):  # Instagram's generic refusal
        log_in(walk.client(), walk.seed("jon", login_problem=True))


def walk_x(walk: Walk) -> None:
    origin = "https://x.com"
    assert isinstance(walk.replica, XReplica)
    walk.replica.cookie_bar = True
    client = walk.client()
    client.get(origin + "/i/flow/login")

    def step(token: str, subtask: str, **value: str) -> dict[str, Any]:
        client.post(origin + TASK_PATH, flow_token=token, subtask=subtask, **value)
        return client.answers[-1]

    client.post(origin + TASK_PATH + "?flow_name=login", redirect_after_login="/home")
    token = str(client.answers[-1]["flow_token"])
    step(token, "identifier", value="nobody")
    walk.seed(
        EMAIL,
        username="mina_k",
        unusual_activity=True,
        two_factor="totp",
        totp_seed=SEED,
        memory_visibility="show",
    )
    step(token, "identifier", value=EMAIL)
    step(token, "unusual", value="someone_else")
    step(token, "unusual", value="mina_k")
    step(token, "password", password="wrong")
    step(token, "password", password=PASSWORD)
    step(token, "two_factor", value="000000")
    step(token, "two_factor", value=pyotp.TOTP(SEED).now())
    client.get(origin + "/home")
    client.get(origin + SETTINGS_PATH)
    young = walk.client()
    walk.seed("young@example.org", age=16, username="mina.k")
    young.post(origin + TASK_PATH + "?flow_name=login", redirect_after_login=SETTINGS_PATH)
    token = str(young.answers[-1]["flow_token"])
    young.post(
        origin + TASK_PATH, flow_token=token, subtask="identifier", value="young@example.org"
    )
    young.post(origin + TASK_PATH, flow_token=token, subtask="password", password=PASSWORD)
    young.get(origin + SETTINGS_PATH)


def walk_linkedin(walk: Walk) -> None:
    origin = "https://www.linkedin.com"
    submit = origin + "/checkpoint/lg/login-submit"
    assert isinstance(walk.replica, LinkedInReplica)
    walk.replica.visitor_region = "EU"  # the cookie banner shows
    script = {"accept": "application/json"}  # how the 2026 page sends the credentials
    client = walk.client()
    client.get(origin + "/login")
    for login, password in (("", "x"), ("nobody@example.org", "x")):
        client.post(submit, session_key=login, session_password=password)
        client.post_with(submit, script, session_key=login, session_password=password)
    walk.seed(EMAIL)
    client.post(submit, session_key=EMAIL, session_password="wrong")
    client.post_with(submit, script, session_key=EMAIL, session_password="wrong")
    client.post(submit, session_key=EMAIL, session_password=PASSWORD)
    client.post(origin + "/cookie-consent", choice="deny")
    client.get(origin + "/feed/")
    client.get(origin + "/mypreferences/d/categories/privacy")
    client.get(origin + "/mypreferences/d/settings/data-for-ai-improvement")
    client.post_with(
        origin + "/mypreferences/d/api/settings/data-for-ai-improvement",
        {"csrf-token": client.cookies["JSESSIONID"]},
        value="off",
    )
    client.get(origin + "/mypreferences/d/settings/data-for-ai-improvement")
    client.get(origin + "/mypreferences/d/categories/privacy")
    for login, kind, field in (
        ("checked@example.org", "captcha", "answer"),
        ("pin@example.org", "email_pin", "pin"),
    ):
        checked = walk.client()
        walk.seed(login, checkpoint=kind)
        checked.post(submit, session_key=login, session_password=PASSWORD)
        checked.post(checked.url, **{field: "?"})
    if walk.replica.regions_without_setting:
        away = walk.client()
        walk.seed("away@example.org", region="EU")
        away.post(submit, session_key="away@example.org", session_password=PASSWORD)
        away.get(origin + "/mypreferences/d/categories/privacy")


WALKS: dict[str, Callable[[Walk], None]] = {
    "facebook": walk_meta,
    "instagram": walk_meta,
    "threads": walk_meta,
    "x": walk_x,
    "linkedin": walk_linkedin,
}


def replicas_of(platform: str, locale: str) -> Iterator[Replica]:
    """Every page version of the platform's replica (LinkedIn's also where it hides the
    setting)."""
    cls = replica_class(platform)
    for version in cls.VERSIONS:
        yield cls(version=version, locale=locale)
    if cls is LinkedInReplica:
        yield LinkedInReplica(locale=locale, regions_without_setting=EARLY_REGIONS_WITHOUT_SETTING)


CASES = [
    (platform, locale) for platform in sorted(WALKS) for locale in replica_class(platform).locales()
]


@pytest.mark.parametrize(("platform", "locale"), CASES, ids=[f"{p}-{loc}" for p, loc in CASES])
def test_a_replica_shows_only_label_strings(platform: str, locale: str) -> None:
    assert_shows_only_label_strings(platform, replicas_of(platform, locale), WALKS[platform])


def test_a_hard_coded_string_is_caught() -> None:
    """The check itself can fail: a text no label file has is reported."""
    replica = replica_class("facebook")()
    shown = ["Facebook – log in or sign up", "Objection sent!", "mina.k@example.org ·"]
    assert unexplained(replica, "en", shown) == ["Objection sent!"]
