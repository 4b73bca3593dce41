"""Threads: objects to your threads being used for AI at Meta. Threads has no form of its own:
its objection goes through the linked Instagram account, so this flow logs into Instagram and
submits the Instagram form https://help.instagram.com/contact/767264225370182 (flows/instagram),
with Instagram's labels (a ``labels/`` folder here would override them key by key).
Labels (Instagram's) last checked against public sources, 2026-11-27.
"""

from __future__ import annotations

from ..instagram.flow import InstagramFlow

VIA = "instagram"
"""The platform whose form this objection goes through (its key; receipts name it in the
person's language: Threads has no form of its own)."""


class ThreadsFlow(InstagramFlow):
    PLATFORM = "threads"
    DESCRIPTION = (
        "Meta AI objection form, through the linked Instagram account (Threads has "
        "no form of its own)"
    )
    LAST_CHECKED = "2026-11-27"

    def log_in(self) -> None:
        """Say in the evidence, before anything else, whose form this objection goes through;
        an Instagram objection already on record then reads as ``already_done``."""
        self.services.note("via", VIA)
        super().log_in()
