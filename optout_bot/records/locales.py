"""The words of receipts and letters, per language, and which data-protection law applies.

Texts live in data files, one per language: ``optout_bot/locales/<lang>.toml``, so a language
is added by adding a file, never by editing code. Layers, lowest precedence first: the
project's folder, the user's (``$XDG_CONFIG_HOME/optout-bot/locales/``), then every folder
named in ``OPTOUT_BOT_LOCALES_PATH`` (as the flows' label overlays do). A key found in a later
layer replaces that key; a key no file of the language has falls back to English.

Keys are dotted paths into the TOML tables (``receipt.title``, ``law.gdpr.right``); values are
strings or lists of strings, with ``{name}`` placeholders filled from the evidence bundle.

Which law applies is a setting per account (``jurisdiction``); by default it follows the
account's country: ``records/jurisdictions.toml`` lists each law's countries by ISO code, and
the locale files' ``[countries]`` tables list the names people write them with.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from optout_bot.errors import ConfigError
from optout_bot.labels import normalise

LOCALES_PATH_ENV = "OPTOUT_BOT_LOCALES_PATH"
REFERENCE_LOCALE = "en"
PROJECT_DIR = Path(__file__).resolve().parent.parent / "locales"
JURISDICTIONS_FILE = Path(__file__).resolve().parent / "jurisdictions.toml"
NO_LAW = "none"
"""The jurisdiction of an account no known law covers: generic texts, no authority named."""
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

Value = str | tuple[str, ...]


class LocaleError(ConfigError):
    """A locale file is malformed; the message names the file and the key."""


def locale_dirs() -> list[Path]:
    """Folders holding ``<lang>.toml`` files, lowest precedence first."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    extra = [Path(p) for p in os.environ.get(LOCALES_PATH_ENV, "").split(os.pathsep) if p]
    return [PROJECT_DIR, Path(base) / "optout-bot" / "locales", *extra]


def available_locales() -> tuple[str, ...]:
    """Every language some layer has a file for, English first."""
    found = {p.stem for d in locale_dirs() if d.is_dir() for p in d.glob("*.toml")}
    return tuple(sorted(found, key=lambda loc: (loc != REFERENCE_LOCALE, loc)))


def read_file(path: Path) -> dict[str, Value]:
    """One locale file, flattened to dotted keys; every value a string or list of strings."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LocaleError(f"cannot read locale file {path}: {error}") from None
    return dict(_parsed(text, path))


@functools.lru_cache(maxsize=32)
def _parsed(text: str, path: Path) -> Mapping[str, Value]:
    """The flattened keys of a locale file's text. Parsed once per process for the same
    text: a receipt, a letter and each country lookup read every language's files, and
    the file is read again each time, so an edited file is seen at once."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LocaleError(f"cannot read locale file {path}: {error}") from None
    flat: dict[str, Value] = {}
    for key, value in _flat(data):
        if isinstance(value, str):
            flat[key] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flat[key] = tuple(value)
        else:
            raise LocaleError(f"{path}: {key!r} must be a text or a list of texts")
    return flat


def _flat(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            found += _flat(value, f"{prefix}{key}.")
        else:
            found.append((f"{prefix}{key}", value))
    return found


def _layers(locale: str) -> dict[str, Value]:
    merged: dict[str, Value] = {}
    for folder in locale_dirs():
        path = folder / f"{locale}.toml"
        if path.is_file():
            merged.update(read_file(path))
    return merged


@dataclass(frozen=True)
class Wording:
    """The texts of one language, English under it for any key it lacks."""

    locale: str
    texts: Mapping[str, Value]

    def raw(self, key: str) -> Value | None:
        return self.texts.get(key)

    def has(self, key: str) -> bool:
        return key in self.texts

    def text(self, key: str, **values: object) -> str:
        """The text of ``key`` with its ``{placeholders}`` filled; an unknown key is shown
        as itself, so a missing translation is visible, never a crash."""
        value = self.texts.get(key)
        if value is None:
            return key
        return fill(value if isinstance(value, str) else " ".join(value), values)

    def texts_of(self, key: str, **values: object) -> list[str]:
        """A list-valued key (a single text is a list of one), each filled."""
        value = self.texts.get(key)
        if value is None:
            return []
        return [fill(v, values) for v in ((value,) if isinstance(value, str) else value)]

    def first(self, keys: Iterable[str], **values: object) -> str | None:
        """The text of the first of ``keys`` that exists (most specific first)."""
        for key in keys:
            if key in self.texts:
                return self.text(key, **values)
        return None

    def date(self, moment: date) -> str:
        """A date as this language writes it (``date_format`` in the locale file)."""
        return self.text(
            "date_format",
            year=moment.year,
            month=moment.month,
            day=moment.day,
            mm=f"{moment.month:02d}",
            dd=f"{moment.day:02d}",
        )


def fill(template: str, values: Mapping[str, object]) -> str:
    """``template`` with each ``{name}`` replaced by its value (only plain names: a locale
    file can never reach attributes or items of a value); unknown names stay as typed."""
    return _PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template
    )


def wording(locale: str | None) -> Wording:
    """The texts for ``locale`` (English when it has no file)."""
    texts = _layers(REFERENCE_LOCALE)
    if locale and locale != REFERENCE_LOCALE:
        texts.update(_layers(locale))
    return Wording(locale if locale in available_locales() else REFERENCE_LOCALE, texts)


# --- which law applies -------------------------------------------------------------------------


def jurisdictions() -> dict[str, frozenset[str]]:
    """Law → the ISO 3166 codes of the countries where it protects residents."""
    try:
        data = tomllib.loads(JURISDICTIONS_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:  # pragma: no cover - shipped file
        raise LocaleError(f"cannot read {JURISDICTIONS_FILE}: {error}") from None
    return {
        name: frozenset(str(c).upper() for c in table.get("countries", ()))
        for name, table in data.items()
        if isinstance(table, dict)
    }


def known_jurisdictions() -> tuple[str, ...]:
    return (*sorted(jurisdictions()), NO_LAW)


def country_code(country: str | None) -> str | None:
    """The ISO code of ``country`` as a person wrote it: a two-letter code, or a name any
    locale file lists (``Deutschland``, ``Germany``, ``대한민국``); None when unknown."""
    if not country or not country.strip():
        return None
    wanted = normalise(country, casefold=True)
    if re.fullmatch(r"[a-z]{2}", wanted):
        return wanted.upper()
    for locale in available_locales():
        for key, value in _layers(locale).items():
            if not key.startswith("countries."):
                continue
            names = (value,) if isinstance(value, str) else value
            if any(normalise(name, casefold=True) == wanted for name in names):
                return key.removeprefix("countries.").upper()
    return None


def jurisdiction_for(country: str | None) -> str:
    """The law that protects a resident of ``country`` (``none`` when no known law does)."""
    code = country_code(country)
    for name, countries in sorted(jurisdictions().items()):
        if code in countries:
            return name
    return NO_LAW


@dataclass(frozen=True)
class Law:
    """What a receipt or letter says about the law that applies, in one language."""

    jurisdiction: str
    name: str
    short: str
    right: str
    own_right: str
    basis: str
    answer_due: str
    complain: str
    complaint_basis: str
    authority: str
    addressee: str
    contact: str
    links: tuple[str, ...]
    law_links: tuple[str, ...]
    authority_request: str
    platform_request: str
    deadline_basis: str = ""


_LAW_FIELDS = (
    "name",
    "short",
    "right",
    "own_right",
    "basis",
    "answer_due",
    "complain",
    "complaint_basis",
    "authority",
    "addressee",
    "contact",
    "authority_request",
    "platform_request",
    "deadline_basis",
)


def law(
    words: Wording, jurisdiction: str | None, country: str | None = None, platform: str = ""
) -> Law:
    """The texts of ``jurisdiction`` (a country's own ones first, e.g. Germany's authorities);
    an unknown or missing jurisdiction gets the generic ``none`` texts."""
    name = jurisdiction if jurisdiction and words.has(f"law.{jurisdiction}.right") else NO_LAW

    def keys(field: str) -> list[str]:
        specific = [f"law.{name}.country.{country.upper()}.{field}"] if country else []
        return [*specific, f"law.{name}.{field}"]

    def one(field: str) -> str:
        return words.first(keys(field), platform=platform) or ""

    def many(field: str) -> tuple[str, ...]:
        key = next((k for k in keys(field) if words.has(k)), None)
        return tuple(words.texts_of(key)) if key else ()

    texts = {field: one(field) for field in _LAW_FIELDS}
    return Law(jurisdiction=name, links=many("links"), law_links=many("law_links"), **texts)
