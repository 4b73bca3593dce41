"""An IMAP mailbox: where it is, how to reach it safely, and the one connection routine.

Used to read the platform's confirmation (``optout_bot.records.mail``) and, in tests and the
demo, by replicas to deliver it (``optout_bot.replica.mail``). Never logs the password.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import ipaddress
import ssl
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from optout_bot.scrub import spellings
from optout_bot.shown import printable

IMAP_TIMEOUT_SECONDS = 30


class MailSettings(BaseModel):
    """The mailbox where the platform's confirmation arrives (``[accounts.<p>.<label>.mail]``).

    The app password is best kept in the keyring (``optout-bot init``); plain IMAP without TLS
    is only allowed to this machine, so it is never sent over a network in clear.
    """

    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, description="IMAP server, e.g. imap.gmail.com")
    port: int | None = Field(
        default=None, ge=1, le=65535, description="default: 993 for tls, 143 otherwise"
    )
    security: Literal["tls", "starttls", "plain"] = "tls"
    user: str = Field(min_length=1, description="the mailbox's login")
    password: SecretStr | None = Field(default=None, description="app password; keyring")
    folder: str = "INBOX"
    wait_seconds: float = Field(
        default=120, ge=0, description="how long to wait for the email after a run"
    )

    @model_validator(mode="after")
    def _plain_only_on_this_machine(self) -> MailSettings:
        if self.security == "plain" and not is_loopback(self.host):
            raise ValueError(
                f"mail.security = 'plain' sends the password in clear: only "
                f"allowed for a server on this machine, not {self.host!r}"
            )
        return self

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "tls" else 143)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def connect(settings: MailSettings, password: str) -> imaplib.IMAP4:
    """A logged-in connection; a refused login closes the connection at once (a server that
    serves one client at a time would otherwise wait for us until the socket is collected)."""
    host, port = settings.host, settings.effective_port
    client: imaplib.IMAP4 | None = None
    try:
        if settings.security == "tls":
            client = imaplib.IMAP4_SSL(
                host, port, ssl_context=ssl.create_default_context(), timeout=IMAP_TIMEOUT_SECONDS
            )
        else:
            client = imaplib.IMAP4(host, port, timeout=IMAP_TIMEOUT_SECONDS)
            if settings.security == "starttls":
                client.starttls(ssl.create_default_context())
        log_in(client, settings.user, password)
    except (OSError, imaplib.IMAP4.error, UnicodeError) as error:
        if client is not None:
            with contextlib.suppress(OSError):
                client.shutdown()
        raise MailError(
            f"cannot read the mailbox {settings.user} at {host}:{port}: "
            f"{server_said(error, settings.user, password)}"
        ) from None
    return client


def log_in(client: imaplib.IMAP4, user: str, password: str) -> None:
    """Log in with a password in any script: ``AUTHENTICATE PLAIN`` carries UTF-8; without
    it, ``LOGIN`` takes a non-ASCII password as a literal (``LOGIN`` quoting is ASCII only)."""
    if "AUTH=PLAIN" in client.capabilities:
        blob = f"\0{user}\0{password}".encode()
        client.authenticate("PLAIN", lambda _challenge: blob)
    elif password.isascii():
        client.login(user, password)
    else:
        raw: Any = client  # imaplib sends ``literal`` as the command's last argument
        raw.literal = password.encode("utf-8")
        status, answer = raw._simple_command("LOGIN", raw._quote(user))
        if status != "OK":
            raise imaplib.IMAP4.error(answer[-1].decode("utf-8", "replace") if answer else "")
        raw.state = "AUTH"


MAX_ANSWER = 300


def server_said(error: BaseException, user: str, password: str) -> str:
    """What the server (or the connection) answered, as one short line without the password
    in any form a server or ``imaplib`` might quote it back: as typed, IMAP-quoted, as the
    escaped bytes of an error message, URL-encoded, or base64 as ``AUTHENTICATE`` sent it."""
    text = " ".join(str(error).split())
    if password:
        quoted_form = password.replace("\\", "\\\\").replace('"', '\\"')
        forms = {
            password,
            quoted_form,
            str(password.encode("utf-8"))[2:-1],
            str(quoted_form.encode("utf-8"))[2:-1],
            base64.b64encode(password.encode("utf-8")).decode("ascii"),
            base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii"),
            *spellings(password),
        }
        for form in sorted((f for f in forms if f), key=len, reverse=True):
            text = text.replace(form, "**********")
    return printable(text[:MAX_ANSWER])


class MailError(Exception):
    """The mailbox could not be read (one line, never the password)."""


def without(text: str, secret: str) -> str:
    return text.replace(secret, "**********") if secret else text


def quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
