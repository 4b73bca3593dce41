"""Bad input and a hostile machine: each case ends in one clear line (or a clear outcome),
with nothing half-written. Cases already covered elsewhere: malformed TOML, bad email, unknown
platform/account, missing password, bad TOTP seed (tests/engine/test_cli.py); wrong password
and a country the form does not list (tests/flows/)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Playwright

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot import browser as browsers
from optout_bot.errors import ConfigError
from optout_bot.outcome import Outcome
from optout_bot.records import evidence
from optout_bot.records.evidence import verify_bundle
from optout_bot.run.engine import Engine, Progress
from optout_bot.run.job import Job, Mode
from optout_bot.settings import BrowserSettings
from tests.conftest import FAST_RETRY, FlowRunner, account, seed
from tests.engine.test_cli import optout
from tests.support.cli import optout_here

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "[accounts.facebook.mina]\nlogin = 'mina@example.org'\ncountry = 'Germany'\n"


def _one_line_exit_2(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("optout-bot")]
    assert len(errors) == 1, done.stderr


def _keyring_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PYTHON_KEYRING_BACKEND": "tests.engine.keyring_file.FileKeyring",
        "TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
        "PYTHONPATH": str(ROOT),
    }


# --- output --------------------------------------------------------------------------------


def test_an_output_folder_that_cannot_be_written_stops_before_anything(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    done = optout_here(
        "--out", "a-file/evidence", "--ledger", "l.sqlite3", "demo", "facebook", cwd=tmp_path
    )
    _one_line_exit_2(done, "output.evidence_dir: cannot write to")
    assert not (tmp_path / "l.sqlite3").exists()


def test_a_disk_that_fills_up_mid_run_fails_clearly_and_keeps_what_was_written(
    runner: FlowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = {"n": 0}
    real_write = evidence.write_atomically

    def fills_up(path: Path, data: bytes) -> None:
        writes["n"] += 1
        if writes["n"] > 6:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real_write(path, data)

    monkeypatch.setattr(evidence, "write_atomically", fills_up)
    replica = FacebookReplica()
    user = account()
    seed(replica, user)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.FAILED
    assert "the evidence could not be written" in result.message
    assert "No space left on device" in result.message
    assert replica.submissions == []
    [run] = runner.ledger.runs()
    assert run.state == "finished" and run.outcome == "failed"
    assert run.manifest_sha256 is None  # the ledger does not vouch for an unfinished manifest
    assert result.evidence_dir is not None
    assert verify_bundle(result.evidence_dir) == []  # what was written is whole and listed
    assert not list(result.evidence_dir.glob(".*.partial"))


# --- browser -------------------------------------------------------------------------------


def test_a_browser_path_that_points_nowhere_is_one_line(tmp_path: Path) -> None:
    done = optout_here(
        "--browser",
        "/nowhere/chromium",
        "--out",
        "ev",
        "--ledger",
        "l.sqlite3",
        "demo",
        "facebook",
        cwd=tmp_path,
    )
    _one_line_exit_2(done, "browser.executable: /nowhere/chromium does not exist")


def test_no_browser_at_all_says_how_to_install_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browsers, "DEBIAN_CHROMIUM", Path("/nowhere/chromium"))
    monkeypatch.setattr(browsers, "DEBIAN_HEADLESS_SHELL", Path("/nowhere/headless-shell"))
    playwright = SimpleNamespace(chromium=SimpleNamespace(executable_path="/nowhere/bundled"))
    with pytest.raises(ConfigError, match="no browser found: install Debian's Chromium"):
        browsers.resolve_executable(BrowserSettings(), playwright)  # type: ignore[arg-type]


@pytest.mark.parametrize("installed", [("shell", "chromium"), ("chromium",)])
def test_debian_headless_runs_use_the_headless_shell_when_it_is_installed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, installed: tuple[str, ...]
) -> None:
    for name in installed:
        (tmp_path / name).touch()
    monkeypatch.setattr(browsers, "DEBIAN_CHROMIUM", tmp_path / "chromium")
    monkeypatch.setattr(browsers, "DEBIAN_HEADLESS_SHELL", tmp_path / "shell")
    playwright = SimpleNamespace(chromium=SimpleNamespace(executable_path="/nowhere/bundled"))
    headless = browsers.resolve_executable(BrowserSettings(), playwright)  # type: ignore[arg-type]
    headed = browsers.resolve_executable(
        BrowserSettings(headless=False),
        playwright,  # type: ignore[arg-type]
    )
    assert headless == tmp_path / installed[0]
    assert headed == tmp_path / "chromium"
    assert browsers.launch_args(BrowserSettings(), headless)[:1] == ["--no-sandbox"]


def _browser_pids(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker.encode() in cmdline and not any(a.startswith(b"--type=") for a in cmdline):
                found.append(int(entry.name))
    return found


def test_a_browser_that_crashes_mid_flow_fails_with_the_cause_and_sends_nothing(
    playwright: Playwright, tmp_path: Path
) -> None:
    marker = f"--optout-crash-test={os.getpid()}"
    own = browsers.launch(playwright, BrowserSettings(args=[marker]))
    runner = FlowRunner(own, tmp_path / "out")
    killed: list[int] = []

    def kill_at_fill(event: Progress) -> None:
        if event.event == "step" and event.step == "fill" and not killed:
            killed.extend(_browser_pids(marker))
            for pid in killed:
                os.kill(pid, 9)

    replica = FacebookReplica()
    user = account()
    seed(replica, user)
    try:
        engine = Engine(
            runner.settings, runner.ledger, own, progress=kill_at_fill, retry=FAST_RETRY
        )
        result = engine.run(
            Job(flow=FacebookFlow, label="me", account=user, mode=Mode.REPLICA, replicas=[replica])
        )
    finally:
        runner.ledger.close()
    assert killed, "the browser process was not found"
    assert result.outcome is Outcome.FAILED
    assert "the browser closed or crashed during fill" in result.message, result.message
    assert replica.submissions == [] and replica.events("objection_received") == []
    assert result.evidence_dir is not None and verify_bundle(result.evidence_dir) == []
    manifest = json.loads((result.evidence_dir / "manifest.json").read_text())
    assert manifest["outcome"] == "failed" and manifest["steps"][-1]["name"] == "fill"


# --- second factor -------------------------------------------------------------------------


def test_a_totp_seed_the_platform_rejects_is_not_retried(runner: FlowRunner) -> None:
    replica = FacebookReplica()
    user = account(totp_seed="CANARYZZQQ7CANARYZZQQ7CANARYZZQQ")
    seed(replica, user, two_factor="totp", totp_seed="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.LOGIN_FAILED, result.message
    assert "rejected the authenticator code" in result.message
    assert len(replica.events("two_factor_rejected")) == 1, result.message
    assert replica.submissions == []


# --- keyring -------------------------------------------------------------------------------


def test_init_without_a_keyring_says_so_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "optout-bot.toml").write_text(ACCOUNT, encoding="utf-8")
    done = optout(
        "init", cwd=tmp_path, env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    )
    _one_line_exit_2(done, "cannot store passwords: no system keyring backend is available")


def test_init_with_an_empty_config_names_what_to_add(tmp_path: Path) -> None:
    (tmp_path / "optout-bot.toml").write_text("", encoding="utf-8")
    done = optout("init", cwd=tmp_path, env=_keyring_env(tmp_path))
    _one_line_exit_2(done, "no account is configured: add [accounts.<platform>.<label>]")


def test_init_stores_the_password_and_runs_use_it_without_asking(tmp_path: Path) -> None:
    (tmp_path / "optout-bot.toml").write_text(ACCOUNT, encoding="utf-8")
    env = _keyring_env(tmp_path)
    stored = optout("init", cwd=tmp_path, env=env, stdin="pw-keyring-canary-6604\n")
    assert stored.returncode == 0, stored.stderr
    assert "facebook/mina: stored in the system keyring" in stored.stdout
    assert json.loads((tmp_path / "keyring.json").read_text()) == {
        "optout-bot:facebook/mina": "pw-keyring-canary-6604"
    }
    done = optout("--out", "ev", "--ledger", "l.sqlite3", "run", "--replica", cwd=tmp_path, env=env)
    assert done.returncode == Outcome.SUBMITTED.exit_code, done.stderr
    assert "password: missing" not in done.stderr
    for path in (tmp_path / "ev").rglob("*"):
        if path.is_file():
            assert b"pw-keyring-canary-6604" not in path.read_bytes(), path


def test_headed_device_approval_waits_for_the_person_then_continues(
    runner: FlowRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    """Headed: the terminal says what to do, the run waits until the page moves on (here the
    person approves on their phone a moment later), then finishes the objection."""
    import threading
    import time

    runner.settings.browser.headless = False  # the engine's notion; the test browser stays
    replica = FacebookReplica()
    user = account()
    seed(replica, user, two_factor="device")

    def person() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            runner.log_file.exists()
            and "waiting for the person" in runner.log_file.read_text(encoding="utf-8")
        ):
            time.sleep(0.05)  # the person looks at their phone now and then
        replica.approve_device(user.login)

    helper = threading.Thread(target=person, daemon=True)
    helper.start()
    result = runner.run(FacebookFlow, replica, user)
    helper.join(timeout=60)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert "approve this login on your other device" in capsys.readouterr().err
    assert len(replica.events("device_approved")) == 1
    assert len(replica.submissions) == 1
