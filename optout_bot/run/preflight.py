"""Checks before a browser starts: can the evidence and the ledger be written at all? Failing
here, with one line naming the setting, beats failing after a submission was sent."""

from __future__ import annotations

import os
from pathlib import Path

from optout_bot.errors import ConfigError
from optout_bot.files import open_private, private_dir
from optout_bot.settings import Settings


def check_output_writable(settings: Settings) -> None:
    """ConfigError naming the setting when its folder cannot be created or written."""
    for setting, folder in (
        ("output.evidence_dir", settings.output.evidence_dir),
        ("output.ledger", settings.output.ledger.parent),
    ):
        try:
            _probe(folder)
        except OSError as error:
            raise ConfigError(
                f"{setting}: cannot write to {folder} "
                f"({error.strerror or error}); choose another folder"
            ) from None


def _probe(folder: Path) -> None:
    private_dir(folder)
    probe = folder / f".optout-bot-write-test-{os.getpid()}"
    os.close(open_private(probe, os.O_WRONLY))
    probe.unlink()
