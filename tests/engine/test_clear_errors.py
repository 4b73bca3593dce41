"""A hostile machine or odd input ends in one clear line and exit 2, never "crashed"."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

from optout_bot import cli
from tests.engine.test_bad_input import _one_line_exit_2
from tests.engine.test_cli import evidence_folders, optout
from tests.support.cli import optout_here


def test_a_ledger_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "ledger-folder").mkdir()
    done = optout_here("--out", "ev", "--ledger", "ledger-folder", "demo", "facebook", cwd=tmp_path)
    _one_line_exit_2(done, "output.ledger: ledger-folder is a folder")
    shown = optout_here("--ledger", "ledger-folder", "history", cwd=tmp_path)
    _one_line_exit_2(shown, "output.ledger: ledger-folder is a folder")


def test_a_ledger_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("my shopping list\n" * 100)
    done = optout_here("--out", "ev", "--ledger", "notes.txt", "demo", "facebook", cwd=tmp_path)
    _one_line_exit_2(done, "output.ledger: notes.txt is not an optout-bot ledger")
    assert (tmp_path / "notes.txt").read_text() == "my shopping list\n" * 100
    shown = optout_here("--ledger", "notes.txt", "history", cwd=tmp_path)
    _one_line_exit_2(shown, "output.ledger: notes.txt is not an optout-bot ledger")


def test_a_nul_in_a_path_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "optout-bot.toml").write_text('[output]\nevidence_dir = "ev\\u0000x"\n')
    done = optout_here("--ledger", "l.sqlite3", "demo", "facebook", cwd=tmp_path)
    _one_line_exit_2(done, "output.evidence_dir: the path holds a NUL character")


def test_a_ten_kilobyte_label_is_one_short_line(tmp_path: Path) -> None:
    label = "x" * 10_000
    (tmp_path / "optout-bot.toml").write_text(
        f"[accounts.facebook.{label}]\nlogin = 'a@example.org'\npassword = 'pw'\n"
    )
    done = optout_here("--out", "ev", "--ledger", "l.sqlite3", "run", "--replica", cwd=tmp_path)
    _one_line_exit_2(done, "is 10000 characters long; use at most 100")
    assert len(done.stderr) < 400


def test_no_home_and_no_passwd_entry_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pwd

    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    monkeypatch.setattr(sys, "argv", ["optout-bot", "history"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 2
    shown = capsys.readouterr().err
    assert "cannot find your home folder" in shown and "set HOME or XDG_DATA_HOME" in shown
    assert "crashed" not in shown and len(shown.strip().splitlines()) == 1


def test_an_output_that_cannot_encode_korean_still_shows_the_results(tmp_path: Path) -> None:
    done = optout(
        "--out",
        "ev",
        "--ledger",
        "l.sqlite3",
        "demo",
        "facebook",
        "--locale",
        "ko",
        cwd=tmp_path,
        env={"PYTHONIOENCODING": "ascii", "LANG": "C", "LC_ALL": "C"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "crashed" not in done.stderr
    assert "submitted" in done.stdout and "\\u" in done.stdout  # Korean, escaped
    assert len(evidence_folders(tmp_path / "ev")) == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("scheme", ["http", "ws"])
def test_an_unreachable_browser_endpoint_is_one_line_with_its_key_masked(
    tmp_path: Path, scheme: str
) -> None:
    endpoint = (
        f"{scheme}://grid-user:key-canary-8812@127.0.0.1:{_closed_port()}/session"
        "?token=token-canary-7731"
    )
    done = optout_here(
        "-v",
        "--out",
        "ev",
        "--ledger",
        "l.sqlite3",
        "--browser-endpoint",
        endpoint,
        "demo",
        "facebook",
        cwd=tmp_path,
    )
    _one_line_exit_2(done, "browser.endpoint: cannot reach")
    assert "key-canary-8812" not in done.stdout + done.stderr
    assert "token-canary-7731" not in done.stdout + done.stderr
    assert "grid-user" not in done.stdout + done.stderr


def test_a_second_run_on_a_ledger_in_use_stops_naming_the_first(tmp_path: Path) -> None:
    from optout_bot.records.ledger import exclusive  # (here: the code before this test had none)

    with exclusive(tmp_path / "l.sqlite3"):
        done = optout("--out", "ev", "--ledger", "l.sqlite3", "demo", "facebook", cwd=tmp_path)
    _one_line_exit_2(done, f"another optout-bot run (pid {os.getpid()}) is using the ledger")
    assert evidence_folders(tmp_path / "ev") == []
    after = optout("--out", "ev", "--ledger", "l.sqlite3", "demo", "facebook", cwd=tmp_path)
    assert after.returncode == 0, after.stderr  # the lock went with its holder
