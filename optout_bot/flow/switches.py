"""The switches on a settings page, told apart by their exact names.

A flow names the switches it knows by label key; every other switch on the page (a new
training switch, or a decoy whose name only resembles the one the flow turns off) is
reported by name and never touched: only an exact match of a known name is acted on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from playwright.sync_api import Locator, Page

from optout_bot.labels import LabelBook, normalise
from optout_bot.log import get_logger

SWITCH_NAME = re.compile(r'^- (?:switch|checkbox) "((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Switch:
    """One switch as the page shows it: its label key (None when the flow does not know
    it), its accessible name, and its state."""

    key: str | None
    name: str
    on: bool
    enabled: bool


def read_switches(
    scope: Page | Locator, known: Sequence[str], labels: LabelBook, locale: str
) -> list[Switch]:
    """Every switch in ``scope``, each matched against the known keys' wordings exactly
    (after the one normalisation every comparison uses)."""
    found: list[Switch] = []
    for element in scope.get_by_role("switch").all():
        shown = SWITCH_NAME.match(element.aria_snapshot())
        name = json.loads(f'"{shown.group(1)}"') if shown else ""
        key = next(
            (k for k in known if any(_same(name, v) for v in labels.label(k, locale).variants)),
            None,
        )
        found.append(Switch(key, name, element.is_checked(), element.is_enabled()))
    return found


def unknown_switches(switches: Sequence[Switch]) -> dict[str, str]:
    """The switches the flow does not know, by name, with their state: for the evidence
    (note ``unknown_controls``), a warning and the run's message."""
    unknown = {s.name: "on" if s.on else "off" for s in switches if s.key is None}
    if unknown:
        get_logger().warning(
            "a switch this flow does not know is on the page; left as it is", controls=unknown
        )
    return unknown


def _same(a: str, b: str) -> bool:
    return normalise(a, casefold=True) == normalise(b, casefold=True)
