"""Outside text in every output: Rich markup in a label or in the platform's words is shown as
typed, never read as markup; and options go where users type them."""

from __future__ import annotations

from pathlib import Path

import pytest

from optout_bot import cli
from optout_bot.outcome import Outcome
from optout_bot.records.ledger import Ledger
from optout_bot.run.engine import RunResult
from tests.engine.test_cli import evidence_folders, optout
from tests.support.cli import optout_here

MARKUP = "[/x] [red]me[/red] :smile:"


def test_a_label_with_markup_runs_and_shows_as_typed(tmp_path: Path) -> None:
    config = tmp_path / "optout-bot.toml"
    config.write_text(
        f"[accounts.facebook.\"{MARKUP}\"]\nlogin = 'mina@example.org'\n"
        "password = 'pw-markup-1'\ncountry = 'Germany'\n",
        encoding="utf-8",
    )
    config.chmod(0o600)
    done = optout_here("--out", "ev", "--ledger", "l.sqlite3", "run", "--replica", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"facebook/{MARKUP}: " in done.stdout  # the evidence line, in full
    assert len(evidence_folders(tmp_path / "ev")) == 1
    history = optout_here("--ledger", "l.sqlite3", "history", cwd=tmp_path)
    assert history.returncode == 0, history.stderr
    assert "[/x]" in history.stdout and "submitted" in history.stdout


def test_the_platform_s_words_with_markup_are_shown_as_typed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    words = "Objection [/x] received [bold]now[/bold] :warning:"
    cli._summary([RunResult("facebook", "me", Outcome.SUBMITTED, words, None)])
    shown = capsys.readouterr().out.replace("\n", " ")
    assert "[/x]" in shown and "[bold]now" in shown and ":warning:" in shown


def test_history_shows_markup_in_any_column_as_typed(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite3")
    run = ledger.start_run("facebook", "[/x]", "live", tmp_path / "[red]ev")
    ledger.finish_run(run, "submitted", "[/x] received", None)
    ledger.close()
    done = optout("--ledger", "l.sqlite3", "history", cwd=tmp_path, env={"COLUMNS": "400"})
    assert done.returncode == 0, done.stderr
    assert "[/x]" in done.stdout and "[red]ev" in done.stdout


def test_global_options_after_the_command_work(tmp_path: Path) -> None:
    done = optout_here("demo", "facebook", "--out", "ev", "--ledger=l.sqlite3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [folder] = evidence_folders(tmp_path / "ev")
    verified = optout_here("evidence", "verify", str(folder), "--ledger", "l.sqlite3", cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert "matches the ledger" in verified.stdout
    assert (tmp_path / "l.sqlite3").is_file()
