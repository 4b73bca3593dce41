"""The label books replicas are handed: a replica shows the strings its platform's label files
hold, but it never finds its flow itself (the kit does not import the flows). The planner
lends each platform's book here before it builds a replica (``optout_bot.run.jobs``), so a
replica and its flow stay two things that can disagree, as a platform and a flow can.
"""

from __future__ import annotations

from collections.abc import Callable

from optout_bot.errors import ConfigError
from optout_bot.labels import LabelBook

_LENT: dict[str, Callable[[], LabelBook]] = {}
_LENDERS: list[Callable[[str], Callable[[], LabelBook]]] = []


def lend(platform: str, book: Callable[[], LabelBook]) -> None:
    """From now on, ``platform``'s replica reads its strings from ``book()`` (read when asked,
    so an overlay written in between is seen)."""
    _LENT[platform] = book


def lend_each(lender: Callable[[str], Callable[[], LabelBook]]) -> None:
    """From now on, a replica no book was lent for gets ``lender(platform)``, asked for when
    the replica first needs it (a book lent by :func:`lend` comes first)."""
    _LENDERS[:] = [lender]


def label_book(platform: str) -> LabelBook:
    """The strings lent for ``platform``'s replica."""
    if platform not in _LENT and _LENDERS:
        try:
            _LENT[platform] = _LENDERS[0](platform)
        except ConfigError as unknown:
            raise LookupError(f"no label book for the {platform} replica: {unknown}") from None
    if platform not in _LENT:
        raise LookupError(
            f"no label book lent for the {platform} replica: the planner lends one "
            "(optout_bot.run.jobs.lend_label_books) before a replica is built"
        )
    return _LENT[platform]()
