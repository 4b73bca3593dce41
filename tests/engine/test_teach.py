"""Teach mode: the person shows the element a renamed label hid, the run goes on, and later
runs use what they taught; nothing is taught once something may have been sent.

The person is played through Playwright: a script in the page notices the teach banner and
calls back into the test, which clicks the element as a person would (a real, trusted mouse
click, which is the only kind teach mode accepts).
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
from playwright.sync_api import Browser, BrowserContext

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot import browser as browsers
from optout_bot import labels
from optout_bot.errors import UiChanged
from optout_bot.flow import FORM_STEPS, Step
from optout_bot.flow.page import Target
from optout_bot.labels import Label
from optout_bot.labels import user as user_labels
from optout_bot.outcome import Outcome
from optout_bot.records.ledger import Ledger
from optout_bot.run import teach
from optout_bot.run.guard import SubmissionGuard
from optout_bot.run.retry import RetryPolicy
from optout_bot.run.steps import StepLoop
from optout_bot.settings import Account
from tests.conftest import FlowRunner, account, seed

RENAMED = FacebookFlow.label_book().text("page.send_renamed", "en")
NOTICES_BANNER = """
new MutationObserver(() => {
  if (!window.__personSaw && document.querySelector('[data-optout-teach-banner]')) {
    window.__personSaw = true;
    window.personSeesTeachBanner();
  }
}).observe(document, {childList: true, subtree: true});
"""


@dataclass
class Person:
    """Someone at the browser who, shown the teach banner, clicks the button named ``name``."""

    name: str
    clicks: list[str] = field(default_factory=list)

    def sits_at_every_new_browser_window(self, monkeypatch: pytest.MonkeyPatch) -> None:
        make = browsers.new_context

        def with_person(browser: Browser, *args: Any, **kwargs: Any) -> BrowserContext:
            context = make(browser, *args, **kwargs)
            context.expose_binding("personSeesTeachBanner", self.click)
            context.add_init_script(NOTICES_BANNER)
            return context

        monkeypatch.setattr(browsers, "new_context", with_person)

    def click(self, source: dict[str, Any]) -> None:
        page = source["page"]
        self.clicks.append(page.url)
        page.get_by_role("button", name=self.name, exact=True).click()


def drifted(user: Account) -> FacebookReplica:
    replica = FacebookReplica(locale=user.locale)
    replica.set_drift("send_renamed")
    seed(replica, user, locale=user.locale)
    return replica


def user_file(locale: str = "en") -> Path:
    return labels.user_labels_dir() / "facebook" / f"{locale}.toml"


def test_the_person_teaches_the_renamed_send_button_and_the_next_run_uses_it(
    runner: FlowRunner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user = account()
    person = Person(RENAMED)
    person.sits_at_every_new_browser_window(monkeypatch)

    # Headless, nobody can teach, even when asked to: the renamed button stops the run.
    untaught = drifted(user)
    runner.settings.browser.timeout_ms = 4000  # the missing button is waited for this long
    before = runner.run(FacebookFlow, untaught, user, label="headless", teach=True)
    runner.settings.browser.timeout_ms = 10_000
    assert before.outcome is Outcome.UI_CHANGED and "Send button" in before.message
    assert untaught.submissions == [] and person.clicks == [] and not user_file().exists()

    monkeypatch.setattr(teach, "HEADLESS_FOR_TESTS", True)
    replica = drifted(user)
    taught = runner.run(FacebookFlow, replica, user, label="taught", teach=True)
    # Submitted once: the person's click on the renamed button was only noted (had it reached
    # the page, the form would have been sent before the flow filled it in).
    assert taught.outcome is Outcome.SUBMITTED, taught.message
    assert len(replica.submissions) == 1 and len(replica.events("objection_received")) == 1
    assert len(person.clicks) == 1 and "/help/contact/" in person.clicks[0]

    path = user_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    [variant] = labels.read_file(path)["send"]
    assert (variant.text, variant.role, variant.taught) == (RENAMED, "button", True)
    assert not variant.confirmed and variant.source is not None
    assert variant.source.startswith("taught by the user on ")
    assert "https://www.facebook.com/help/contact/" in variant.source and "?" not in variant.source
    printed = capsys.readouterr().err
    assert user_labels.toml_lines("send", [variant]).strip() in printed
    assert "flows/_meta/labels/en.toml" in printed
    assert (
        f"Title: facebook (en): objection form: Send button is now \u201c{RENAMED}\u201d" in printed
    )
    assert "### What the real page says now" in printed

    # Later runs read the user's label, nobody teaching: the renamed button is found.
    monkeypatch.setattr(teach, "HEADLESS_FOR_TESTS", False)
    again = drifted(user)
    second = runner.run(FacebookFlow, again, user, label="later", teach=False)
    assert second.outcome is Outcome.SUBMITTED, second.message
    assert len(again.submissions) == 1 and len(person.clicks) == 1
    # ... and the replica, standing for the platform, still shows the project's wording.
    assert FacebookReplica(locale="en").text("en")["send"] != RENAMED


def test_nobody_answering_ends_as_ui_changed_when_the_time_is_up(
    runner: FlowRunner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(teach, "HEADLESS_FOR_TESTS", True)
    monkeypatch.setattr(teach, "WAIT_SECONDS", 1)
    user = account()
    replica = drifted(user)
    result = runner.run(FacebookFlow, replica, user, teach=True)
    assert result.outcome is Outcome.UI_CHANGED and "Send button not found" in result.message
    assert replica.submissions == [] and not user_file().exists()
    printed = capsys.readouterr().err
    assert "Click it in the browser window" in printed and "nobody chose in time" in printed


def test_only_lookups_named_by_a_label_key_can_be_taught() -> None:
    send, email = Label("send", ["Send", "Submit"]), Label("email", ["Email"])
    error = UiChanged(
        "Send button",
        step="fill",
        targets=[
            Target(role="button", name=send, exact=True),
            Target(label=email),
            Target(role="button", name=re.compile("Send")),
            Target(css="input[name=email]"),
            Target(text=send),
        ],
    )
    assert teach.wanted_in(error) == [
        teach.Wanted("send", "button", ("Send", "Submit")),
        teach.Wanted("email", None, ("Email",)),
    ]
    field_lookup = teach.wanted_in(error)[1]
    assert field_lookup.accepts("textbox") and not field_lookup.accepts("button")
    assert teach.wanted_in(UiChanged("page", tried=["text=x"])) == []


def test_a_taught_wording_comes_first_and_keeps_the_project_ones(tmp_path: Path) -> None:
    project = tmp_path / "flows" / "demo"
    (project / "labels").mkdir(parents=True)
    (project / "labels" / "en.toml").write_text(
        '[[send]]\ntext = "Send"\nsource = "https://example.org"\ndate = "2025-01-01"\n',
        encoding="utf-8",
    )
    from datetime import date

    variant = user_labels.taught_variant(
        'Send "it" now', "button", "https://example.org/form?token=abc#x", date(2026, 5, 1)
    )
    user_labels.remember("demo", "en", "send", variant)
    book = labels.load(labels.layer_dirs([project]))
    assert [v.text for v in book.variants("send", "en")] == ['Send "it" now', "Send"]
    assert book.label("send", "en") == 'Send "it" now'  # what the flow now looks for first
    assert book.text("send", "en") == "Send"  # what a replica shows: the project's
    assert variant.source == "taught by the user on 2026-05-01 at https://example.org/form"
    assert not book.unconfirmed("send", "en")  # the project's wording is still the sourced one


class _Recorder:
    facts: dict[str, Any]

    def __init__(self) -> None:
        self.facts = {}

    def note(self, key: str, value: Any) -> None:
        self.facts[key] = value


class _Checks:
    enabled = False


class _Flow:
    STEPS = FORM_STEPS

    def __init__(self, applied: Callable[[], bool]) -> None:
        self.is_applied = applied


class _Teacher:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def can_teach(self, error: UiChanged) -> bool:
        return True

    def teach(self, error: UiChanged) -> object:
        self.asked.append(error.element)
        return object()


def loop(
    tmp_path: Path, applied: Callable[[], bool], *, sent: bool = False
) -> tuple[StepLoop, _Teacher]:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    run_id = ledger.start_run("demo", "me", "replica", tmp_path)
    guard = SubmissionGuard(ledger, run_id, "demo", "me", "replica", _Log())
    guard.state_changed = sent
    teacher = _Teacher()
    steps = StepLoop(
        cast(Any, _Flow(applied)),
        recorder=cast(Any, _Recorder()),
        checks=cast(Any, _Checks()),
        guard=guard,
        retry=RetryPolicy(attempts=1),
        report=lambda *_: None,
        logged_in=lambda: None,
        log=_Log(),
        teacher=cast(Any, teacher),
    )
    return steps, teacher


class _Log:
    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


def missing(step: Step) -> UiChanged:
    return UiChanged("Send button", step=step.name, targets=[Target(role="button")])


SUBMIT = next(s for s in FORM_STEPS if s.changes_state)
CONFIRM = FORM_STEPS[-1]


def never(reason: str) -> Callable[[], bool]:
    def asked() -> bool:
        raise AssertionError(reason)

    return asked


def cannot_tell() -> bool:
    raise NotImplementedError


def test_nothing_is_taught_once_a_submit_was_pressed(tmp_path: Path) -> None:
    steps, teacher = loop(tmp_path, never("the guard decides without asking"), sent=True)
    assert steps._after_teaching(missing(CONFIRM)) is None
    assert teacher.asked == []


def test_a_submit_the_platform_has_ends_submitted_untaught(tmp_path: Path) -> None:
    steps, teacher = loop(tmp_path, lambda: True)
    outcome = steps._after_teaching(missing(SUBMIT))
    assert isinstance(outcome, tuple) and outcome[0] is Outcome.SUBMITTED
    assert teacher.asked == []


def test_a_submit_nobody_can_check_is_not_taught(tmp_path: Path) -> None:
    steps, teacher = loop(tmp_path, cannot_tell)
    assert steps._after_teaching(missing(SUBMIT)) is None
    assert teacher.asked == []


def test_a_submit_that_did_not_go_through_is_taught_and_restarts_at_its_form(
    tmp_path: Path,
) -> None:
    steps, teacher = loop(tmp_path, lambda: False)
    restart = steps._after_teaching(missing(SUBMIT))
    assert restart == [s.name for s in FORM_STEPS].index("open_form")
    assert teacher.asked == ["Send button"]


@pytest.mark.parametrize(
    ("wanted", "headless", "forced", "teaches"),
    [
        (None, False, False, True),
        (None, True, False, False),
        (False, False, False, False),
        (True, True, False, False),
        (True, True, True, True),
        (None, True, True, False),
    ],
)
def test_teach_mode_is_on_when_headed_and_never_headless(
    monkeypatch: pytest.MonkeyPatch,
    wanted: bool | None,
    headless: bool,
    forced: bool,
    teaches: bool,
) -> None:
    monkeypatch.setattr(teach, "HEADLESS_FOR_TESTS", forced)
    assert teach.allowed(wanted, headless) is teaches


def test_a_check_is_taught_walks_on_and_still_sends_nothing(
    runner: FlowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = account(locale="de", country="Deutschland")
    renamed = FacebookFlow.label_book().text("page.send_renamed", "de")
    person = Person(renamed)
    person.sits_at_every_new_browser_window(monkeypatch)
    monkeypatch.setattr(teach, "HEADLESS_FOR_TESTS", True)
    replica = drifted(user)
    checked = runner.run(FacebookFlow, replica, user, check=True, trust_ledger=False, teach=True)
    assert len(person.clicks) == 1
    assert checked.message == "check passed; nothing was sent"  # walked up to the submit
    assert checked.outcome is Outcome.CHECKED  # never "submitted": nothing was
    assert replica.submissions == [] and replica.events("objection_received") == []
    [variant] = labels.read_file(user_file("de"))["send"]
    assert (variant.text, variant.taught) == (renamed, True)
    # The page still differs from the project's baseline: the check says so, for the report.
    assert checked.check_verdict == "ui_changed"
