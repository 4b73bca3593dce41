"""The signals files (``flows/<p>/signals.toml``): what a flow finds pages and elements by
whatever their language. Each is knowledge about the real page, like a wording: a source a
reader can open and a date, or ``unconfirmed`` with where it was looked for."""

from __future__ import annotations

from pathlib import Path

import pytest

import flows
from optout_bot.flow import signals
from optout_bot.flow.registry import discover
from tests.flows.test_label_files import OPENABLE

FILES = sorted(Path(flows.__file__).parent.glob(f"*/{signals.FILE_NAME}"))


@pytest.mark.parametrize("path", FILES, ids=[p.parent.name for p in FILES])
def test_every_signal_has_a_source_or_says_where_it_was_looked_for(path: Path) -> None:
    for name, signal in signals.read_file(path).items():
        assert signal.what, name
        if signal.unconfirmed:
            assert signal.looked, name
        else:
            assert signal.source is not None and OPENABLE.fullmatch(signal.source), name
            assert signal.date is not None and len(signal.date) == 10, name


def test_the_meta_flows_linkedin_and_x_find_their_forms_and_switches_by_signals() -> None:
    for platform in ("facebook", "instagram", "threads"):
        names = set(signals.load(discover()[platform].label_folders()))
        assert {"form", "form_email", "form_reason", "form_send", "form_path"} <= names
    assert {"settings_path", "training_switch"} <= set(
        signals.load(discover()["linkedin"].label_folders())
    )
    assert {
        "login_field",
        "password_field",
        "log_in_button",
        "settings_path",
        "settings_panel",
        "training_checkbox",
    } <= set(signals.load(discover()["x"].label_folders()))


def test_a_signal_without_a_source_or_a_reason_is_refused(tmp_path: Path) -> None:
    path = tmp_path / signals.FILE_NAME
    path.write_text('[send]\ncss = "button"\nwhat = "x"\n', encoding="utf-8")
    with pytest.raises(signals.SignalError, match="needs a source and a date"):
        signals.read_file(path)
    path.write_text('[send]\ncss = "button"\nunconfirmed = true\n', encoding="utf-8")
    with pytest.raises(signals.SignalError, match="say where you looked"):
        signals.read_file(path)
    path.write_text('[send]\npath = "("\nunconfirmed = true\nlooked = "x"\n', encoding="utf-8")
    with pytest.raises(signals.SignalError, match="no regular expression"):
        signals.read_file(path)


def test_an_address_signal_matches_a_whole_path() -> None:
    form = signals.load([Path(flows.__file__).parent / "facebook"])["form_path"]
    assert form.matches_path("/help/contact/712876720715583")
    assert not form.matches_path("/help/contact/712876720715583/evil")
    assert not form.matches_path("/help/contact/9128767207155830")
