"""Visible strings as data: one TOML file per platform and language, read by flows and replicas.

A platform keeps its strings in ``flows/<name>/labels/<lang>.toml`` (strings several platforms
share in a shared folder, e.g. ``flows/_meta/labels/``). Each key is an array of tables, one
per *variant*: the first is the current wording (the one a replica shows), the others older or
newer wordings the platform also shows. Every variant says where it comes from (``source`` and
``date``) or is marked ``unconfirmed = true``::

    [[send]]
    text = "Senden"
    source = "https://…"
    date = "2025-05-14"

Keys at the top of a file are what the flow looks for (or records in evidence); keys under
``page.`` (``[[page.form_intro]]``) are the rest of the page's text, which only the replica
shows: a check never counts their loss as breaking.

The languages are the files found, never a list in code: a language is added by adding files.
Layers, lowest precedence first: the project's folders (shared before the platform's own),
then the user's overlay (``<config dir>/labels/<name>/<lang>.toml``), then every folder named
in ``OPTOUT_BOT_LABELS_PATH`` (``<folder>/<name>/<lang>.toml``). A key found in a later layer
replaces that key's variants in that language, except for wordings the user taught
(``taught = true``, written by teach mode through ``optout_bot.labels.user``): those come
first and the key keeps the project's own wordings after them, so a later fix of the project
still matches.
A taught wording is never shown by a replica and never counts as confirmed.

Every comparison of a label with page text goes through :func:`normalise`, and every pattern
built from labels (:func:`pattern`) tolerates what :func:`normalise` irons out.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optout_bot.errors import ConfigError

LABELS_PATH_ENV = "OPTOUT_BOT_LABELS_PATH"
PAGE = "page"
"""The namespace of strings only a replica shows (``page.<key>``)."""
REFERENCE_LOCALE = "en"
"""The language every other one is checked against, and the fallback for a missing key."""

APOSTROPHES = "'\u2018\u2019\u02bc\u2032\u00b4`"
QUOTES = '"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033'
SPACE_CLASS = r"[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
"""Every kind of space (non-breaking, narrow, ideographic…), spelled out so that a browser's
JavaScript and Python read a pattern alike (their ``\\s`` differ)."""
INVISIBLE = "\u200b\u2060\ufeff\u00ad"
"""Zero-width spaces, word joiners and soft hyphens: no width, so no space; removed, as
Playwright removes them from accessible names."""
INVISIBLE_CLASS = r"[\u200b\u2060\ufeff\u00ad]"
BLANK_CLASS = SPACE_CLASS[:-1] + INVISIBLE_CLASS[1:]
SPACES = re.compile(SPACE_CLASS + "+")
VARIANT_FIELDS = {
    *("text", "source", "date", "quote", "unconfirmed", "looked", "taught", "role"),
    *("seen", "until"),
}
_REGEX_SPECIAL = set("\\^$.|?*+()[]{}/")


class LabelError(ConfigError):
    """A label file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Variant:
    """One wording of a key, with where it was seen (or ``unconfirmed``)."""

    text: str
    source: str | None = None
    date: str | None = None
    quote: str | None = None
    unconfirmed: bool = False
    looked: str | None = None
    taught: bool = False
    """Shown by the user in teach mode: what one person saw, not a public source."""
    role: str | None = None
    """For a taught wording: the role of the element it names (``button``, ``textbox``)."""
    seen: str | None = None
    """The first date the platform is known to have shown this wording (older layouts)."""
    until: str | None = None
    """The last date it is known to have shown it: an older wording, kept beside the newer one
    (a sourced wording is never deleted; some people still see the older layout)."""

    @property
    def confirmed(self) -> bool:
        return not self.unconfirmed and not self.taught and bool(self.source)


class Label(str):
    """A label as a flow uses it: the current wording (so it reads, formats and compares as a
    plain string) that also carries every wording of its key, so that a lookup matches any
    of them (see ``optout_bot.flow.Target``)."""

    key: str
    variants: tuple[str, ...]
    where: str
    """The language and the label file(s) the wordings come from, as an error names them:
    ``de, flows/_meta/labels/de.toml`` (empty when not read from a file)."""

    def __new__(cls, key: str, variants: Sequence[str], where: str = "") -> Label:
        if not variants:
            raise ValueError(f"label {key!r} has no wording")
        made = super().__new__(cls, variants[0])
        made.key = key
        made.variants = tuple(variants)
        made.where = where
        return made

    def origin(self) -> str:
        """Which key in which language and file, for a ``ui_changed`` message."""
        return f"label {self.key!r}" + (f" ({self.where})" if self.where else "")


Table = dict[str, tuple[Variant, ...]]


@dataclass(frozen=True)
class LabelBook:
    """One platform's labels after merging its layers: language → key → variants."""

    tables: Mapping[str, Table]
    files: tuple[Path, ...] = ()
    origins: Mapping[tuple[str, str], Path] = field(default_factory=dict)
    """(language, key) → the file its wordings come from (the last layer that has it)."""

    def locales(self) -> tuple[str, ...]:
        """The languages found, the reference language first."""
        return tuple(sorted(self.tables, key=lambda loc: (loc != REFERENCE_LOCALE, loc)))

    def keys(self, locale: str = REFERENCE_LOCALE) -> tuple[str, ...]:
        return tuple(self.tables.get(locale, {}))

    def flow_keys(self, locale: str = REFERENCE_LOCALE) -> tuple[str, ...]:
        """The keys a flow looks for: all but the ``page.`` ones."""
        return tuple(k for k in self.keys(locale) if not k.startswith(PAGE + "."))

    def variants(self, key: str, locale: str) -> tuple[Variant, ...]:
        """``key``'s variants in ``locale``; the reference language's when it lacks the key."""
        for table in (self.tables.get(locale, {}), self.tables.get(REFERENCE_LOCALE, {})):
            if key in table:
                return table[key]
        raise KeyError(key)

    def has(self, key: str, locale: str) -> bool:
        return key in self.tables.get(locale, {})

    def text(self, key: str, locale: str) -> str:
        """The current wording of ``key`` as the project knows it (what a replica shows)."""
        return _shown(self.variants(key, locale))

    def texts(self, locale: str) -> dict[str, str]:
        """Key → current wording for a page in ``locale``, missing keys in the reference
        language; ``page.`` keys spelled out (``"page.form_intro"``)."""
        merged = {**self.tables.get(REFERENCE_LOCALE, {}), **self.tables.get(locale, {})}
        return {key: _shown(variants) for key, variants in merged.items()}

    def label(self, key: str, locale: str) -> Label:
        return Label(key, [v.text for v in self.variants(key, locale)], self.where(key, locale))

    def where(self, key: str, locale: str | None = None) -> str:
        """The language(s) and file(s) holding ``key`` (in ``locale``, with the reference
        language's fallback; every language when None), as an error names them."""
        chosen = [locale if self.has(key, locale) else REFERENCE_LOCALE] if locale else None
        found = [
            f"{loc}, {shown_path(self.origins[(loc, key)])}"
            for loc in (chosen or self.locales())
            if (loc, key) in self.origins
        ]
        return "; ".join(found)

    def every_text(self, key: str) -> list[str]:
        """Every wording of ``key`` in every language, each once."""
        found: list[str] = []
        for locale in self.locales():
            for variant in self.tables[locale].get(key, ()):
                if variant.text not in found:
                    found.append(variant.text)
        return found

    def unconfirmed(self, key: str, locale: str) -> bool:
        """Whether a lookup of ``key`` in ``locale`` rests on no confirmed wording."""
        try:
            return not any(v.confirmed for v in self.variants(key, locale))
        except KeyError:
            return True


def _shown(variants: Sequence[Variant]) -> str:
    """The first wording that is not only the user's: a replica stands for the platform as
    the project knows it, so what one user taught never changes what it shows."""
    return next((v.text for v in variants if not v.taught), variants[0].text)


def normalise(text: str, *, casefold: bool = False) -> str:
    """The one normalisation every comparison of labels and page text goes through: NFKC,
    typographic apostrophes and quotes made straight, zero-width characters and soft hyphens
    removed, every kind of space (non-breaking, narrow) and runs of them made one space, ends
    trimmed; ``casefold`` for comparisons that ignore case."""
    text = _straighten(unicodedata.normalize("NFKC", text))
    return text.casefold() if casefold else text


def _straighten(text: str) -> str:
    text = text.translate({ord(c): None for c in INVISIBLE})
    text = text.translate({ord(c): "'" for c in APOSTROPHES[1:]})
    text = text.translate({ord(c): '"' for c in QUOTES[1:]})
    return SPACES.sub(" ", text).strip()


def pattern(
    texts: Iterable[str], *, whole: bool = False, ignore_case: bool = False
) -> re.Pattern[str]:
    """A pattern matching any of ``texts`` in page text however it spells apostrophes, quotes
    and spaces (what :func:`normalise` irons out); ``whole`` anchors it to the whole text.
    It is written so that a browser's JavaScript reads it the same way as Python."""
    return _compiled(tuple(texts), whole, ignore_case)


@functools.lru_cache(maxsize=4096)
def _compiled(texts: tuple[str, ...], whole: bool, ignore_case: bool) -> re.Pattern[str]:
    """:func:`pattern`, compiled once per wording set and process."""
    return re.compile(source(texts, whole=whole), re.IGNORECASE if ignore_case else 0)


def source(texts: Iterable[str], *, whole: bool = False) -> str:
    """The text of :func:`pattern`, never compiled: what a browser is given to match with.
    Python's compiler spends milliseconds on each of a tolerant pattern's character classes
    (a run asks for dozens of wording sets), a browser's regex engine microseconds."""
    return _source(tuple(texts), whole)


@functools.lru_cache(maxsize=4096)
def _source(texts: tuple[str, ...], whole: bool) -> str:
    options = sorted({_straighten(t) for t in texts if _straighten(t)}, key=len, reverse=True)
    if not options:
        raise ValueError("a label pattern needs at least one non-empty text")
    body = "|".join(_tolerant(option) for option in options)
    return anchored(body) if whole else f"(?:{body})"


def whole_text(found: re.Pattern[str]) -> re.Pattern[str]:
    """``found`` matching a whole text only (spaces around it aside), ignoring case: what
    "exact" means for a regex a flow wrote itself."""
    return re.compile(anchored(found.pattern), found.flags | re.IGNORECASE)


def anchored(body: str) -> str:
    """Pattern text ``body`` matching a whole text only (blanks around it aside)."""
    return f"^{BLANK_CLASS}*(?:{body}){BLANK_CLASS}*$"


def _tolerant(text: str) -> str:
    """``text`` (straightened) as a pattern: each space any run of spaces, each character
    possibly followed by invisible ones."""
    out: list[str] = []
    for char in text:
        if char == " ":
            out.append(f"{BLANK_CLASS}*{SPACE_CLASS}{BLANK_CLASS}*")
            continue
        if char == "'":
            out.append(f"[{APOSTROPHES}]")
        elif char == '"':
            out.append(f"[{QUOTES}]")
        elif char in _REGEX_SPECIAL:
            out.append("\\" + char)
        else:
            out.append(char)
        out.append(f"{INVISIBLE_CLASS}*")
    return "".join(out)


# --- where label files are ----------------------------------------------------------------------


def user_labels_dir() -> Path:
    """The user's own labels (what teach mode writes): ``$XDG_CONFIG_HOME/optout-bot/labels``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "optout-bot" / "labels"


def overlay_roots() -> list[Path]:
    """Folders holding ``<name>/<lang>.toml`` overlays, lowest precedence first."""
    extra = [Path(p) for p in os.environ.get(LABELS_PATH_ENV, "").split(os.pathsep) if p]
    return [user_labels_dir(), *extra]


def layer_dirs(project_folders: Sequence[Path]) -> list[Path]:
    """Every folder whose ``<lang>.toml`` files make up one platform's labels, lowest
    precedence first: each project folder's ``labels/``, then each overlay root's folder of
    the same name (``flows/threads`` → ``<root>/threads``)."""
    dirs = [folder / "labels" for folder in project_folders]
    for root in overlay_roots():
        dirs += [root / folder.name for folder in project_folders]
        for folder in project_folders:
            refuse_if_others_can_change(root, root / folder.name)
    return dirs


def refuse_if_others_can_change(root: Path, folder: Path) -> None:
    """An overlay (the user's own labels, ``OPTOUT_BOT_LABELS_PATH``) that other users can
    change is refused: its wordings decide what is clicked and typed into."""
    from optout_bot.others_can_change import first_changeable, overlay_paths

    found = first_changeable(overlay_paths(root, folder))
    if found is not None:
        path, mode = found
        raise LabelError(
            f"label overlay {path} can be changed by other users (mode {mode:04o}): "
            f"run `chmod go-w {path}`, or remove it"
        )


def load(dirs: Sequence[Path]) -> LabelBook:
    """Merge the ``<lang>.toml`` files of ``dirs`` (later ones win, key by key)."""
    tables: dict[str, Table] = {}
    files: list[Path] = []
    origins: dict[tuple[str, str], Path] = {}
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            table = tables.setdefault(path.stem, {})
            for key, variants in read_file(path).items():
                table[key] = _layered(table.get(key, ()), variants)
                origins[(path.stem, key)] = path
            files.append(path)
    return LabelBook(tables, tuple(files), origins)


def shown_path(path: Path) -> str:
    """A label file as a message names it: from the project's top (``flows/_meta/labels/
    de.toml``), else from the home folder (``~/.config/…``), so no user name shows."""
    resolved = path.resolve()
    if len(resolved.parents) > 3 and resolved.parents[2].name == "flows":
        return resolved.relative_to(resolved.parents[3]).as_posix()
    with contextlib.suppress(ValueError):
        return "~/" + resolved.relative_to(Path.home().resolve()).as_posix()
    return resolved.as_posix()


def _layered(below: tuple[Variant, ...], above: tuple[Variant, ...]) -> tuple[Variant, ...]:
    """A later layer's variants of a key: they replace the ones below, unless all of them
    were taught by the user, who adds wordings in front of the project's."""
    if not all(v.taught for v in above):
        return above
    taught = {normalise(v.text) for v in above}
    return above + tuple(v for v in below if normalise(v.text) not in taught)


def read_file(path: Path) -> Table:
    """One label file, checked: every key a non-empty list of variants, each with a text and
    either a source and date or ``unconfirmed = true``. Read anew each time; parsed once per
    distinct content (a run asks for the same files many times)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LabelError(f"cannot read label file {path}: {error}") from None
    return dict(_parsed(path, text))


@functools.lru_cache(maxsize=512)
def _parsed(path: Path, text: str) -> Table:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LabelError(f"cannot read label file {path}: {error}") from None
    table: Table = {}
    for key, value in _flat(data):
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            raise LabelError(f"{path}: {key!r} must be one or more [[{key}]] tables")
        table[key] = tuple(_variant(path, key, entry) for entry in value)
    return table


def _flat(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``{"page": {"intro": [...]}}`` as ``[("page.intro", [...])]``."""
    found: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            found += _flat(value, f"{prefix}{key}.")
        else:
            found.append((f"{prefix}{key}", value))
    return found


def _variant(path: Path, key: str, entry: dict[str, object]) -> Variant:
    unknown = set(entry) - VARIANT_FIELDS
    if unknown:
        raise LabelError(f"{path}: [[{key}]] has unknown field(s) {', '.join(sorted(unknown))}")
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LabelError(f"{path}: [[{key}]] needs a non-empty text")
    fields: dict[str, str | None] = {}
    for name in ("source", "date", "quote", "looked", "role", "seen", "until"):
        value = entry.get(name)
        if value is not None and not isinstance(value, str):
            raise LabelError(f"{path}: [[{key}]] {name} must be a string")
        fields[name] = value
    unconfirmed, taught = entry.get("unconfirmed", False), entry.get("taught", False)
    if not isinstance(unconfirmed, bool) or not isinstance(taught, bool):
        raise LabelError(f"{path}: [[{key}]] unconfirmed and taught must be true or false")
    if not unconfirmed and not (fields["source"] and fields["date"]):
        raise LabelError(
            f"{path}: [[{key}]] {text!r} needs a source and a date, or unconfirmed = true"
        )
    return Variant(
        text=text,
        source=fields["source"],
        date=fields["date"],
        quote=fields["quote"],
        unconfirmed=unconfirmed,
        looked=fields["looked"],
        taught=taught,
        role=fields["role"],
        seen=fields["seen"],
        until=fields["until"],
    )


def locales_in(dirs: Sequence[Path]) -> set[str]:
    """The languages that have a file in any of ``dirs``."""
    return {p.stem for d in dirs if d.is_dir() for p in d.glob("*.toml")}
