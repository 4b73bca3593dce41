"""optout-bot: objects, for you, to your content being used to train AI.

Flow authors import only from here: ``Flow``, ``Step``, ``Target``, ``State``, the errors and
``Outcome``. Everything else in this package is the engine's business.
"""

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
    "NeedsHuman",
    "OptoutError",
    "Outcome",
    "State",
    "Step",
    "Target",
    "Transient",
    "UiChanged",
    "Unavailable",
]
