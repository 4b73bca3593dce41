"""The command as a user runs it: the demo in a real process with its exit code; runs against
the replica and the one-line errors through the same entry point in the test's own process
(what a process of its own adds, kills, locales and encodings, is tested in ``test_killed_run``,
``test_crash`` and ``test_hostile_local``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from optout_bot.flow import registry
from optout_bot.outcome import EXIT_CODES, Outcome
from tests.support.cli import evidence_folders, optout, optout_here

__all__ = ["evidence_folders", "optout"]  # other test modules import them from here


def test_demo_submits_on_the_replica_and_says_where_the_evidence_is(tmp_path: Path) -> None:
    done = optout("--out", "ev", "--ledger", "ledger.sqlite3", "demo", "facebook", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "submitted" in done.stdout and "facebook" in done.stdout
    [folder] = evidence_folders(tmp_path / "ev")
    assert str(folder.relative_to(tmp_path)) in done.stdout.replace("\n", "")
    received = [
        json.loads(line) for line in (folder / "replica-requests.jsonl").read_text().splitlines()
    ]
    assert [r["event"] for r in received].count("objection_received") == 1
    verified = optout_here(
        "--ledger", "ledger.sqlite3", "evidence", "verify", str(folder), cwd=tmp_path
    )
    assert verified.returncode == 0 and "matches the ledger" in verified.stdout
    history = optout_here("--ledger", "ledger.sqlite3", "history", cwd=tmp_path)
    assert "facebook" in history.stdout and "submitted" in history.stdout


def test_run_without_accounts_stops_instead_of_running_the_demo(tmp_path: Path) -> None:
    done = optout_here("--out", "ev", "--ledger", "l.sqlite3", "run", "facebook", cwd=tmp_path)
    assert done.returncode == 2, done.stderr  # a cron job never takes a demo for done
    assert "no account is configured" in done.stderr and "optout-bot init" in done.stderr
    assert not (tmp_path / "ev").exists()


def test_run_with_a_configured_account_against_the_replica(tmp_path: Path) -> None:
    (tmp_path / "optout-bot.toml").write_text(
        "[accounts.facebook.mina]\nlogin = 'mina@example.org'\nlocale = 'de'\n"
        "country = 'Deutschland'\n",
        encoding="utf-8",
    )
    env = {"OPTOUT_BOT_ACCOUNTS__FACEBOOK__MINA__PASSWORD": "pw-cli-canary-5519"}
    first = optout_here(
        "--out",
        "ev",
        "--ledger",
        "l.sqlite3",
        "run",
        "--replica",
        "--page-version",
        "2024",
        cwd=tmp_path,
        env=env,
    )
    assert first.returncode == EXIT_CODES[Outcome.SUBMITTED], first.stderr
    second = optout_here(
        "--out", "ev", "--ledger", "l.sqlite3", "run", "--replica", cwd=tmp_path, env=env
    )
    assert second.returncode == EXIT_CODES[Outcome.ALREADY_DONE]
    assert "already_done" in second.stdout
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"pw-cli-canary-5519" not in path.read_bytes(), path
    assert "pw-cli-canary-5519" not in first.stdout + first.stderr


def test_a_changed_byte_in_the_evidence_fails_verification(tmp_path: Path) -> None:
    assert (
        optout_here(
            "--out", "ev", "--ledger", "l.sqlite3", "demo", "linkedin", cwd=tmp_path
        ).returncode
        == 0
    )
    folder = evidence_folders(tmp_path / "ev")[0]
    shot = sorted(folder.glob("*.png"))[0]
    data = bytearray(shot.read_bytes())
    data[100] ^= 0xFF
    shot.write_bytes(bytes(data))
    verified = optout_here("evidence", "verify", str(folder), cwd=tmp_path)
    assert verified.returncode == 1
    assert f"FAILED {shot.name}: changed" in verified.stderr


@pytest.mark.parametrize(
    ("config", "args", "expected"),
    [
        (
            "[accounts.facebook.me]\nlogin = 'a@example.org'\nemail = 'nope'\n",
            ["run"],
            "accounts.facebook.me.email: 'nope' is not an email address",
        ),
        (
            "[accounts.facebook.me]\nlogin = 'a@example.org'\n",
            ["run"],
            "accounts.facebook.me.password: missing",
        ),
        ("", ["run", "myspace"], "unknown platform 'myspace'"),
        (
            "[accounts.facebook.me]\nlogin = 'a@example.org'\npassword = 'x'\n",
            ["run", "--account", "nobody"],
            "unknown account 'nobody'",
        ),
        ("[browser\n", ["run"], "cannot read configuration"),
        ("", ["demo", "--locale", "fr"], "--locale: 'fr' is not one of en, de, ko"),
        (
            "[accounts.facebook.me]\nlogin = 'a@example.org'\ntotp_seed = 'not-a-seed!'\n",
            ["run"],
            "accounts.facebook.me.totp_seed: the TOTP seed must be base32",
        ),
        ("", ["demo", "--faults", "1.5"], "--faults: 1.5 is not a share between 0 and 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, config: str, args: list[str], expected: str
) -> None:
    (tmp_path / "optout-bot.toml").write_text(config, encoding="utf-8")
    done = optout_here(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_help_documents_every_exit_code(tmp_path: Path) -> None:
    shown = optout_here("--help", cwd=tmp_path).stdout
    for outcome in Outcome:
        assert f"{outcome.exit_code:>3}  {outcome.value}" in shown


def test_platforms_lists_each_flow_with_its_address(tmp_path: Path) -> None:
    shown = optout_here("platforms", cwd=tmp_path)
    assert shown.returncode == 0
    assert "facebook" in shown.stdout and "facebook.com/help/contact" in shown.stdout
    assert "working" not in shown.stdout  # a language at 7% confirmed is not "working"
    share = re.compile(r"^ +flow strings with a public source: en \d+/\d+ \(\d+%\) · de ", re.M)
    assert len(share.findall(shown.stdout)) == len(registry.discover())


def test_verbose_header_shows_versions_and_each_settings_source_with_secrets_masked(
    tmp_path: Path,
) -> None:
    (tmp_path / "optout-bot.toml").write_text(
        "[accounts.facebook.me]\nlogin = 'me@example.org'\nlocale = 'de'\n", encoding="utf-8"
    )
    (tmp_path / ".env").write_text("OPTOUT_BOT_BROWSER__TIMEOUT_MS=9000\n", encoding="utf-8")
    env = {"OPTOUT_BOT_ACCOUNTS__FACEBOOK__ME__PASSWORD": "pw-header-canary-3141"}
    done = optout_here("-v", "--ledger", "l.sqlite3", "history", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    header = done.stderr
    assert "# optout-bot " in header and "# Playwright " in header
    assert "# flow facebook v1, labels checked" in header
    assert "accounts.facebook.me.locale = de  [toml]" in header
    assert "accounts.facebook.me.password = **********  [env]" in header
    assert "browser.timeout_ms = 9000.0  [.env]" in header
    assert "output.ledger = l.sqlite3  [cli]" in header
    assert "pw-header-canary-3141" not in header + done.stdout
