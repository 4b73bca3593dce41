"""Faults a replica can inject, so retries and the lost-answer case are tested, not assumed.

Kinds: ``server_error`` (a 503 page), ``timeout`` (the request never answers in time),
``cut`` (the connection drops before the platform sees the request) and ``lost_answer`` (the
platform processes a state-changing request, then the answer is lost: the worst case, where a
naive retry would send twice). ``optout-bot demo --faults 0.3 --seed 7`` gives every replica
of the plan its own reproducible ``FaultPlan`` (``apply_faults``).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from optout_bot.replica.server import Replica

KINDS = ("server_error", "timeout", "cut", "lost_answer")
# A check never submits, so it is only given the faults a retry recovers from.
TRANSIENT_KINDS = tuple(k for k in KINDS if k != "lost_answer")


@dataclass
class FaultPlan:
    """Draws a fault for a share ``rate`` of requests, reproducibly from ``seed``."""

    rate: float
    seed: int = 0
    kinds: tuple[str, ...] = KINDS
    match: str | None = None
    limit: int | None = None
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError("the fault rate is a share between 0 and 1")
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {', '.join(sorted(unknown))}")
        self._random = random.Random(self.seed)

    def draw(self, method: str, path: str = "/") -> str | None:
        """The fault for the next request, or None; a lost answer needs a state change.
        ``match`` (a regex on the path) and ``limit`` aim faults precisely in tests."""
        if self.match is not None and not re.search(self.match, path):
            return None
        if self.limit is not None and self.total >= self.limit:
            return None
        if self.rate == 0 or self._random.random() >= self.rate:
            return None
        kinds = [k for k in self.kinds if k != "lost_answer" or method != "GET"]
        if not kinds:
            return None
        kind = self._random.choice(kinds)
        self.injected[kind] += 1
        return kind

    @property
    def total(self) -> int:
        return sum(self.injected.values())


def apply_faults(replicas: Iterable[Replica], rate: float, seed: int,
                 kinds: tuple[str, ...] = KINDS) -> None:
    """Give each replica a fault plan drawn from ``seed`` (offset per replica so platforms do
    not fail in lockstep)."""
    for offset, replica in enumerate(replicas):
        replica.faults = FaultPlan(rate=rate, seed=seed * 1000 + offset, kinds=kinds)
