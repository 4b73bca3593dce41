"""The label books replicas are handed: a replica shows the strings its platform's label files
hold, but it never finds its flow itself (the kit does not import the flows). The planner
lends each platform's book here before it builds a replica (``optout_bot.run.jobs``), so a
replica and its flow stay two things that can disagree, as a platform and a flow can.
"""

from __future__ import annotations

from collections.abc import Callable

from optout_bot.labels import LabelBook

_LENT: dict[str, Callable[[], LabelBook]] = {}


def lend(platform: str, book: Callable[[], LabelBook]) -> None:
    """From now on, ``platform``'s replica reads its strings from ``book()`` (read when asked,
    so an overlay written in between is seen)."""
    _LENT[platform] = book


def label_book(platform: str) -> LabelBook:
    """The strings lent for ``platform``'s replica."""
    if platform not in _LENT:
        raise LookupError(
            f"no label book lent for the {platform} replica: the planner lends one "
            "(optout_bot.run.jobs.lend_label_books) before a replica is built"
        )
    return _LENT[platform]()
