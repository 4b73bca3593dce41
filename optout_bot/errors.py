"""The errors flows raise and the engine maps to outcomes, in one tree::

OptoutError                 root of everything the tool raises on purpose
├── ConfigError             bad or missing configuration (exit 2, one line, no traceback)
└── FlowError               raised by a flow step; each maps to one Outcome
    ├── AlreadyDone         the platform already has the objection on record
    ├── Unavailable         no form or setting for this region or account
    ├── NeedsHuman          2FA without a seed, device approval, checkpoint, captcha
    ├── Blocked             the platform rate-limits or blocks us: never retried
    ├── LoginRejected       wrong login or password: tried once, never retried
    ├── UiChanged           an element the step needs is missing: names step and element
    │   └── AmbiguousElement  two elements answer to what a step acts on: names both
    ├── InputRejected       the platform refused a value we sent (country, email, reason)
    └── Transient           a passing fault (5xx, timeout, cut connection): safe to retry
"""

from __future__ import annotations

from collections.abc import Sequence


class OptoutError(Exception):
    """Root of every error optout-bot raises on purpose."""


class ConfigError(OptoutError):
    """Configuration is missing or invalid; the message names the field."""


class FlowError(OptoutError):
    """A flow step met a situation it knows; the engine turns it into an Outcome."""

    def __init__(self, message: str, *, step: str | None = None) -> None:
        super().__init__(message)
        self.step = step

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else type(self).__name__


class AlreadyDone(FlowError):
    """The platform shows the objection (or the setting) already on record."""


class Unavailable(FlowError):
    """The form or setting does not exist for this account or region."""


class NeedsHuman(FlowError):
    """A person must act (2FA without a seed, checkpoint, captcha); never bypassed."""


class Blocked(FlowError):
    """The platform blocks or rate-limits the account: retrying would make it worse."""


class LoginRejected(FlowError):
    """Wrong login or password. Never retried: repeated attempts lock accounts."""


class InputRejected(FlowError):
    """The platform refused a value from the configuration, e.g. a country it does not list."""


class Transient(FlowError):
    """A passing fault (server error, timeout, cut connection): safe to retry the step."""


class UiChanged(FlowError):
    """An element a step needs is missing or different: the platform's UI changed.

    ``targets`` are the lookups tried (``optout_bot.flow.page.Target``), when one element was looked
    for: their label keys let teach mode ask the person which element it is."""

    def __init__(
        self,
        element: str,
        *,
        step: str | None = None,
        tried: Sequence[str] = (),
        detail: str = "",
        targets: Sequence[object] = (),
    ) -> None:
        self.element = element
        self.tried = tuple(tried)
        self.targets = tuple(targets)
        where = f"{step}: " if step else ""
        text = f"{where}{element} not found"
        if tried:
            text += f" (looked for {'; '.join(tried)})"
        if detail:
            text += f" — {detail}"
        super().__init__(text, step=step)


class AmbiguousElement(UiChanged):
    """Two or more elements answer to what a step acts on: acting on either could put the
    user's data in the wrong place, so the step stops, naming them."""

    def __init__(
        self,
        element: str,
        candidates: Sequence[str],
        *,
        count: int,
        step: str | None = None,
        tried: Sequence[str] = (),
    ) -> None:
        self.element = element
        self.tried = tuple(tried)
        self.targets = ()
        self.candidates = tuple(candidates)
        where = f"{step}: " if step else ""
        many = "two" if count == 2 else str(count)
        shown = ", ".join(candidates) + (", …" if count > len(candidates) else "")
        text = f"{where}{element}: {many} candidates: {shown}"
        if tried:
            text += f" (looked for {'; '.join(tried)})"
        FlowError.__init__(self, text, step=step)


def one_line(error: BaseException | None) -> str:
    """The first line of an error's message, or its type when it has none: what logs and
    outcomes show of an error ("" for none)."""
    if error is None:
        return ""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
