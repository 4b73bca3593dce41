"""Network-shaped replicas: delays drawn reproducibly per request, applied by the replica's
route handler without holding up the worker's other requests."""

from __future__ import annotations

import random
import statistics
import threading
from collections import Counter

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot.errors import ConfigError
from optout_bot.outcome import Outcome
from optout_bot.replica.latency import (
    REAL_DOCUMENT_MS,
    REAL_SUBRESOURCE_MS,
    Latency,
    apply_latency,
    parse_latency,
)
from tests.conftest import FlowRunner, account, seed

ORIGIN = "https://www.example.org"


def draws(latency: Latency, requests: list[tuple[str, str, str]]) -> list[float]:
    return [latency.draw(method, ORIGIN, path, kind) for method, path, kind in requests]


def test_delays_depend_on_the_seed_and_the_request_not_on_arrival_order() -> None:
    requests = [("GET", f"/page{n}", "document") for n in range(20)] + [
        ("GET", f"/static/{n}.css", "stylesheet") for n in range(20)
    ]
    first = dict(zip(requests, draws(Latency(seed=7), requests), strict=True))
    shuffled = random.Random(1).sample(requests, len(requests))
    again = dict(zip(shuffled, draws(Latency(seed=7), shuffled), strict=True))
    assert again == first
    other = dict(zip(requests, draws(Latency(seed=8), requests), strict=True))
    assert all(other[r] != first[r] for r in requests)


def test_the_same_request_again_draws_a_new_delay_the_same_in_every_run() -> None:
    one, two = Latency(seed=3), Latency(seed=3)
    repeated = [("GET", "/", "document")] * 3
    assert draws(one, repeated) == draws(two, repeated)
    assert len(set(draws(Latency(seed=3), repeated))) == 3


def test_documents_and_sub_resources_have_their_own_medians() -> None:
    latency = Latency(seed=0)
    pages = draws(latency, [("GET", f"/p{n}", "document") for n in range(2000)])
    assets = draws(latency, [("GET", f"/a{n}.js", "script") for n in range(2000)])
    assert statistics.median(pages) == pytest.approx(REAL_DOCUMENT_MS, rel=0.05)
    assert statistics.median(assets) == pytest.approx(REAL_SUBRESOURCE_MS, rel=0.05)
    assert min(pages) > 0 and max(pages) > 2 * REAL_DOCUMENT_MS  # jitter, both ways
    fixed = Latency(document_ms=300, subresource_ms=20, spread=0)
    assert draws(fixed, [("POST", "/login", "document"), ("GET", "/i.png", "image")]) == [300, 20]


@pytest.mark.parametrize(
    ("text", "document_ms"),
    [("real", REAL_DOCUMENT_MS), ("250", 250.0), ("250ms", 250.0), ("none", None), ("0", None)],
)
def test_the_command_line_choices(text: str, document_ms: float | None) -> None:
    latency = parse_latency(text)
    assert (latency.document_ms if latency else None) == document_ms
    if latency is not None:  # a number scales the real profile
        assert document_ms is not None
        assert latency.subresource_ms == pytest.approx(
            REAL_SUBRESOURCE_MS * document_ms / REAL_DOCUMENT_MS
        )


@pytest.mark.parametrize("text", ["fast", "-5", "nan", ""])
def test_a_latency_that_means_nothing_is_a_configuration_error(text: str) -> None:
    with pytest.raises(ConfigError, match="--latency"):
        parse_latency(text)


def test_each_replica_gets_its_own_seeded_latency() -> None:
    replicas = [FacebookReplica(), FacebookReplica()]
    apply_latency(replicas, "real", seed=5)
    seeds = [r.latency.seed for r in replicas if r.latency is not None]
    assert len(seeds) == 2 and seeds[0] != seeds[1]
    apply_latency(replicas, "none")
    assert [r.latency for r in replicas] == [None, None]


def test_a_flow_against_a_slow_replica_waits_each_request_its_own_delay(runner: FlowRunner) -> None:
    replica = FacebookReplica(version="2025")
    replica.latency = Latency(document_ms=30, subresource_ms=5, seed=11)
    user = account()
    seed(replica, user)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert len(replica.events("objection_received")) == 1
    waited = replica.latency.waited_ms
    assert ("POST https://www.facebook.com/login/", "document") in {w[:2] for w in waited}
    replay = Latency(document_ms=30, subresource_ms=5, seed=11)
    seen: Counter[str] = Counter()
    for identity, kind, delay in waited:  # each delay is the one its identity draws
        assert delay == replay.delay(identity, seen[identity], kind)
        seen[identity] += 1


def test_a_request_on_the_wire_does_not_hold_up_the_others(
    context: BrowserContext, page: Page
) -> None:
    """One image waits long; the other is answered meanwhile, in the same worker."""
    slow = Latency(document_ms=0, subresource_ms=4000, spread=0)
    done: list[str] = []
    lock = threading.Lock()

    def serve(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        if path == "/slow.png":
            slow.wait(route, ORIGIN, path)
        route.fulfill(
            status=200,
            content_type="text/html" if path == "/" else "image/png",
            body="<img src=/slow.png><img src=/fast.png>" if path == "/" else b"",
        )
        with lock:
            done.append(path)

    context.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/", wait_until="load")
    assert done == ["/", "/fast.png", "/slow.png"]
    assert slow.waited_ms == [("GET https://www.example.org/slow.png", "image", 4000.0)]
