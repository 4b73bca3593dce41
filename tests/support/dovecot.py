"""A real IMAP server (Debian's Dovecot) on 127.0.0.1, started for a test with its own
configuration, users and mail in a temporary folder; nothing of the system's Dovecot is used."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import SecretStr

from optout_bot.records.mail import MailSettings, reachable

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
START_DEADLINE_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(root: Path, port: int, mail_user: str, internal_user: str, login_user: str) -> str:
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@contextmanager
def dovecot_server(
    user: str = "person@example.org", password: str | None = None
) -> Iterator[MailSettings]:
    """Yield the settings (with ``password``, else a fresh one) of one mailbox on a running
    Dovecot.

    Its folder is made directly in the system's temp folder: Dovecot's own users must be able
    to reach it, which pytest's private (0700) temp folders do not allow."""
    root = Path(tempfile.mkdtemp(prefix="optout-bot-imap-"))
    try:
        yield from _serve(root, user, password or secrets.token_urlsafe(12))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _serve(root: Path, user: str, password: str) -> Iterator[MailSettings]:
    if os.geteuid() == 0:
        mail_user, internal_user, login_user = "dovecot", "dovecot", "dovenull"
    else:  # an unprivileged Dovecot runs every process as the one user it has
        mail_user = internal_user = login_user = pwd.getpwuid(os.getuid()).pw_name
    for sub in ("run", "state", "home"):
        (root / sub).mkdir(parents=True)
    (root / "passwd").write_text(f"{user}:{{PLAIN}}{password}\n", encoding="utf-8")
    (root / "passwd").chmod(0o600)
    if os.geteuid() == 0:
        shutil.chown(root / "home", mail_user, mail_user)
        shutil.chown(root / "passwd", internal_user)  # Dovecot's auth process reads it
        root.chmod(0o755)
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port, mail_user, internal_user, login_user))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while not reachable("127.0.0.1", port, timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                stderr = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"Dovecot did not start: {stderr}{log}")
            time.sleep(0.05)  # a test helper polling a port, not a flow
        yield MailSettings(
            host="127.0.0.1", port=port, security="plain", user=user, password=SecretStr(password)
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
