"""optout-bot: objects, for you, to your content being used to train AI.

Flow authors import only from here: ``Flow``, ``Step``, ``Target``, ``State``, the errors and
``Outcome``. Everything else in this package is the engine's business.
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
    from optout_bot.outcome import Outcome
    from optout_bot.page import Target
    from optout_bot.records.mail import MailPattern
    from optout_bot.sign_in import SignedIn
    from optout_bot.switches import Switch, read_switches, unknown_switches

# Each name is imported when first used, so that `optout-bot --help`, or a command that
# never runs a flow, does not load Playwright.
_HOME = {
    "Outcome": "outcome",
    "Target": "page",
    "MailPattern": "records.mail",
    "SignedIn": "sign_in",
    **dict.fromkeys(("Switch", "read_switches", "unknown_switches"), "switches"),
    **dict.fromkeys(
        ("FORM_STEPS", "SETTING_STEPS", "AccountView", "Flow", "State", "Step"), "flow"
    ),
}


def __getattr__(name: str) -> Any:
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
    "read_switches",
    "unknown_switches",
]


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
