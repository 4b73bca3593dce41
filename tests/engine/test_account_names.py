"""Account labels: any two labels get their own evidence folder and saved session, true
duplicates are refused, and the environment variable an error suggests reaches its account."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest

from optout_bot.browser.sessions import session_file
from optout_bot.errors import ConfigError
from optout_bot.records.evidence import EvidenceBundle
from optout_bot.settings import load_settings
from tests.engine.test_cli import evidence_folders
from tests.support.cli import optout_here

ALIKE = [("me", "me!"), ("민지", "서연"), ("work fb", "work-fb"), ("a/b", "a_b")]


@pytest.mark.parametrize(("first", "second"), ALIKE)
def test_labels_that_clean_up_alike_get_their_own_folder_and_session(
    tmp_path: Path, first: str, second: str
) -> None:
    folders = {
        EvidenceBundle.create(tmp_path, "facebook", label, {}).directory.parent
        for label in (first, second)
    }
    assert len(folders) == 2
    assert all(f.parent == tmp_path / "facebook" for f in folders)  # never outside its platform
    sessions = {session_file(tmp_path, "live", "facebook", label) for label in (first, second)}
    assert len(sessions) == 2
    assert all(s.parent == tmp_path / "live" / "facebook" for s in sessions)


@pytest.mark.browser  # the command starts a browser in this process
def test_two_accounts_whose_labels_clean_up_alike_both_object(tmp_path: Path) -> None:
    config = tmp_path / "optout-bot.toml"
    config.write_text(
        "[accounts.facebook.me]\nlogin = 'first@example.org'\npassword = 'pw-first-1'\n"
        "country = 'Germany'\n"
        "[accounts.facebook.'me!']\nlogin = 'second@example.org'\npassword = 'pw-second-2'\n"
        "country = 'Germany'\n",
        encoding="utf-8",
    )
    config.chmod(0o600)
    done = optout_here("--out", "ev", "--ledger", "l.sqlite3", "run", "--replica", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    folders = evidence_folders(tmp_path / "ev")
    assert len({f.parent for f in folders}) == 2, folders
    with sqlite3.connect(tmp_path / "l.sqlite3") as db:
        sent = sorted(db.execute("SELECT account, status FROM submissions").fetchall())
    assert sent == [("me", "confirmed"), ("me!", "confirmed")]


@pytest.mark.parametrize(
    ("first", "second"),
    [("Me", "me"), (unicodedata.normalize("NFC", "민지"), unicodedata.normalize("NFD", "민지"))],
)
def test_true_duplicate_labels_are_refused(tmp_path: Path, first: str, second: str) -> None:
    config = tmp_path / "optout-bot.toml"
    config.write_text(
        f"[accounts.facebook.\"{first}\"]\nlogin = 'a@example.org'\n"
        f"[accounts.facebook.\"{second}\"]\nlogin = 'b@example.org'\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="name the same account"):
        load_settings(config)


@pytest.mark.parametrize("label", ["Mina", "my fb", "민지", "me!"])
def test_the_environment_variable_the_error_suggests_reaches_the_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, label: str
) -> None:
    config = tmp_path / "optout-bot.toml"
    config.write_text(
        f"[accounts.facebook.\"{label}\"]\nlogin = 'mina@example.org'\n"
        "[accounts.facebook.other]\nlogin = 'other@example.org'\n"
        "password = 'pw-other'\n",
        encoding="utf-8",
    )
    config.chmod(0o600)
    done = optout_here("run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    [variable] = re.findall(r"set (OPTOUT_BOT_\S+), or run", done.stderr)
    monkeypatch.setenv(variable, "pw-from-the-suggested-variable")
    settings = load_settings(config)
    assert set(settings.accounts["facebook"]) == {label, "other"}
    password = settings.accounts["facebook"][label].password
    assert password is not None
    assert password.get_secret_value() == "pw-from-the-suggested-variable"
