"""Which request gets a fault depends on the seed and the request, never on the order requests
happen to arrive in (which a busy machine changes): a seeded run is the same run anywhere."""

from __future__ import annotations

import random
from collections import Counter

from optout_bot.replica.faults import FaultPlan

IDENTITIES = [
    (method, path)
    for path in ("/", "/login/", "/help/contact/712876720715583", "/settings/grok", "/favicon.ico")
    for method in ("GET", "POST")
]


def faults_per_request(
    plan: FaultPlan, arrivals: list[tuple[str, str]]
) -> dict[tuple[str, str, int], str | None]:
    """What each request (its identity and how many like it came before) was given."""
    seen: Counter[tuple[str, str]] = Counter()
    given: dict[tuple[str, str, int], str | None] = {}
    for method, path in arrivals:
        given[(method, path, seen[(method, path)])] = plan.draw(method, path)
        seen[(method, path)] += 1
    return given


def test_two_interleavings_give_each_request_the_same_fault() -> None:
    arrivals = [identity for identity in IDENTITIES for _ in range(12)]  # one after the other
    interleaved = list(arrivals)
    random.Random(7).shuffle(interleaved)  # the same requests, arriving mixed up
    assert interleaved != arrivals
    first = faults_per_request(FaultPlan(rate=0.3, seed=101), arrivals)
    second = faults_per_request(FaultPlan(rate=0.3, seed=101), interleaved)
    assert first == second
    drawn = [kind for kind in first.values() if kind is not None]
    assert 0 < len(drawn) < len(first)  # some requests faulted, others not
    assert faults_per_request(FaultPlan(rate=0.3, seed=102), arrivals) != first  # seed matters


def test_a_retried_request_draws_afresh() -> None:
    """The fifth try of one page is a new draw, so a step's retries are independent."""
    plan = FaultPlan(rate=0.5, seed=3, kinds=("server_error",))
    draws = [plan.draw("GET", "/login/") for _ in range(40)]
    assert None in draws and "server_error" in draws
