"""Finding elements: controls match their whole name in any spelling and only one element may
answer; language-independent attributes come first and the label cross-checks them; pages are
still recognised by part of a text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page

from flows.linkedin import LinkedInFlow
from optout_bot import Target
from optout_bot.errors import AmbiguousElement, UiChanged
from optout_bot.flow import AccountView
from optout_bot.flow.page import label_matcher
from optout_bot.labels import Label


class Notes:
    """What the engine lends a flow, as far as these tests need: the evidence notes."""

    def __init__(self) -> None:
        self.notes: dict[str, Any] = {}

    def note(self, key: str, value: Any) -> None:
        self.notes[key] = value


def linkedin(page: Page, notes: Notes | None = None) -> LinkedInFlow:
    view = AccountView(
        platform="linkedin",
        label="me",
        login="m@example.org",
        email="m@example.org",
        locale="en",
        country=None,
        reason="",
        default_reason="",
        _password=lambda: "",
        _totp_seed=lambda: None,
    )
    flow = LinkedInFlow(page, view, services=notes or Notes())
    flow.timeout_ms = 2000
    flow.step = "log_in"
    return flow


def test_two_fields_answering_one_target_stop_the_step_naming_both(page: Page) -> None:
    page.set_content(
        '<label>Email address <input autocomplete="username"></label>'
        "<label>Email address of a parent or guardian "
        '<input autocomplete="email username"></label>'
    )
    with pytest.raises(AmbiguousElement) as stopped:
        linkedin(page).find("login field", Target(autocomplete="username"))
    assert isinstance(stopped.value, UiChanged)
    assert str(stopped.value) == (
        "log_in: login field: two candidates: textbox 'Email address', "
        "textbox 'Email address of a parent or guardian' (looked for autocomplete='username')"
    )


def test_a_control_matches_its_whole_name_however_it_is_spelled(page: Page) -> None:
    """A look-alike first ("Sign in with Apple"), then the real button in capitals with a
    non-breaking space: the real one, and only it, is what a flow presses."""
    page.set_content("<button>Sign in with Apple</button><button> SIGN\u00a0IN </button>")
    flow = linkedin(page)
    button = flow.find("Sign in button", Target(role="button", name=flow.label("sign_in")))
    assert button.count() == 1 and button.inner_text().strip() == "SIGN\u00a0IN"
    assert (
        flow.find("Sign in button", Target(role="button", name=flow.any_label("sign_in")))
        .inner_text()
        .strip()
        == "SIGN\u00a0IN"
    )


def test_a_control_with_only_a_look_alike_is_missing(page: Page) -> None:
    page.set_content(
        '<input type="checkbox" role="switch" aria-label="Use my data for '
        'training content creation AI models in ads">'
    )
    flow = linkedin(page)
    with pytest.raises(UiChanged, match="switch not found"):
        flow.find("switch", Target(role="switch", name=flow.label("toggle")))


def test_a_page_is_still_recognised_by_part_of_a_text(page: Page) -> None:
    wrong = LinkedInFlow.label_book().text("wrong_password", "en")
    page.set_content(f"<p>{wrong.replace(' ', chr(0xA0), 1)} Or reset it.</p><p>{wrong}</p>")
    flow = linkedin(page)
    assert flow.present(Target(text=flow.label("wrong_password")))
    assert flow.find("error", Target(text=flow.any_label("wrong_password"))).count() == 1


def test_an_attribute_comes_first_and_a_label_in_another_language_is_noted(page: Page) -> None:
    """``autocomplete`` holds a list of tokens; the field named otherwise than any wording of
    its label is still the field, and the difference goes into the evidence."""
    page.set_content(
        '<label for="u">Adresse e-mail ou téléphone</label>'
        '<input id="u" name="session_key" autocomplete="username webauthn">'
        '<label for="v">Email or phone</label><input id="v">'
    )
    notes = Notes()
    flow = linkedin(page, notes)
    field = flow.find(
        "login field", Target(autocomplete="username"), Target(label=flow.any_label("login_field"))
    )
    assert field.get_attribute("id") == "u"
    [noted] = notes.notes["label_differs"]
    assert noted.startswith(
        "label differs: login field is textbox 'Adresse e-mail ou téléphone', not 'Email or phone'"
    )
    assert (
        flow.find(
            "login field",
            Target(field_name="session_key"),
            Target(input_type="email"),
            Target(label=flow.label("login_field")),
        ).get_attribute("id")
        == "u"
    )
    assert len(notes.notes["label_differs"]) == 2


def test_an_attribute_whose_field_carries_the_label_notes_nothing(page: Page) -> None:
    page.set_content(
        '<form><label for="p">Password</label>'
        '<input id="p" type="password" autocomplete="current-password">'
        '<button type="button">Show</button><button>Sign in</button></form>'
        '<form><button type="submit">Sign in</button></form>'
    )
    notes = Notes()
    flow = linkedin(page, notes)
    password = flow.find(
        "password field",
        Target(autocomplete="current-password"),
        Target(label=flow.any_label("password")),
    )
    submit = flow.find(
        "Sign in button",
        Target(input_type="submit", within=flow.form_of(password)),
        Target(role="button", name=flow.any_label("sign_in")),
    )
    assert submit.evaluate("b => b.form === document.forms[0]")
    assert notes.notes == {}


def test_a_region_found_by_structure_agrees_with_the_label_of_its_heading(page: Page) -> None:
    """A confirmation found by its ``role="status"`` region (Meta's signal) is cross-checked
    by the heading inside it: its wording notes nothing, another wording is noted."""
    confirmed = "Your objection has been received"
    page.set_content(
        f'<div role="status"><h1>{confirmed}</h1><p>We will apply it from now on.</p></div>'
    )
    notes = Notes()
    flow = linkedin(page, notes)
    targets = (Target(css='[role="status"]'), Target(role="heading", name=confirmed))
    shown = flow.find("confirmation", *targets)
    assert shown.inner_text().startswith(confirmed)
    assert notes.notes == {}
    page.set_content('<div role="status"><h1>Thanks, we got it</h1></div>')
    assert flow.find("confirmation", *targets).inner_text() == "Thanks, we got it"
    [noted] = notes.notes["label_differs"]
    assert noted.startswith(f"label differs: confirmation is status, not '{confirmed}'")


@pytest.mark.parametrize(
    "shown",
    [
        "Email\u00a0or  phone",
        "Email or\u200b phone",
        "Email\u202for\tphone",
        " Email or\nphone\u200b",
        "EMAIL OR PHONE",
    ],
    ids=["nbsp-and-spaces", "zero-width-space", "narrow-nbsp-and-tab", "around", "capitals"],
)
def test_a_login_label_spelled_with_other_spaces_is_still_found(page: Page, shown: str) -> None:
    page.set_content(f'<label for="u">{shown}</label><input id="u">')
    flow = linkedin(page)
    assert flow.find("login field", Target(label=flow.any_label("login_field"))).count() == 1
    assert flow.find("login field", Target(label=flow.label("login_field"))).count() == 1


@pytest.mark.parametrize(
    ("value", "exact"),
    [
        (Label("send", ["Don't send", 'Say "no"', "Send >> now", "a`b"]), True),
        (Label("intro", ["How we use your information"]), False),
        ("Email or phone", True),
        (re.compile(r"Log\s*in"), True),
        (re.compile(r"Log\s*in", re.IGNORECASE | re.DOTALL), False),
    ],
)
def test_a_target_gives_the_selector_playwright_makes_of_its_compiled_pattern(
    page: Page, value: str | re.Pattern[str], exact: bool
) -> None:
    """Targets hand the browser their pattern's text without compiling it in Python; what
    Playwright receives is exactly what its own API makes of the compiled pattern."""
    for target, make in (
        (
            Target(role="heading", name=value, exact=exact),
            lambda m: page.get_by_role("heading", name=m),
        ),
        (
            Target(role="button", name=value, exact=exact),
            lambda m: page.get_by_role("button", name=m),
        ),
        (Target(label=value, exact=exact), page.get_by_label),
        (Target(text=value, exact=exact), page.get_by_text),
    ):
        compiled = label_matcher(value, exact or target.is_control)
        assert repr(target.locate(page)) == repr(make(compiled))
