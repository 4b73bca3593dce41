"""Passwords in the system keyring (``keyring``): stored by ``optout-bot init``, read when the
configuration has none, before anyone is prompted. Nothing here ever logs a password.

Entries live under the service ``optout-bot`` with the user name ``<platform>/<label>``.
"""

from __future__ import annotations

from pydantic import SecretStr

from optout_bot.settings import Account

SERVICE = "optout-bot"


def entry(platform: str, label: str) -> str:
    return f"{platform}/{label}"


def unusable_reason() -> str | None:
    """None when a keyring backend can store secrets; else why not, in a few words."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return "the keyring package is not installed"
    try:
        backend = keyring.get_keyring()
    except Exception as error:  # a broken backend configuration
        return f"the keyring backend failed to load ({type(error).__name__})"
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return (
            "no system keyring backend is available (no Secret Service, KWallet or macOS Keychain)"
        )
    return None


def stored_password(platform: str, label: str) -> str | None:
    """The keyring's password for the account, or None (also when there is no keyring)."""
    if unusable_reason() is not None:
        return None
    import keyring

    try:
        return keyring.get_password(SERVICE, entry(platform, label)) or None
    except Exception:  # a locked or broken keyring is the same as an empty one here
        return None


def store_password(platform: str, label: str, password: str) -> None:
    import keyring

    keyring.set_password(SERVICE, entry(platform, label), password)


def with_stored_password(platform: str, label: str, account: Account) -> Account:
    """The account, with its password from the keyring when the configuration has none."""
    if account.password is not None and account.password.get_secret_value():
        return account
    stored = stored_password(platform, label)
    if stored is None:
        return account
    from optout_bot.log import redactor

    redactor.add([stored])
    return account.model_copy(update={"password": SecretStr(stored)})


def mail_entry(platform: str, label: str) -> str:
    """The keyring entry of the account's mailbox app password."""
    return f"{entry(platform, label)}/mail"


def mail_password(platform: str, label: str, account: Account) -> str | None:
    """The IMAP app password: from the configuration, else the keyring."""
    if account.mail is None:
        return None
    if account.mail.password is not None and account.mail.password.get_secret_value():
        return account.mail.password.get_secret_value()
    if unusable_reason() is not None:
        return None
    import keyring

    try:
        stored = keyring.get_password(SERVICE, mail_entry(platform, label)) or None
    except Exception:  # a locked or broken keyring is the same as an empty one here
        return None
    if stored:
        from optout_bot.log import redactor

        redactor.add([stored])
    return stored
