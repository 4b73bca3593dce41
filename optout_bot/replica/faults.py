"""Faults a replica can inject, so retries and the lost-answer case are tested, not assumed.

Kinds: ``server_error`` (a 503 page), ``timeout`` (the request never answers in time),
``cut`` (the connection drops before the platform sees the request) and ``lost_answer`` (the
platform processes a state-changing request, then the answer is lost: the worst case, where a
naive retry would send twice). ``optout-bot demo --faults 0.3 --seed 7`` gives every replica
of the plan its own reproducible ``FaultPlan`` (``apply_faults``).
"""

from __future__ import annotations

import hashlib
import re
import threading
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
    """Draws a fault for a share ``rate`` of requests, reproducibly from ``seed``.

    Each draw depends only on the seed and the request's identity (method, origin and path,
    and how many times that identity was seen before), never on the order in which requests
    arrive: a run on a busy machine, where a page's requests interleave differently, meets
    the same faults as on a quiet one."""

    rate: float
    seed: int = 0
    kinds: tuple[str, ...] = KINDS
    match: str | None = None
    limit: int | None = None
    injected: Counter[str] = field(default_factory=Counter)
    seen: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError("the fault rate is a share between 0 and 1")
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {', '.join(sorted(unknown))}")
        self._lock = threading.Lock()

    def draw(self, method: str, path: str = "/", origin: str = "") -> str | None:
        """The fault for this request, or None; a lost answer needs a state change.
        ``match`` (a regex on the path) and ``limit`` aim faults precisely in tests (``limit``
        counts faults in arrival order: use it where the order is fixed)."""
        if self.match is not None and not re.search(self.match, path):
            return None
        identity = f"{method.upper()} {origin}{path}"
        with self._lock:
            nth = self.seen[identity]
            self.seen[identity] += 1
            if self.limit is not None and self.total >= self.limit:
                return None
            if self.rate == 0 or self._uniform(identity, nth, "fault") >= self.rate:
                return None
            kinds = [k for k in self.kinds if k != "lost_answer" or method.upper() != "GET"]
            if not kinds:
                return None
            kind = kinds[int(self._uniform(identity, nth, "kind") * len(kinds))]
            self.injected[kind] += 1
            return kind

    def _uniform(self, identity: str, nth: int, purpose: str) -> float:
        """A number in [0, 1) fixed by the seed, the request's identity and ``purpose``."""
        key = f"{self.seed}\0{identity}\0{nth}\0{purpose}".encode()
        return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64

    @property
    def total(self) -> int:
        return sum(self.injected.values())


def apply_faults(
    replicas: Iterable[Replica], rate: float, seed: int, kinds: tuple[str, ...] = KINDS
) -> None:
    """Give each replica a fault plan drawn from ``seed`` (offset per replica so platforms do
    not fail in lockstep)."""
    for offset, replica in enumerate(replicas):
        replica.faults = FaultPlan(rate=rate, seed=seed * 1000 + offset, kinds=kinds)
