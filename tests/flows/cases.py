"""The shape of a platform's test table: one row per scenario, page version and language,
with the outcome it must end in; ids read like ``facebook-de-2024-submitted`` so that
``pytest -k facebook`` or ``-k de-2024`` picks rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from optout_bot.outcome import Outcome


@dataclass(frozen=True)
class FlowCase:
    """``seed`` goes to the replica's ``seed_account``, ``config`` to the account settings;
    ``message`` must appear in the outcome's message. Platforms add what they assert on."""

    PLATFORM: ClassVar[str] = ""
    scenario: str
    version: str
    locale: str
    outcome: Outcome
    seed: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.PLATFORM}-{self.locale}-{self.version}-{self.scenario}"
