"""A mailbox is data from strangers: messages in unknown charsets, broken MIME, huge ones, served
by a real IMAP server (Dovecot), never decide a run's outcome nor stop ``optout-bot mail``; a
password in any script logs in; no server answer carries the password to output or logs."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot.browser import secret_spellings
from optout_bot.imap import MailError, MailSettings
from optout_bot.outcome import Outcome
from optout_bot.records import mail as mail_module
from optout_bot.records.evidence import EvidenceBundle
from optout_bot.records.ledger import Ledger
from optout_bot.records.mail import MailPattern
from optout_bot.records.proof import Proof, find_email_proof
from optout_bot.replica.mail import SigningKey, deliver
from optout_bot.run.late_mail import collect_late_mail
from optout_bot.settings import Account, OutputSettings, Settings
from tests.conftest import FlowRunner, account, seed
from tests.engine.test_cli import optout
from tests.support.dovecot import dovecot_server

TO = "mina@example.org"
DOMAIN = FacebookFlow.CONFIRMATION_MAIL.domains[0] if FacebookFlow.CONFIRMATION_MAIL else ""
PATTERN = MailPattern(domains=(DOMAIN,), subjects=("objection",))
UNICODE_PASSWORD = 'Pässwörd-Кириллица-密码-"q\\'


def _hostile(subject: str, content_type: str, body: bytes, extra: str = "") -> bytes:
    """A message claiming to be the platform's, unsigned, as any stranger can send one."""
    now = format_datetime(datetime.now(UTC))
    head = (
        f"From: Facebook <security@{DOMAIN}>\r\nTo: {TO}\r\nSubject: {subject}\r\n"
        f"Date: {now}\r\nMIME-Version: 1.0\r\nContent-Type: {content_type}\r\n{extra}\r\n"
    )
    return head.encode("ascii") + body


HOSTILE = [
    _hostile("Your objection", 'text/plain; charset="x-unknown-9"', b"body\r\n"),
    _hostile("Your objection", 'text/plain; charset="\\xff"', b"\xff\xfe body\r\n"),
    _hostile(
        "=?x-nonexistent?q?objection?=",
        'multipart/alternative; boundary="b"',
        b"--b\r\nContent-Type: text/html; charset=x-bogus\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n@@@ not base64 @@@\r\n",
    ),
]


@pytest.fixture
def mailbox() -> Iterator[MailSettings]:
    with dovecot_server(user=TO) as settings:
        yield settings


def _password(settings: MailSettings) -> str:
    assert settings.password is not None
    return settings.password.get_secret_value()


def test_a_run_that_submitted_stays_submitted_whatever_the_mailbox_holds(
    runner: FlowRunner, mailbox: MailSettings
) -> None:
    for raw in HOSTILE:
        deliver(mailbox, _password(mailbox), raw)
    replica = FacebookReplica()
    user = account(mail=mailbox.model_copy(update={"wait_seconds": 0}))
    seed(replica, user)
    done = runner.run(FacebookFlow, replica, user)
    assert done.outcome is Outcome.SUBMITTED, done.message
    assert done.proof == Proof.PAGE_ONLY.value
    assert len(replica.events("objection_received")) == 1
    [row] = runner.ledger.runs()
    assert (row.outcome, row.proof) == ("submitted", "page only")


def test_unreadable_messages_are_skipped_and_noted_and_the_confirmation_is_found(
    tmp_path: Path, mailbox: MailSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FacebookFlow, "confirmation_mail", classmethod(lambda cls: PATTERN))
    monkeypatch.setattr(mail_module, "MAX_MESSAGE_BYTES", 64 << 10, raising=False)
    key = SigningKey.generate(DOMAIN)
    huge = _hostile("objection", "text/plain; charset=utf-8", b"x" * (200 << 10))
    for raw in [*HOSTILE, huge]:
        deliver(mailbox, _password(mailbox), raw)
    deliver(
        mailbox,
        _password(mailbox),
        key.sign(sender=f"security@{DOMAIN}", to=TO, subject="objection received", body="ok"),
    )
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    bundle = EvidenceBundle.create(tmp_path / "evidence", "facebook", "me", {"mode": "live"})
    run_id = ledger.start_run("facebook", "me", "live", bundle.directory)
    ledger.finish_run(run_id, "submitted", "sent", bundle.finish("submitted", "sent"))
    settings = Settings(
        accounts={"facebook": {"me": Account(login=TO, password=SecretStr("x"), mail=mailbox)}},
        output=OutputSettings(ledger=tmp_path / "ledger.sqlite3"),
    )
    [late] = collect_late_mail(settings, ledger, dns_lookup=key.dns())
    assert late.proof is Proof.EMAIL, late.result
    assert "1 message(s) could not be read, skipped" in late.result  # the huge one
    assert ledger.runs()[0].proof == "email"


def test_a_password_in_any_script_logs_in() -> None:
    with dovecot_server(user=TO, password=UNICODE_PASSWORD) as box:
        key = SigningKey.generate(DOMAIN)
        deliver(
            box,
            UNICODE_PASSWORD,
            key.sign(sender=f"security@{DOMAIN}", to=TO, subject="objection received", body="ok"),
        )
        since = datetime.now(UTC).replace(hour=0, minute=0)
        found = find_email_proof(box, UNICODE_PASSWORD, PATTERN, since, TO, key.dns())
    assert found is not None and found.dkim.verified, found


class QuotingServer:
    """An IMAP server that refuses every login and quotes back what it received, as some do:
    ``LOGIN`` with its quoted password, or ``AUTHENTICATE PLAIN``'s line, base64 and decoded."""

    def __init__(self, plain: bool) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.capability = b"IMAP4rev1 AUTH=PLAIN" if plain else b"IMAP4rev1"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as lines:
                self._session(conn, lines)

    def _session(self, conn: socket.socket, lines: object) -> None:
        conn.sendall(b"* OK [CAPABILITY " + self.capability + b"] ready\r\n")
        for line in iter(lines.readline, b""):  # type: ignore[attr-defined]
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            verb = rest.split(b" ", 1)[0].upper()
            if verb == b"CAPABILITY":
                conn.sendall(b"* CAPABILITY " + self.capability + b"\r\n" + tag + b" OK done\r\n")
            elif verb == b"AUTHENTICATE":
                conn.sendall(b"+ \r\n")
                answer = lines.readline().strip()  # type: ignore[attr-defined]
                decoded = base64.b64decode(answer).replace(b"\0", b" ")
                conn.sendall(tag + b" NO rejected " + answer + b" = " + decoded + b"\r\n")
            elif verb == b"LOGIN":
                conn.sendall(tag + b" NO [AUTHENTICATIONFAILED] rejected: " + rest + b"\r\n")
            else:
                conn.sendall(tag + b" BAD unknown\r\n")
                return

    def close(self) -> None:
        self.listener.close()


@pytest.mark.parametrize(
    ("plain", "password"),
    [(False, 'pw"Kx\\9!canary-QUOTED-2231'), (True, "pw-Ünï-canary-QUOTED-2231")],
    ids=["login-quoted-back", "authenticate-quoted-back"],
)
def test_a_server_quoting_the_login_back_never_shows_the_password(
    tmp_path: Path, plain: bool, password: str
) -> None:
    server = QuotingServer(plain)
    try:
        settings = MailSettings(host="127.0.0.1", port=server.port, security="plain", user=TO)
        with pytest.raises(MailError) as refused:
            find_email_proof(settings, password, PATTERN, datetime.now(UTC), TO)
        _assert_clean([("error", str(refused.value))], password)
        done = _mail_command(tmp_path, server.port, password)
    finally:
        server.close()
    assert done.returncode == 0, done.stderr
    assert "cannot read the mailbox" in done.stdout
    # The refused login closed its connection: this one-client-at-a-time server answered the
    # command's own connection (the refusal quoted back), instead of leaving it to time out.
    assert "rejected" in done.stdout and "timed out" not in done.stdout
    log_file = tmp_path / "log.jsonl"
    written = [("stdout", done.stdout), ("stderr", done.stderr)]
    written += [("log", log_file.read_text())] if log_file.exists() else []
    _assert_clean(written, password)


def _mail_command(tmp_path: Path, port: int, password: str) -> subprocess.CompletedProcess[str]:
    """``optout-bot mail`` for a run waiting for its confirmation, the mailbox at ``port``."""
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    bundle = EvidenceBundle.create(tmp_path / "evidence", "facebook", "me", {"mode": "live"})
    run_id = ledger.start_run("facebook", "me", "live", bundle.directory)
    ledger.finish_run(run_id, "submitted", "sent", bundle.finish("submitted", "sent"))
    ledger.close()
    config = tmp_path / "optout-bot.toml"
    config.write_text(
        f"[accounts.facebook.me]\nlogin = '{TO}'\n"
        f"[accounts.facebook.me.mail]\nhost = '127.0.0.1'\nport = {port}\n"
        f"security = 'plain'\nuser = '{TO}'\n[log]\nfile = 'log.jsonl'\nlevel = 'debug'\n"
    )
    os.chmod(config, 0o600)
    return optout(
        "--config",
        str(config),
        "--ledger",
        "ledger.sqlite3",
        "mail",
        cwd=tmp_path,
        env={"OPTOUT_BOT_ACCOUNTS__FACEBOOK__ME__MAIL__PASSWORD": password},
    )


def _assert_clean(written: list[tuple[str, str]], password: str) -> None:
    anyhow = secret_spellings.matcher([password])
    assert anyhow is not None
    quoted = password.replace("\\", "\\\\").replace('"', '\\"')
    forms = {
        quoted,
        str(password.encode())[2:-1],
        str(quoted.encode())[2:-1],
        base64.b64encode(password.encode()).decode(),
        base64.b64encode(f"\0{TO}\0{password}".encode()).decode(),
        json.dumps(password)[1:-1],
    }
    leaks = [
        (where, form) for where, text in written for form in forms if form and form in text
    ] + [(where, "matcher") for where, text in written if anyhow.search(text)]
    assert leaks == []
