"""The person's accounts: ``init`` stores passwords, ``login`` keeps a session signed in by
the person, ``logout`` deletes it."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated

import typer

from optout_bot.cli.base import _fail, app, out
from optout_bot.shown import printable

if TYPE_CHECKING:
    from optout_bot.settings import Settings


@app.command()
def logout(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="the account label, e.g. me")],
    platform: Annotated[str | None, typer.Option(help="only on this platform")] = None,
) -> None:
    """Delete the saved login of an account, so the next run logs in afresh."""
    from optout_bot.browser.sessions import delete_sessions

    settings: Settings = ctx.obj.settings()
    removed = delete_sessions(settings.output.sessions_dir, account, platform)
    if not removed:
        out.print(f"no saved session for {printable(repr(account))}")
    for path in removed:
        out.print(
            f"deleted the saved session of {path.parent.name}/{printable(account)} "
            f"({path.parent.parent.name})"
        )


@app.command()
def login(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="the account label, e.g. me")],
    platform: Annotated[str | None, typer.Option(help="only on this platform")] = None,
) -> None:
    """Sign in yourself, once, in a window: optout-bot waits until you are signed in and
    keeps that session (0600, outside the evidence) for later runs. Set
    sign_in = "yourself" on the account; no password is stored for it."""
    from optout_bot.browser import open_browser
    from optout_bot.run.jobs import plan_from_settings
    from optout_bot.run.yourself import log_in_yourself

    settings: Settings = ctx.obj.settings()
    plan = plan_from_settings(settings, [platform] if platform else [], account)
    if not plan.jobs:
        _fail(f"no configured account {printable(repr(account))}")
    headed = settings.browser.model_copy(update={"headless": False})
    with open_browser(headed) as browser:
        for job in plan.jobs:
            kept = log_in_yourself(settings, job, browser)
            out.print(
                f"kept the session of {job.flow.PLATFORM}/{printable(job.label)} "
                f"({kept.parent.parent.name}); runs now use it. When it expires, a run says "
                f"so: then run `optout-bot login {printable(job.label)}` again.",
                markup=False,
            )


@app.command()
def init(ctx: typer.Context) -> None:
    """Store each configured account's password in the system keyring (asked at a hidden
    prompt), so runs need neither a prompt nor a password in a file."""
    from optout_bot import keys, log

    settings: Settings = ctx.obj.settings()
    _fail_unless_keyring()
    accounts = [
        (p, label, a) for p, by_label in settings.accounts.items() for label, a in by_label.items()
    ]
    if not accounts:
        _fail(
            "no account is configured: add [accounts.<platform>.<label>] with a login to "
            "optout-bot.toml first"
        )
    for platform, label, account in accounts:
        typed = getpass.getpass(
            f"Password for {platform} account {printable(repr(label))} "
            f"({printable(account.login)}), empty to skip: "
        )
        if not typed:
            out.print(f"{platform}/{printable(label)}: skipped")
            continue
        log.redactor.add([typed])
        keys.store_password(platform, label, typed)
        out.print(f"{platform}/{printable(label)}: stored in the system keyring")


def _fail_unless_keyring() -> None:
    from optout_bot import keys

    reason = keys.unusable_reason()
    if reason is not None:
        _fail(
            f"cannot store passwords: {reason}; set OPTOUT_BOT_ACCOUNTS__<PLATFORM>__<LABEL>"
            "__PASSWORD or type them when asked instead"
        )
