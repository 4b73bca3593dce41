"""The mail domains a bundle's platform signs its confirmations with, for re-checking the
DKIM signature of an email kept in the bundle: a valid signature from any other domain
proves nothing about the platform."""

from __future__ import annotations

from pathlib import Path

from optout_bot.errors import ConfigError
from optout_bot.flow import registry
from optout_bot.records.evidence import read_manifest


def platform_mail_domains(bundle: Path) -> tuple[str, ...] | None:
    """The domains of the bundle's platform's confirmation email; None when the manifest does
    not name a known platform or that platform sends none."""
    if not any(entry.name.endswith(".eml") for entry in bundle.iterdir()):
        return None  # no email to check: the flows need not be loaded
    manifest, _files, _problem = read_manifest(bundle)
    platform = manifest.get("platform") if manifest else None
    if not isinstance(platform, str):
        return None
    try:
        pattern = registry.get_flow(platform).confirmation_mail()
    except ConfigError:  # a platform this installation does not know
        return None
    return pattern.domains if pattern is not None else None
