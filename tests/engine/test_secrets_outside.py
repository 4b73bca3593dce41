"""Secrets outside the browser: a login address that leaves the platform, a password a page sent
in its address, used one-time codes, files under ``umask 000`` and a config file others can
change. (A browser endpoint's access key: tests/engine/test_clear_errors.py.)"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot.errors import ConfigError
from optout_bot.outcome import Outcome
from optout_bot.replica import ReplicaRequest, ReplicaResponse
from optout_bot.scrub import spellings
from optout_bot.settings import load_settings
from tests.conftest import FlowRunner, account
from tests.conftest import seed as seed_account
from tests.engine.test_bad_input import _one_line_exit_2
from tests.engine.test_cli import evidence_folders
from tests.support.cli import optout_here

ACCOUNT = "[accounts.facebook.mina]\nlogin = 'mina@example.org'\ncountry = 'Germany'\n"
PASSWORD_ENV = {"OPTOUT_BOT_ACCOUNTS__FACEBOOK__MINA__PASSWORD": "pw-origin-canary-2231"}
ELSEWHERE = "https://www.facebook.com.evil.example/login/"


@pytest.mark.parametrize("source", ["toml", ".env", "environment"])
def test_a_login_address_outside_the_platform_is_refused(tmp_path: Path, source: str) -> None:
    config = ACCOUNT
    env = dict(PASSWORD_ENV)
    if source == "toml":
        config += f"[platforms.facebook.urls]\nlogin = '{ELSEWHERE}'\n"
    elif source == ".env":
        (tmp_path / ".env").write_text(f"OPTOUT_BOT_PLATFORMS__FACEBOOK__URLS__LOGIN={ELSEWHERE}\n")
    else:
        env["OPTOUT_BOT_PLATFORMS__FACEBOOK__URLS__LOGIN"] = ELSEWHERE
    (tmp_path / "optout-bot.toml").write_text(config)
    done = optout_here(
        "--out", "ev", "--ledger", "l.sqlite3", "run", "--replica", cwd=tmp_path, env=env
    )
    _one_line_exit_2(
        done,
        "platforms.facebook.urls.login: https://www.facebook.com.evil.example"
        "/login/ is not on facebook's own origins",
    )
    assert evidence_folders(tmp_path / "ev") == []


def test_a_login_address_on_the_platform_s_own_origin_is_still_followed(tmp_path: Path) -> None:
    (tmp_path / "optout-bot.toml").write_text(
        ACCOUNT + "[platforms.facebook.urls]\nlogin = 'https://www.facebook.com/login/?x=1'\n"
    )
    done = optout_here(
        "--out", "ev", "--ledger", "l.sqlite3", "run", "--replica", cwd=tmp_path, env=PASSWORD_ENV
    )
    assert done.returncode == 0, done.stdout + done.stderr


class LoginByGet(FacebookReplica):
    """A changed (or hostile) login page that sends its form by GET: the password ends up in
    the address of the page the browser shows next."""

    def handle(self, request: ReplicaRequest) -> ReplicaResponse:
        response = super().handle(request)
        if response.content_type.startswith("text/html"):
            body = response.body.replace(
                '<form method="post" action="/login/"', '<form method="get" action="/login/"'
            )
            response = dataclasses.replace(response, body=body)
        return response


def test_a_password_sent_in_an_address_is_not_recorded(runner: FlowRunner) -> None:
    password = "pw GET+canary/4411"
    user = account(password=password)
    replica = LoginByGet()
    seed_account(replica, user)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is not Outcome.SUBMITTED, result.message
    assert result.evidence_dir is not None
    manifest = (result.evidence_dir / "manifest.json").read_text()
    assert "pass=[redacted]" in manifest  # the address is kept, the password is not
    runner.ledger.close()
    recorded = [
        result.evidence_dir / "manifest.json",
        result.evidence_dir / "receipt.html",
        result.evidence_dir / "replica-requests.jsonl",
        runner.log_file,
        *runner.root.glob("ledger.sqlite3*"),
    ]
    for path in recorded:
        data = path.read_bytes()
        for spelling in spellings(password):
            assert spelling.encode() not in data, (path.name, spelling)


def test_used_one_time_codes_are_not_in_the_replica_log(runner: FlowRunner) -> None:
    seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    user = account(totp_seed=seed)
    replica = FacebookReplica(version="2024")  # the 2024 form also emails a code
    seed_account(replica, user, two_factor="totp", totp_seed=seed)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    totp = pyotp.TOTP(seed)
    codes = {totp.at(time.time() + shift) for shift in range(-120, 121, 30)}
    codes |= {m for mail in replica.mailbox for m in re.findall(r"\b\d{6}\b", mail.body)}
    assert len(codes) > 5 and replica.events("two_factor_passed")
    assert result.evidence_dir is not None
    logged = (result.evidence_dir / "replica-requests.jsonl").read_text()
    assert "approvals_code" in logged  # the request is logged, without its code
    for code in codes:
        assert f'"{code}"' not in logged and f"={code}" not in logged, code


def test_files_and_folders_stay_private_under_umask_000(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_BOT_")}
    environment["XDG_DATA_HOME"] = str(tmp_path / "data")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "optout_bot",
            "--out",
            "ev",
            "--ledger",
            "db/l.sqlite3",
            "demo",
            "facebook",
        ],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        umask=0,
    )
    assert done.returncode == 0, done.stderr
    created = [p for p in tmp_path.rglob("*")]
    assert any(p.name == "manifest.json" for p in created)
    assert any(p.name == "l.sqlite3" for p in created)
    assert any(p.suffix == ".json" and "sessions" in p.parts for p in created)
    loose = [
        f"{p.relative_to(tmp_path)} {stat.S_IMODE(p.stat().st_mode):o}"
        for p in created
        if stat.S_IMODE(p.stat().st_mode) & 0o077
    ]
    assert loose == []


@pytest.mark.parametrize("mode", [0o666, 0o620])
def test_a_config_file_others_can_change_is_refused_when_it_holds_a_password(
    tmp_path: Path, mode: int
) -> None:
    config = tmp_path / "optout-bot.toml"
    config.write_text(ACCOUNT + "password = 'pw-shared-file-1'\n")
    config.chmod(mode)
    with pytest.raises(
        ConfigError,
        match=r"holds a password or TOTP seed and other users can "
        r"change it .*chmod 600",
    ):
        load_settings(config)
    done = optout_here("run", cwd=tmp_path)
    _one_line_exit_2(done, "other users can change it")
    assert "pw-shared-file-1" not in done.stdout + done.stderr
    config.write_text(ACCOUNT)  # no secret in it: still usable
    assert "facebook" in load_settings(config).accounts
    config.chmod(0o600)
    config.write_text(ACCOUNT + "password = 'pw-shared-file-1'\n")
    assert "facebook" in load_settings(config).accounts


def test_a_dotenv_file_others_can_change_is_refused_when_it_holds_a_password(
    tmp_path: Path,
) -> None:
    (tmp_path / "optout-bot.toml").write_text(ACCOUNT)
    dotenv = tmp_path / ".env"
    dotenv.write_text("OPTOUT_BOT_ACCOUNTS__FACEBOOK__MINA__PASSWORD=pw-dotenv-1\n")
    dotenv.chmod(0o666)
    with pytest.raises(ConfigError, match="other users can change it"):
        load_settings()
