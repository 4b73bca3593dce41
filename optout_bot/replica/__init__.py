"""The replica kit: what a platform's replica in ``fixtures/<platform>/`` is built from.

Replicas import from here: the ``Replica`` base, requests and responses, ``route``, drift
variants and fault plans. The engine mounts them with ``mount``.
"""

from optout_bot.replica.books import label_book
from optout_bot.replica.drift import Drift
from optout_bot.replica.faults import FaultPlan
from optout_bot.replica.server import (
    Mail,
    Replica,
    ReplicaRequest,
    ReplicaResponse,
    mount,
    now_utc,
    parse_request,
    redact_form,
    replica_class,
    route,
    same_secret,
)

__all__ = [
    "Drift",
    "FaultPlan",
    "Mail",
    "Replica",
    "ReplicaRequest",
    "ReplicaResponse",
    "label_book",
    "mount",
    "now_utc",
    "parse_request",
    "redact_form",
    "replica_class",
    "route",
    "same_secret",
]
