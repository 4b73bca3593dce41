"""The ``optout-bot`` command: demo, run, check, accounts, platforms, labels, history, evidence,
letter, new-platform, replica, ui. Each group of commands is a module here; importing them
registers them on ``app``, in the order ``--help`` lists them."""

from __future__ import annotations

import sys

import typer

from optout_bot.argv import global_options_first
from optout_bot.cli.base import _summary, app, err
from optout_bot.errors import ConfigError
from optout_bot.outcome import EXIT_CONFIG_ERROR, EXIT_CRASH
from optout_bot.shown import printable
from optout_bot.utf8_mode import ensure_utf8_mode

# Importing a group registers its commands; this order is the order `--help` lists them in.
# isort: off
from optout_bot.cli import run, check, accounts, contrib, platforms, evidence
# isort: on

__all__ = ["_summary", "app", "main"]
_GROUPS = (run, check, accounts, contrib, platforms, evidence)


def main() -> None:
    """Console entry point: expected failures print one line; crashes say what to do."""
    ensure_utf8_mode()
    _robust_streams()
    try:
        app(args=global_options_first(sys.argv[1:], typer.main.get_command(app)))
    except Exception as error:
        from optout_bot.log import redactor

        registry = sys.modules.get("optout_bot.flow.registry")  # loaded if it raised
        if isinstance(error, ConfigError) or (
            registry is not None and isinstance(error, registry.DuplicatePlatform)
        ):
            err.print(f"optout-bot: {printable(redactor.scrub(str(error)))}")
            sys.exit(EXIT_CONFIG_ERROR)
        # last resort: one readable line, no traceback
        err.print(
            f"optout-bot crashed: {type(error).__name__}: {printable(redactor.scrub(str(error)))}"
        )
        err.print("Please run again with -v and open a bug report with that output.")
        sys.exit(EXIT_CRASH)


def _robust_streams() -> None:
    """An output that cannot encode a character (``LANG=C``, an ASCII pipe) shows it as an
    escape instead of crashing after the work is done."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


from optout_bot.ui.command import register as _register_ui  # noqa: E402

_register_ui(app)

from optout_bot.cli.capture import register as _register_capture  # noqa: E402

_register_capture(app)
