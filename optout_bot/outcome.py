"""Outcomes of one flow run for one account, and the exit codes they map to."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """What happened; ``exit_code`` is documented in ``--help`` and the README."""

    SUBMITTED = "submitted"
    ALREADY_DONE = "already_done"
    UNAVAILABLE = "unavailable"
    NEEDS_HUMAN = "needs_human"
    BLOCKED = "blocked"
    LOGIN_FAILED = "login_failed"
    UI_CHANGED = "ui_changed"
    FAILED = "failed"
    CHECKED = "checked"
    """Check mode: every step up to the state change works; nothing was sent."""
    CHECK_FAILED = "check_failed"
    """Check mode: the check met an error no other outcome names; nothing was sent."""

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self]

    @property
    def ok(self) -> bool:
        """True when the objection is on record after this run."""
        return self in (Outcome.SUBMITTED, Outcome.ALREADY_DONE)


EXIT_CODES: dict[Outcome, int] = {
    Outcome.SUBMITTED: 0,
    Outcome.ALREADY_DONE: 3,
    Outcome.UNAVAILABLE: 4,
    Outcome.NEEDS_HUMAN: 5,
    Outcome.BLOCKED: 6,
    Outcome.LOGIN_FAILED: 7,
    Outcome.UI_CHANGED: 8,
    Outcome.FAILED: 9,
    Outcome.CHECKED: 0,
    Outcome.CHECK_FAILED: 10,
}
EXIT_CONFIG_ERROR = 2
EXIT_CRASH = 1
EXIT_CHECK_NOT_RUN = 10  # `check`: a check could not run (no credentials, no network, login)


def of_check(outcome: Outcome) -> Outcome:
    """What a check run ended in: it sends nothing, so it never ends ``submitted`` (nor
    ``already_done``, which says the objection is on record); what it found instead keeps
    its own name (``ui_changed``, ``login_failed``, ``needs_human`` …)."""
    if outcome in (Outcome.SUBMITTED, Outcome.ALREADY_DONE, Outcome.CHECKED):
        return Outcome.CHECKED
    if outcome is Outcome.FAILED:
        return Outcome.CHECK_FAILED
    return outcome


def worst(outcomes: list[Outcome]) -> Outcome:
    """The outcome a multi-account run exits with: the most severe one (highest code)."""
    return max(outcomes, key=lambda o: o.exit_code) if outcomes else Outcome.SUBMITTED


def exit_code_table() -> str:
    """A plain table of outcomes and exit codes, for ``--help`` and the README."""
    rows = [f"{o.exit_code:>3}  {o.value}" for o in Outcome]
    rows += [
        f"{EXIT_CONFIG_ERROR:>3}  bad configuration or usage",
        f"{EXIT_CRASH:>3}  crash",
        f"{EXIT_CHECK_NOT_RUN:>3}  check: a check could not run",
    ]
    return "\n".join(rows)
