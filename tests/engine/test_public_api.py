"""The public API is what flows and replicas may import; changing it is a decision, made here.

Flows import only from ``optout_bot``; replicas only from ``optout_bot.replica``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

import optout_bot
import optout_bot.replica

FLOW_API = [
    "FORM_STEPS",
    "SETTING_STEPS",
    "AccountView",
    "AlreadyDone",
    "Blocked",
    "ConfigError",
    "Flow",
    "FlowError",
    "InputRejected",
    "LoginRejected",
    "MailPattern",
    "NeedsHuman",
    "OptoutError",
    "Outcome",
    "SignedIn",
    "State",
    "Step",
    "Switch",
    "Target",
    "Transient",
    "UiChanged",
    "Unavailable",
    "failed_sends",
    "get_logger",
    "read_switches",
    "unknown_switches",
]
REPLICA_KIT = [
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


@pytest.mark.parametrize(
    ("module", "expected"), [(optout_bot, FLOW_API), (optout_bot.replica, REPLICA_KIT)]
)
def test_the_public_api_is_exactly_the_pinned_list(module: ModuleType, expected: list[str]) -> None:
    assert list(module.__all__) == expected


@pytest.mark.parametrize("module_name", ["optout_bot", "optout_bot.replica"])
def test_every_public_name_is_importable(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []
