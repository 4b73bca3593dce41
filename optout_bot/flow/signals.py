"""What a page shows without words, as data: addresses, form structure, standard attributes and
a platform's test ids, each with where it was seen (``source`` and ``date``) or
``unconfirmed = true`` with where it was looked for (``looked``), exactly as a wording is.

A flow finds the page and the element by these first and uses its label only as a cross-check
(``label differs`` is noted, not fatal), so a page in a language nobody wrote labels for still
works. One TOML file per platform folder, ``signals.toml`` beside ``labels/``::

    # the objection form's one email field
    [form_email]
    css = 'input[type="email"]'
    unconfirmed = true
    looked = "no saved copy of the form; guides show one email field"

``css`` is a selector (for an element), ``path`` a regular expression an address's path must
match whole (for a page). A flow reads a signal with ``Flow.signal(name)``; the loss of a
sourced one is a change to review like the loss of a sourced wording.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from optout_bot.errors import ConfigError

FILE_NAME = "signals.toml"
FIELDS = {"css", "path", "what", "source", "date", "quote", "unconfirmed", "looked"}


class SignalError(ConfigError):
    """A signals file is malformed; the message names the file and the signal."""


@dataclass(frozen=True)
class Signal:
    """One thing a page shows whatever its language, and where it was seen."""

    name: str
    css: str | None = None
    path: str | None = None
    what: str = ""
    source: str | None = None
    date: str | None = None
    quote: str | None = None
    unconfirmed: bool = False
    looked: str | None = None

    @property
    def confirmed(self) -> bool:
        return not self.unconfirmed and bool(self.source)

    def matches_path(self, path: str) -> bool:
        """Whether an address's path is the one this signal names (whole match)."""
        return self.path is not None and re.fullmatch(self.path, path) is not None


def load(folders: Sequence[Path]) -> dict[str, Signal]:
    """The signals of ``folders`` (shared ones first, a platform's own replace them)."""
    found: dict[str, Signal] = {}
    for folder in folders:
        path = folder / FILE_NAME
        if path.is_file():
            found.update(read_file(path))
    return found


def read_file(path: Path) -> Mapping[str, Signal]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SignalError(f"cannot read signals file {path}: {error}") from None
    return _parsed(path, text)


@functools.lru_cache(maxsize=64)
def _parsed(path: Path, text: str) -> Mapping[str, Signal]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SignalError(f"cannot read signals file {path}: {error}") from None
    return {name: _signal(path, name, entry) for name, entry in data.items()}


def _signal(path: Path, name: str, entry: object) -> Signal:
    if not isinstance(entry, dict):
        raise SignalError(f"{path}: [{name}] must be a table")
    unknown = set(entry) - FIELDS
    if unknown:
        raise SignalError(f"{path}: [{name}] has unknown field(s) {', '.join(sorted(unknown))}")
    strings = {k: v for k, v in entry.items() if k != "unconfirmed"}
    if not all(isinstance(v, str) for v in strings.values()):
        raise SignalError(f"{path}: [{name}] fields must be strings")
    unconfirmed = entry.get("unconfirmed", False)
    if not isinstance(unconfirmed, bool):
        raise SignalError(f"{path}: [{name}] unconfirmed must be true or false")
    if (entry.get("css") is None) == (entry.get("path") is None):
        raise SignalError(f"{path}: [{name}] needs a css or a path (one of them)")
    if unconfirmed and not entry.get("looked"):
        raise SignalError(f"{path}: [{name}] is unconfirmed: say where you looked (looked)")
    if not unconfirmed and not (entry.get("source") and entry.get("date")):
        raise SignalError(f"{path}: [{name}] needs a source and a date, or unconfirmed = true")
    if entry.get("path") is not None:
        try:
            re.compile(entry["path"])
        except re.error as error:
            raise SignalError(f"{path}: [{name}] path is no regular expression: {error}") from None
    return Signal(name=name, unconfirmed=unconfirmed, **strings)
