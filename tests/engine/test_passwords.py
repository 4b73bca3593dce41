"""A password is whatever the person chose: non-ASCII ones log in on every platform."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.engine.test_cli import optout

PLATFORMS = ("facebook", "instagram", "threads", "x", "linkedin")
PASSWORD = "pässwörd-비밀번호-✓"


def test_a_non_ascii_password_works_on_every_replica(tmp_path: Path) -> None:
    config = "".join(
        f"[accounts.{p}.mina]\nlogin = 'mina.{p}@example.org'\ncountry = 'Germany'\n"
        for p in PLATFORMS
    )
    (tmp_path / "optout-bot.toml").write_text(config, encoding="utf-8")
    env = {f"OPTOUT_BOT_ACCOUNTS__{p.upper()}__MINA__PASSWORD": PASSWORD for p in PLATFORMS}
    done = optout("--out", "ev", "--ledger", "l.sqlite3", "run", "--replica", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    with sqlite3.connect(tmp_path / "l.sqlite3") as db:
        outcomes = dict(db.execute("SELECT platform, outcome FROM runs").fetchall())
    assert outcomes == dict.fromkeys(PLATFORMS, "submitted")
    for path in (tmp_path / "ev").rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
