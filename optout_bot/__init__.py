"""optout-bot: objects, for you, to your content being used to train AI.

Flow authors import only from here: ``Flow``, ``Step``, ``Target``, ``State``, the errors,
``Outcome``, and the few helpers a step may need (``failed_sends``, ``MailPattern``,
``get_logger``). Everything else in this package is the engine's business (a test holds
flows to it: ``tests/engine/test_floors.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optout_bot.errors import (
        AlreadyDone,
        Blocked,
        ConfigError,
        FlowError,
        InputRejected,
        LoginRejected,
        NeedsHuman,
        OptoutError,
        Transient,
        UiChanged,
        Unavailable,
    )
    from optout_bot.flow import FORM_STEPS, SETTING_STEPS, AccountView, Flow, State, Step
    from optout_bot.flow.page import Target, failed_sends
    from optout_bot.flow.sign_in import SignedIn
    from optout_bot.flow.switches import Switch, read_switches, unknown_switches
    from optout_bot.log import get_logger
    from optout_bot.outcome import Outcome
    from optout_bot.records.mail import MailPattern

# Each name is imported when first used, so that `optout-bot --help`, or a command that
# never runs a flow, does not load Playwright.
_HOME = {
    "Outcome": "outcome",
    "Target": "flow.page",
    "failed_sends": "flow.page",
    "MailPattern": "records.mail",
    "get_logger": "log",
    "SignedIn": "flow.sign_in",
    **dict.fromkeys(("Switch", "read_switches", "unknown_switches"), "flow.switches"),
    **dict.fromkeys(
        ("FORM_STEPS", "SETTING_STEPS", "AccountView", "Flow", "State", "Step"), "flow"
    ),
}


# Modules that moved into a package, still reachable as before (``from optout_bot import
# registry``) for flows and replicas written against the old layout.
_MOVED = {"registry": "flow.registry"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        return importlib.import_module(f"optout_bot.{_MOVED[name]}")
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"optout_bot.{_HOME.get(name, 'errors')}")
    value = getattr(module, name)
    globals()[name] = value
    return value


__all__ = [
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


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
