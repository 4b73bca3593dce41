"""Fault settings for a whole plan, and counting what the replicas accepted.

``optout-bot demo --faults 0.3 --seed 7`` gives every replica of the plan its own reproducible
``FaultPlan``; the soak test and ``scripts/soak.py`` then count, from the replica logs, how many
submissions or setting changes each account got (exactly one is the only right answer).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from optout_bot.replica import Replica
from optout_bot.replica.faults import KINDS, FaultPlan

# What "the platform accepted a change" looks like in each replica's log.
ACCEPTED_EVENTS = ("objection_received", "setting_changed")


def apply_faults(replicas: Iterable[Replica], rate: float, seed: int,
                 kinds: tuple[str, ...] = KINDS) -> None:
    """Give each replica a fault plan drawn from ``seed`` (offset per replica so platforms do
    not fail in lockstep)."""
    for offset, replica in enumerate(replicas):
        replica.faults = FaultPlan(rate=rate, seed=seed * 1000 + offset, kinds=kinds)


def accepted_changes(replicas: Iterable[Replica]) -> Counter[tuple[str, str, str]]:
    """(platform, login, what) → how many times the platform accepted it. ``what`` is the
    objection, or the setting/control a settings flow changed."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for replica in replicas:
        for entry in replica.log:
            if entry["event"] not in ACCEPTED_EVENTS:
                continue
            what = str(entry.get("control") or entry.get("setting") or "objection")
            counts[(str(entry["platform"]), str(entry.get("login")), what)] += 1
    return counts


def injected_faults(replicas: Iterable[Replica]) -> Counter[str]:
    """Faults injected so far, by kind, over all replicas."""
    total: Counter[str] = Counter()
    for replica in replicas:
        if replica.faults is not None:
            total.update(replica.faults.injected)
    return total

# A check never submits, so it is only given the faults a retry recovers from.
TRANSIENT_KINDS = tuple(k for k in KINDS if k != "lost_answer")
