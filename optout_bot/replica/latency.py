"""Network-shaped replicas: each answer arrives as late as a real platform's would.

A replica answers in microseconds, so a run against it is all CPU; a run against the real
sites mostly waits for pages to arrive. ``optout-bot demo --latency real`` (also ``check
--replica`` and the benchmark) gives every replica a ``Latency``: each request waits a delay
drawn from a log-normal distribution, one median for documents (pages and form posts) and
one for sub-resources, so parallel runs and timeouts meet the waits they meet live.

Default numbers (``real``) are an estimate, not a measurement of these platforms: no public
source gives per-platform times. They sit inside web.dev's "good" Time to First Byte (at
most 0.8 s at the 75th percentile of page loads, https://web.dev/articles/ttfb, read
2026-11-27), where the Chrome UX Report places most large sites (HTTP Archive Web Almanac
2021, Performance chapter, https://almanac.httparchive.org/en/2021/performance): a document
median of 400 ms (75th percentile 560 ms, 95th 910 ms), and 50 ms for a sub-resource from a
CDN over a connection already open.

Each delay depends only on the seed and the request's identity (method, origin, path, and
how many times that identity was seen), never on arrival order, so a run is reproducible.

The wait happens inside the route handler of the worker that made the request, as
``Frame.wait_for_timeout``: under Playwright's sync API each route handler runs in its own
greenlet and a sync call hands control back to the worker's event loop, so the page's other
requests, and every other worker, go on while one answer is "on the wire". That timed wait is
the model of the network (the replica kit is test infrastructure standing in for the
platform's servers); no flow and no part of the engine ever waits a fixed time.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import statistics
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Route

from optout_bot.errors import ConfigError

if TYPE_CHECKING:
    from optout_bot.replica.server import Replica

REAL_DOCUMENT_MS = 400.0
REAL_SUBRESOURCE_MS = 50.0
REAL_SPREAD = 0.5
"""Sigma of the log-normal: the 75th percentile is 1.4 times the median, the 95th 2.3."""
DOCUMENT_TYPES = frozenset({"document"})
CHOICES = "real, none, or a number of milliseconds (a page's median, e.g. 250)"


@dataclass
class Latency:
    """How long answers take: log-normal around ``document_ms`` for pages and form posts and
    ``subresource_ms`` for everything else, reproducibly from ``seed``."""

    document_ms: float = REAL_DOCUMENT_MS
    subresource_ms: float = REAL_SUBRESOURCE_MS
    spread: float = REAL_SPREAD
    seed: int = 0
    seen: Counter[str] = field(default_factory=Counter)
    waited_ms: list[tuple[str, str, float]] = field(default_factory=list)
    """Every delay drawn, in arrival order: (request identity, resource type, ms)."""

    def __post_init__(self) -> None:
        if min(self.document_ms, self.subresource_ms, self.spread) < 0:
            raise ValueError("latency medians and spread cannot be negative")
        self._lock = threading.Lock()

    def draw(self, method: str, url_origin: str, path: str, resource_type: str) -> float:
        """The delay in milliseconds for this request (counted, so a repeat draws anew)."""
        identity = f"{method.upper()} {url_origin}{path}"
        with self._lock:
            nth = self.seen[identity]
            self.seen[identity] += 1
        delay = self.delay(identity, nth, resource_type)
        with self._lock:
            self.waited_ms.append((identity, resource_type, delay))
        return delay

    def delay(self, identity: str, nth: int, resource_type: str) -> float:
        """The delay of the ``nth`` request (from 0) with ``identity``: a pure function."""
        median = self.document_ms if resource_type in DOCUMENT_TYPES else self.subresource_ms
        return median * math.exp(self.spread * _normal(self.seed, identity, nth))

    def wait(self, route: Route, parsed_origin: str, path: str) -> None:
        """Hold ``route``'s answer for its delay, letting the worker's other work go on."""
        request = route.request
        delay = self.draw(request.method, parsed_origin, path, request.resource_type)
        if delay <= 0:
            return
        try:
            frame = request.frame
        except PlaywrightError:  # a service worker's request: no frame to wait in
            return
        with contextlib.suppress(PlaywrightError):  # the page went away meanwhile
            frame.wait_for_timeout(delay)


def _normal(seed: int, identity: str, nth: int) -> float:
    """A standard normal number fixed by the seed and the request's identity."""
    key = f"{seed}\0{identity}\0{nth}".encode()
    uniform = (int.from_bytes(hashlib.sha256(key).digest()[:8], "big") + 0.5) / 2**64
    return statistics.NormalDist().inv_cdf(uniform)


def parse_latency(text: str, seed: int = 0) -> Latency | None:
    """``real`` → the estimated profile; ``none`` or ``0`` → no latency (None); a number of
    milliseconds → the real profile scaled so that a page's median is that number."""
    value = text.strip().lower()
    if value == "real":
        return Latency(seed=seed)
    if value == "none":
        return None
    try:
        median = float(value.removesuffix("ms"))
    except ValueError:
        raise ConfigError(f"--latency: {text!r} is not {CHOICES}") from None
    if median < 0 or not math.isfinite(median):
        raise ConfigError(f"--latency: {text!r} is not {CHOICES}")
    if median == 0:
        return None
    scale = median / REAL_DOCUMENT_MS
    return Latency(document_ms=median, subresource_ms=REAL_SUBRESOURCE_MS * scale, seed=seed)


def apply_latency(replicas: Iterable[Replica], latency: str, seed: int = 0) -> None:
    """Give each replica its own ``Latency`` from ``latency`` (see ``parse_latency``); each is
    seeded apart, so the platforms do not answer in lockstep."""
    for offset, replica in enumerate(replicas):
        replica.latency = parse_latency(latency, seed * 1000 + offset)
