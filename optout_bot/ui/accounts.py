"""Accounts as the page edits them: the same TOML file the command line reads (comments and
everything else in it kept, file mode 0600), passwords straight to the system keyring.

A password is never written to the file, never put back into a page, never logged: the page
only learns whether the keyring holds one.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import ValidationError

from optout_bot import keys
from optout_bot.errors import ConfigError
from optout_bot.log import redactor
from optout_bot.settings import Account

FIELDS = ("login", "email", "locale", "country", "jurisdiction", "reason")
MAIL_FIELDS = ("host", "user")


@dataclass(frozen=True)
class AccountRow:
    """What the page shows of one account: no secret, only whether one is stored."""

    platform: str
    label: str
    values: dict[str, str]
    password_stored: bool
    totp_set: bool
    yourself: bool = False


class AccountFile:
    """The configuration file: read and changed in place."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _document(self) -> tomlkit.TOMLDocument:
        if not self.path.is_file():
            return tomlkit.document()
        return tomlkit.parse(self.path.read_text(encoding="utf-8"))

    def _write(self, document: tomlkit.TOMLDocument) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(tomlkit.dumps(document))

    def rows(self) -> list[AccountRow]:
        accounts = self._document().get("accounts", {})
        found = []
        for platform, by_label in accounts.items():
            for label, table in by_label.items():
                values = {k: str(table[k]) for k in FIELDS if k in table}
                mail = table.get("mail", {})
                values |= {f"mail_{k}": str(mail[k]) for k in MAIL_FIELDS if k in mail}
                found.append(
                    AccountRow(
                        platform=str(platform),
                        label=str(label),
                        values=values,
                        password_stored=keys.stored_password(platform, label) is not None,
                        totp_set="totp_seed" in table,
                        yourself=table.get("sign_in") == "yourself",
                    )
                )
        return found

    def save(self, platform: str, label: str, form: dict[str, str], previous: str | None) -> None:
        """Add or change an account from the page's form; the form's secrets (password, mail
        app password) go to the keyring, the authenticator key to the 0600 file as the
        command line reads it. Refused, naming the field, when the command line would refuse."""
        password = form.get("password", "")
        mail_password = form.get("mail_password", "")
        redactor.add([s for s in (password, mail_password, form.get("totp_seed", "")) if s])
        document = self._document()
        accounts = document.setdefault("accounts", tomlkit.table(is_super_table=True))
        old: dict[str, Any] = {}
        if previous is not None and previous in accounts.get(platform, {}):
            old = dict(accounts[platform][previous])
        table = tomlkit.table()
        for name in FIELDS:
            value = form.get(name, "").strip()
            if value:
                table[name] = value
        seed = form.get("totp_seed", "").strip() or old.get("totp_seed")
        if seed:
            table["totp_seed"] = str(seed)
        if form.get("mail_host", "").strip():
            mail = tomlkit.table()
            for name in MAIL_FIELDS:
                mail[name] = form.get(f"mail_{name}", "").strip()
            table["mail"] = mail
        yourself = form.get("sign_in") == "yourself"
        if yourself:
            table["sign_in"] = "yourself"
        _validate(platform, label, table)
        if yourself:
            _may_sign_in_yourself(platform, label, password)
        by_platform = accounts.setdefault(platform, tomlkit.table(is_super_table=True))
        if previous is not None and previous != label:
            by_platform.pop(previous, None)
        by_platform[label] = table
        if yourself:
            _forget(keys.entry(platform, label))
        elif password:
            _store(platform, label, password)
        if mail_password:
            _store_mail(platform, label, mail_password)
        self._write(document)

    def remove(self, platform: str, label: str) -> None:
        document = self._document()
        by_platform = document.get("accounts", {}).get(platform)
        if by_platform is None or label not in by_platform:
            raise ConfigError(f"no account {platform}/{label}")
        by_platform.pop(label)
        self._write(document)
        forget_password(platform, label)


def _validate(platform: str, label: str, table: Any) -> None:
    from optout_bot.flow import registry

    registry.get_flow(platform)
    try:
        Account.model_validate(table.unwrap())
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"accounts.{platform}.{label}.{where}: {first['msg']}") from None


def _may_sign_in_yourself(platform: str, label: str, password: str) -> None:
    """Only where the flow can tell a signed-in page, and never with a password."""
    from optout_bot.flow import registry
    from optout_bot.run.yourself import declared

    declared(registry.get_flow(platform))
    if password:
        raise ConfigError(
            f"accounts.{platform}.{label}: an account you sign in to yourself keeps no "
            "password; leave the password empty"
        )


def _store(platform: str, label: str, password: str) -> None:
    reason = keys.unusable_reason()
    if reason is not None:
        raise ConfigError(f"cannot store the password: {reason}")
    keys.store_password(platform, label, password)


def _store_mail(platform: str, label: str, password: str) -> None:
    import keyring

    if keys.unusable_reason() is None:
        keyring.set_password(keys.SERVICE, keys.mail_entry(platform, label), password)


def forget_password(platform: str, label: str) -> None:
    """A removed account leaves nothing in the keyring."""
    for entry in (keys.entry(platform, label), keys.mail_entry(platform, label)):
        _forget(entry)


def _forget(entry: str) -> None:
    if keys.unusable_reason() is not None:
        return
    import keyring
    from keyring.errors import PasswordDeleteError

    with contextlib.suppress(PasswordDeleteError):
        keyring.delete_password(keys.SERVICE, entry)
