"""Labels as data: loading, layering, normalising, matching, and what a flow records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from fixtures.linkedin import LinkedInReplica
from flows.linkedin import LinkedInFlow
from optout_bot import Target, labels
from optout_bot.check.reports import write_junit
from optout_bot.errors import ConfigError
from optout_bot.flow import AccountView
from optout_bot.run.engine import RunResult
from tests.conftest import FlowRunner, account

ENGLISH = """# test labels
[[send]]
text = "Send"
unconfirmed = true

[[send]]
text = "Submit"
source = "https://example.org/guide"
date = "2025-05-14"

[[wrong]]
text = "That's not right."
unconfirmed = true

[[page.intro]]
text = "Hello {name}"
unconfirmed = true
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("That's not right.", "That\u2019s not right."),
        ("That's not right.", "That\u02bcs  not\u00a0right."),
        ("Grok & Third-party", "Grok &\u202fThird-party"),
        ('Say "yes"', "Say \u201cyes\u201d"),
        ("Senden", "  Senden\n"),
    ],
)
def test_one_normalisation_irons_out_apostrophes_quotes_and_spaces(typed: str, shown: str) -> None:
    assert labels.normalise(typed) == labels.normalise(shown)
    assert labels.pattern([typed], whole=True).search(shown)


def test_normalise_casefolds_only_when_asked() -> None:
    assert labels.normalise("STRASSE", casefold=True) == labels.normalise("straße", casefold=True)
    assert labels.normalise("Send") != labels.normalise("send")


def test_a_pattern_is_exact_when_whole_and_a_substring_otherwise() -> None:
    whole = labels.pattern(["Log in"], whole=True)
    assert whole.search("Log in") and not whole.search("Log in with Facebook")
    assert not whole.search("log in")  # exact is case-sensitive, as Playwright's exact
    part = labels.pattern(["Log in"], ignore_case=True)
    assert part.search("Log in with Facebook") and part.search("LOG IN")
    assert labels.pattern(["a.b (c)"]).search("a.b (c)") and not labels.pattern(["a.b"]).search(
        "axb"
    )


def test_a_file_lists_every_variant_with_its_source(tmp_path: Path) -> None:
    table = labels.read_file(write(tmp_path / "en.toml", ENGLISH))
    assert [v.text for v in table["send"]] == ["Send", "Submit"]
    assert table["send"][1].source == "https://example.org/guide" and table["send"][1].confirmed
    assert not table["send"][0].confirmed
    assert "page.intro" in table


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('[[send]]\ntext = "Send"\n', "needs a source and a date, or unconfirmed = true"),
        ('[[send]]\ntext = "Send"\nsource = "https://example.org"\n', "needs a source and a date"),
        ('[[send]]\ntext = ""\nunconfirmed = true\n', "needs a non-empty text"),
        (
            '[[send]]\ntext = "Send"\nunconfirmed = true\ncolour = "red"\n',
            "unknown field(s) colour",
        ),
        ('send = "Send"\n', "must be one or more [[send]] tables"),
        ("[[send]\n", "cannot read label file"),
    ],
)
def test_a_malformed_file_is_one_readable_error(tmp_path: Path, text: str, complaint: str) -> None:
    path = write(tmp_path / "de.toml", text)
    with pytest.raises(ConfigError) as caught:
        labels.read_file(path)
    assert complaint in str(caught.value) and "de.toml" in str(caught.value)


def test_layers_add_languages_and_replace_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "flows" / "demo"
    write(project / "labels" / "en.toml", ENGLISH)
    user = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(user))
    write(
        user / "optout-bot" / "labels" / "demo" / "en.toml",
        '[[send]]\ntext = "Send it"\nunconfirmed = true\n',
    )
    extra = tmp_path / "extra"
    write(extra / "demo" / "xx.toml", '[[send]]\ntext = "Fraq"\nunconfirmed = true\n')
    monkeypatch.setenv(labels.LABELS_PATH_ENV, str(extra))
    book = labels.load(labels.layer_dirs([project]))
    assert book.locales() == ("en", "xx")
    assert [v.text for v in book.variants("send", "en")] == ["Send it"]  # replaced, key by key
    assert book.text("wrong", "en") == "That's not right."  # untouched keys stay
    assert book.text("send", "xx") == "Fraq"
    assert book.text("wrong", "xx") == "That's not right."  # English where xx has none
    assert book.texts("xx")["page.intro"] == "Hello {name}"
    assert book.flow_keys() == ("send", "wrong")


def test_a_label_carries_every_wording_and_reads_as_the_current_one(tmp_path: Path) -> None:
    write(tmp_path / "demo" / "labels" / "en.toml", ENGLISH)
    book = labels.load([tmp_path / "demo" / "labels"])
    label = book.label("send", "en")
    assert label == "Send" and f"{label}!" == "Send!"
    assert label.variants == ("Send", "Submit")
    assert book.unconfirmed("wrong", "en") and not book.unconfirmed("send", "en")


class _Page:
    """Enough of a page for a flow that only looks up labels."""

    def on(self, event: str, handler: Callable[..., Any]) -> None:
        pass


def view(locale: str) -> AccountView:
    return AccountView(
        platform="linkedin",
        label="me",
        login="m@example.org",
        email="m@example.org",
        locale=locale,
        country=None,
        reason="",
        default_reason="",
        _password=lambda: "",
        _totp_seed=lambda: None,
    )


GUESSED = (
    '[[sign_in]]\ntext = "Einloggen"\nunconfirmed = true\n'
    '[[login_field]]\ntext = "E-Mail oder Telefon"\nunconfirmed = true\n'
    '[[toggle]]\ntext = "Daten für KI verwenden"\nunconfirmed = true\n'
)


def test_a_flow_records_the_labels_each_step_relied_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(labels.LABELS_PATH_ENV, str(tmp_path / "guessed"))
    write(
        tmp_path / "guessed" / "linkedin" / "de.toml",
        "".join(
            f'[[{key}]]\ntext = "{key} (de)"\nunconfirmed = true\n'
            for key in ("sign_in", "login_field", "toggle")
        ),
    )
    flow = LinkedInFlow(_Page(), view("de"), services=None)
    flow.step = "log_in"
    flow.label("sign_in")
    flow.any_label("login_field")
    flow.step = "turn_off"
    flow.label("toggle")
    assert flow.unconfirmed_used("log_in") == ["login_field", "sign_in"]
    assert flow.unconfirmed_used("turn_off") == ["toggle"]
    write(
        tmp_path / "sourced" / "linkedin" / "de.toml",
        '[[sign_in]]\ntext = "Einloggen"\n'
        'source = "https://example.org/anleitung"\ndate = "2025-11-03"\n',
    )
    monkeypatch.setenv(labels.LABELS_PATH_ENV, str(tmp_path / "sourced"))
    confirmed = LinkedInFlow(_Page(), view("de"), services=None)
    confirmed.step = "log_in"
    confirmed.label("sign_in")
    assert confirmed.labels_used("log_in") == {"sign_in": False}
    assert confirmed.unconfirmed_used("log_in") == []


def test_a_flow_finds_a_label_however_the_page_spells_it(page: Page) -> None:
    """The label file writes the wrong-password message with a straight apostrophe and plain
    spaces; the page shows a typographic apostrophe and non-breaking spaces."""
    wrong = LinkedInFlow.label_book().text("wrong_password", "en")
    assert "'" in wrong and " " in wrong
    shown = wrong.replace("'", "\u2019").replace(" ", "\u00a0", 2)
    page.set_content(f'<button>Sign\u00a0in</button><p role="alert">{shown}</p>')
    flow = LinkedInFlow(page, view("en"), services=None)
    flow.timeout_ms = 2000
    assert (
        flow.find(
            "Sign in button", Target(role="button", name=flow.label("sign_in"), exact=True)
        ).count()
        == 1
    )
    assert flow.present(Target(text=flow.label("wrong_password")))
    assert flow.present(Target(text=flow.any_label("wrong_password")))
    assert not flow.present(Target(role="button", name=flow.label("toggle")))


def test_check_reports_and_the_log_say_which_steps_relied_on_unconfirmed_labels(
    runner: FlowRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(labels.LABELS_PATH_ENV, str(tmp_path / "labels"))
    write(
        tmp_path / "labels" / "linkedin" / "en.toml",
        GUESSED.replace("Einloggen", "Sign in")
        .replace("E-Mail oder Telefon", "Email or phone")
        .replace("Daten für KI verwenden", "Use my data for training content creation AI models"),
    )

    def checked(label: str) -> RunResult:
        replica = LinkedInReplica()
        user = account(country=None)
        assert user.password is not None
        replica.seed_account(
            login=user.login, password=user.password.get_secret_value(), email=user.login
        )
        return runner.run(LinkedInFlow, replica, user, label=label, check=True, trust_ledger=False)

    guessed = "\nunconfirmed = true\n"
    write(
        tmp_path / "guessed" / "linkedin" / "en.toml",
        '[[toggle]]\ntext = "Use my data for training content creation AI models"'
        + guessed
        + '[[sign_in]]\ntext = "Sign in"'
        + guessed,
    )
    monkeypatch.setenv(labels.LABELS_PATH_ENV, str(tmp_path / "guessed"))
    first = checked("guessed")
    steps = {c.step: c.unconfirmed for c in first.checks}
    assert "toggle" in steps["open_settings"] and "sign_in" in steps["log_in"]
    assert "step relied on unconfirmed labels" in runner.log_file.read_text()
    junit = tmp_path / "check.xml"
    write_junit([first], junit)
    assert "relied on unconfirmed labels: " in junit.read_text()

    sourced = '\nsource = "https://example.org/linkedin-help"\ndate = "2025-11-03"\n'
    write(
        tmp_path / "overlay" / "linkedin" / "en.toml",
        '[[toggle]]\ntext = "Use my data for training content creation AI models"' + sourced,
    )
    monkeypatch.setenv(labels.LABELS_PATH_ENV, str(tmp_path / "overlay"))
    second = checked("sourced")
    assert second.check_verdict == "ok"
    assert "toggle" not in {k for c in second.checks for k in c.unconfirmed}
