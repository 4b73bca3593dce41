"""Who a letter goes to and by when the platform had to answer, from data files with sources.

``data/controllers.toml``: the controller of an account's data per platform and law (for
Korean accounts also its domestic agent under PIPA Art. 31-2), and each platform's name as it
writes it. ``data/authorities.toml``: the authority competent for a person by residence (in
Germany the federal state's, for Korea the PIPC's report centre). An entry nobody could read
in a source is marked ``unconfirmed``; letters then show it in [brackets] for the person to
check. The deadline is computed from the submission: one month under Art. 12(3) GDPR, 10
days under the PIPA Enforcement Decree Art. 44(2).
"""

from __future__ import annotations

import calendar
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from optout_bot.labels import normalise

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Party:
    """A company or authority as a letter names it."""

    name: str
    address: tuple[str, ...] = ()
    address_confirmed: bool = True
    website: str = ""
    phone: str = ""
    agent: str = ""
    agent_confirmed: bool = True


@cache
def _data(name: str) -> dict[str, Any]:
    return tomllib.loads((DATA / name).read_text(encoding="utf-8"))


def platform_name(platform: str) -> str:
    """The platform's name as it writes it (``LinkedIn``, ``X``), else as given."""
    names = _data("controllers.toml").get("names", {})
    return str(names.get(platform, platform))


def controller(platform: str, jurisdiction: str) -> Party | None:
    """The controller of ``platform``'s data for accounts under ``jurisdiction``."""
    for entry in _data("controllers.toml").get(jurisdiction, {}).values():
        if isinstance(entry, dict) and platform in entry.get("platforms", ()):
            return Party(
                name=str(entry["name"]),
                address=tuple(entry.get("address", ())),
                address_confirmed=not (
                    entry.get("unconfirmed") or entry.get("address_unconfirmed")
                ),
                agent=str(entry.get("agent", "")),
                agent_confirmed=not entry.get("agent_unconfirmed"),
            )
    return None


def authority(jurisdiction: str, country: str | None, region: str | None) -> Party | None:
    """The authority competent for a resident of ``country`` (ISO code) and ``region`` (a
    German state, by name or code); None when the data has none for them."""
    data = _data("authorities.toml")
    if jurisdiction == "pipa":
        entry = data.get("KR", {}).get("all")
        return _party(entry) if entry else None
    if jurisdiction != "gdpr" or not country or country.upper() not in data:
        return None
    wanted = normalise(region or "", casefold=True)
    for entry in data[country.upper()].values():
        names = [normalise(n, casefold=True) for n in entry.get("names", ())]
        if wanted and wanted in names:
            return _party(entry)
    return None


def regions(country: str) -> list[str]:
    """The regions (German states) the data lists for ``country``, by their first name."""
    return [
        str(e["names"][0])
        for e in _data("authorities.toml").get(country.upper(), {}).values()
        if e.get("names")
    ]


def _party(entry: dict[str, Any]) -> Party:
    return Party(
        name=str(entry["name"]),
        address=tuple(entry.get("address", ())),
        address_confirmed=not entry.get("unconfirmed"),
        website=str(entry.get("website", "")),
        phone=str(entry.get("phone", "")),
    )


def deadline(jurisdiction: str, submitted: date) -> date | None:
    """The last day the platform had to answer a request made on ``submitted``."""
    if jurisdiction == "gdpr":
        return add_one_month(submitted)
    if jurisdiction == "pipa":
        return submitted + timedelta(days=10)
    return None


def add_one_month(day: date) -> date:
    """The same day of the next month, or that month's last day when it is shorter (a request
    of 31 January is due on 28 or 29 February)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
