"""Verified on the real site: per platform × language × page version × step, the UTC date a
real page last passed that step, and the wordings a live check saw on it.

Only a check or run against the real platform writes here (``optout_bot.check.verifying``;
never a replica or the demo). The records live in two places, read together:

- the project's, ``flows/<platform>/verified.toml``: what the scheduled live check found,
  committed and reviewed like the label files (``optout-bot labels --add-verified FILE`` merges
  a report into them);
- the user's own, ``<data dir>/optout-bot/verified.toml`` (``$XDG_DATA_HOME``, else
  ``~/.local/share``): what their live checks found, and their runs with ``--report``.

``check`` and ``run`` with ``--report FILE`` write what that run verified in the same format,
to attach to an issue. One format for all three::

    [[pass]]
    platform = "facebook"
    locale = "de"
    version = "2025"       # the page version the flow told ("" when it tells none)
    step = "log_in"
    date = "2026-12-07"    # UTC
    by = "check"           # or "run"

    [[seen]]               # a wording of a label key a live check saw on the page
    platform = "facebook"
    locale = "de"
    key = "send"
    text = "Senden"
    date = "2026-12-07"

A report may come from a stranger: every file is parsed defensively. A file that is not such
a record, or an entry that is not well-formed, is ignored with a line saying so
(:attr:`Record.problems`), never a crash.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from optout_bot.files import FILE_MODE, private_dir
from optout_bot.labels import normalise
from optout_bot.labels.user import toml_string

FILE_NAME = "verified.toml"
NEVER = "never"
MAX_BYTES = 2_000_000
MAX_ENTRIES = 20_000
HEADER = (
    "# Verified on the real site: the UTC date a real page last passed each step, and the\n"
    "# wordings a live check saw (written by `optout-bot check` / `run --report`; see\n"
    "# optout_bot/labels/verified.py). Replicas and the demo never write here.\n"
)
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_LOCALE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
_STEP = re.compile(r"^[A-Za-z_][\w.]{0,63}$")
_VERSION = re.compile(r"^[\w.-]{0,32}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BY = ("check", "run")
E = TypeVar("E", "Pass", "Seen")
_writing = threading.Lock()  # parallel jobs of one run write the same user file


@dataclass(frozen=True)
class Pass:
    """A real page passed ``step`` on ``date``."""

    platform: str
    locale: str
    version: str
    step: str
    date: str
    by: str = "check"


@dataclass(frozen=True)
class Seen:
    """A wording of label ``key`` a live check saw on the real page on ``date``."""

    platform: str
    locale: str
    key: str
    text: str
    date: str

    @property
    def source(self) -> str:
        """As a label file's ``source`` names it."""
        return f"live check {self.platform}/{self.locale} {self.date}"


@dataclass
class Record:
    """Passes and seen wordings, the latest date of each kept."""

    passes: dict[tuple[str, str, str, str], Pass] = field(default_factory=dict)
    seen: dict[tuple[str, str, str, str], Seen] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """What was ignored while reading, one line each (the file and why)."""

    def add_pass(self, found: Pass) -> None:
        where = (found.platform, found.locale, found.version, found.step)
        kept = self.passes.get(where)
        if kept is None or found.date > kept.date:
            self.passes[where] = found

    def add_seen(self, found: Seen) -> None:
        where = (found.platform, found.locale, found.key, normalise(found.text))
        kept = self.seen.get(where)
        if kept is None or found.date > kept.date:
            self.seen[where] = found

    def merge(self, other: Record) -> Record:
        """This record with ``other``'s entries added (the later date of each wins)."""
        for one in other.passes.values():
            self.add_pass(one)
        for wording in other.seen.values():
            self.add_seen(wording)
        self.problems += other.problems
        return self

    def only(self, platform: str) -> Record:
        """The entries of ``platform`` (what was ignored while reading stays behind)."""
        mine = Record()
        mine.passes = {k: v for k, v in self.passes.items() if k[0] == platform}
        mine.seen = {k: v for k, v in self.seen.items() if k[0] == platform}
        return mine

    def platforms(self) -> list[str]:
        return sorted({k[0] for k in self.passes} | {k[0] for k in self.seen})

    def last_passed(self, platform: str, locale: str, step: str) -> str | None:
        """The latest date a real page in ``locale`` passed ``step``, any page version."""
        dates = [
            p.date
            for (plat, loc, _v, s), p in self.passes.items()
            if (plat, loc, s) == (platform, locale, step)
        ]
        return max(dates, default=None)

    def seen_wordings(self, platform: str, locale: str, key: str) -> dict[str, Seen]:
        """Normalised wording → when a live check saw it, for ``key`` in ``locale``."""
        return {
            text: wording
            for (plat, loc, k, text), wording in self.seen.items()
            if (plat, loc, k) == (platform, locale, key)
        }

    def __bool__(self) -> bool:
        return bool(self.passes or self.seen)

    def as_toml(self) -> str:
        """The record as a file holds it, sorted so that a commit shows what changed."""
        blocks = [HEADER]
        for _, one in sorted(self.passes.items()):
            blocks.append(
                _table(
                    "pass",
                    platform=one.platform,
                    locale=one.locale,
                    version=one.version,
                    step=one.step,
                    date=one.date,
                    by=one.by,
                )
            )
        for _, wording in sorted(self.seen.items()):
            blocks.append(
                _table(
                    "seen",
                    platform=wording.platform,
                    locale=wording.locale,
                    key=wording.key,
                    text=wording.text,
                    date=wording.date,
                )
            )
        return "\n".join(blocks)


def _table(name: str, **values: str) -> str:
    return f"[[{name}]]\n" + "".join(f"{k} = {toml_string(v)}\n" for k, v in values.items())


# --- where records are ----------------------------------------------------------------------


def project_file(platform_folder: Path) -> Path:
    """The project's record of one platform: ``flows/<platform>/verified.toml``."""
    return platform_folder / FILE_NAME


def user_file() -> Path | None:
    """The user's own record (None when there is no home folder to keep it in)."""
    base = os.environ.get("XDG_DATA_HOME")
    if not base:
        try:
            base = str(Path.home() / ".local" / "share")
        except (RuntimeError, KeyError):
            return None
    return Path(base) / "optout-bot" / FILE_NAME


# --- reading, defensively --------------------------------------------------------------------


def read(path: Path, *, platform: str | None = None) -> Record:
    """The record in ``path`` (empty when there is none); with ``platform``, only its entries
    count (a project file holds one platform's). Never raises for what the file holds."""
    record = Record()
    if not path.is_file():
        return record
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES} bytes")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as error:
        record.problems.append(f"ignored {path}: not a record of verified pages ({error})")
        return record
    return parse(data, str(path), platform=platform, into=record)


def parse(
    data: dict[str, Any], name: str, *, platform: str | None = None, into: Record | None = None
) -> Record:
    """The entries of a parsed file; what is not well-formed is ignored, one line each."""
    record = into if into is not None else Record()
    unknown = set(data) - {"pass", "seen"}
    if unknown:
        record.problems.append(f"{name}: ignored unknown table(s) {', '.join(sorted(unknown))}")
    for one in _entries(data, "pass", _pass, name, platform, record.problems):
        record.add_pass(one)
    for wording in _entries(data, "seen", _seen, name, platform, record.problems):
        record.add_seen(wording)
    return record


def _entries(
    data: dict[str, Any],
    kind: str,
    make: Callable[[object], E],
    name: str,
    platform: str | None,
    problems: list[str],
) -> list[E]:
    """The well-formed ``[[kind]]`` entries of ``data`` (of ``platform`` when given)."""
    entries = data.get(kind, [])
    if not isinstance(entries, list):
        problems.append(f"{name}: ignored {kind}: not a list of [[{kind}]] tables")
        return []
    found: list[E] = []
    for index, entry in enumerate(entries[:MAX_ENTRIES]):
        try:
            made = make(entry)
        except ValueError as error:
            problems.append(f"{name}: ignored [[{kind}]] #{index + 1}: {error}")
            continue
        if platform is not None and made.platform != platform:
            problems.append(
                f"{name}: ignored [[{kind}]] #{index + 1}: platform {made.platform!r} "
                f"is not {platform!r}"
            )
            continue
        found.append(made)
    if len(entries) > MAX_ENTRIES:
        problems.append(f"{name}: ignored [[{kind}]] after the first {MAX_ENTRIES}")
    return found


def _text(entry: dict[str, Any], name: str, form: re.Pattern[str] | None = None) -> str:
    value = entry.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    if form is not None and not form.match(value):
        raise ValueError(f"{name} {value[:40]!r} is not well-formed")
    return value


def _date(entry: dict[str, Any]) -> str:
    value = _text(entry, "date", _DATE)
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"date {value!r} is no date") from None
    return value


def _pass(entry: object) -> Pass:
    if not isinstance(entry, dict):
        raise ValueError("not a table")
    by = entry.get("by", "check")
    if by not in _BY:
        raise ValueError(f"by must be one of {', '.join(_BY)}")
    return Pass(
        platform=_text(entry, "platform", _NAME),
        locale=_text(entry, "locale", _LOCALE),
        version=_text(entry, "version", _VERSION) if "version" in entry else "",
        step=_text(entry, "step", _STEP),
        date=_date(entry),
        by=str(by),
    )


def _seen(entry: object) -> Seen:
    if not isinstance(entry, dict):
        raise ValueError("not a table")
    text = _text(entry, "text")
    if not text.strip() or len(text) > 500 or _CONTROL.search(text):
        raise ValueError("text must be one line of at most 500 characters")
    return Seen(
        platform=_text(entry, "platform", _NAME),
        locale=_text(entry, "locale", _LOCALE),
        key=_text(entry, "key", _STEP),
        text=text,
        date=_date(entry),
    )


# --- writing ---------------------------------------------------------------------------------


def write(path: Path, record: Record, *, private: bool = True) -> None:
    """``record`` to ``path``, replaced atomically; ``private``: 0600 in a 0700 folder (the
    user's own record says which platforms they have accounts on)."""
    folder = private_dir(path.parent) if private else path.parent
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        os.fchmod(descriptor, FILE_MODE if private else 0o644)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(record.as_toml())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def add_to(path: Path, found: Record, *, private: bool = True) -> Record:
    """Merge ``found`` into the record at ``path`` (what is there and cannot be read is kept
    aside as ``<path>.unreadable``, never lost) and return the merged record."""
    with _writing:
        kept = read(path)
        if kept.problems and path.is_file():
            with contextlib.suppress(OSError):
                os.replace(path, path.with_name(path.name + ".unreadable"))
        merged = Record().merge(kept).merge(found)
        write(path, merged, private=private)
        return merged


# --- what ``optout-bot labels`` shows ----------------------------------------------------------


def cell(record: Record, platform: str, locale: str, steps: Sequence[str]) -> str:
    """One language's "verified on the real site": the date by which every step of
    ``steps`` had passed on a real page (the earliest of their last passes), how many steps
    passed when not all did, or ``never``."""
    dates = [record.last_passed(platform, locale, step) for step in steps]
    passed = [d for d in dates if d is not None]
    if not passed:
        return NEVER
    if len(passed) == len(dates):
        return min(passed)
    return f"{len(passed)}/{len(dates)} steps, last {max(passed)}"


def steps_table(
    record: Record, platform: str, locale: str, steps: Iterable[str]
) -> dict[str, str | None]:
    """Step → the latest date a real page in ``locale`` passed it (None: never)."""
    return {step: record.last_passed(platform, locale, step) for step in steps}
