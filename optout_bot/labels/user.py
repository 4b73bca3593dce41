"""The user's own label files: what teach mode learned, kept where every later run reads it.

A taught wording goes to ``<config dir>/labels/<platform>/<lang>.toml`` (the user's overlay,
see ``optout_bot.labels``), marked ``taught = true`` with where and when the person showed it:
it is what one person saw on the page, so it never counts as confirmed by a public source.
The file is 0600 in a 0700 folder (it names the pages the person visits), and is rewritten
whole, atomically, so a run killed while writing leaves the old file intact.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from optout_bot import labels
from optout_bot.files import FILE_MODE, private_dir
from optout_bot.labels import Table, Variant

HEADER = (
    "# Labels taught with optout-bot's teach mode: what you showed it on the platform's "
    "page.\n# They come before the project's own wordings until the project catches up; "
    "\n# delete a key (or this file) to forget it.\n"
)
FIELD_ORDER = ("text", "role", "taught", "source", "date", "quote", "unconfirmed", "looked")


def taught_file(platform: str, locale: str) -> Path:
    """Where the user's labels for ``platform`` (its flow folder's name) in ``locale`` live."""
    return labels.user_labels_dir() / platform / f"{locale}.toml"


def page_address(url: str) -> str:
    """``url`` without query and fragment: where the person was, without what may identify
    them (tokens, ids in the query)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.hostname or "", parts.path, "", ""))


def taught_variant(text: str, role: str | None, url: str, on: date) -> Variant:
    return Variant(
        text=text,
        role=role,
        taught=True,
        date=on.isoformat(),
        source=f"taught by the user on {on.isoformat()} at {page_address(url)}",
    )


def remember(platform: str, locale: str, key: str, variant: Variant) -> Path:
    """Put ``variant`` first among the user's taught wordings of ``key`` (an earlier taught
    one with the same text is replaced) and write the file; returns its path."""
    path = taught_file(platform, locale)
    table: Table = labels.read_file(path) if path.exists() else {}
    same = labels.normalise(variant.text)
    kept = tuple(v for v in table.get(key, ()) if labels.normalise(v.text) != same)
    table[key] = (variant, *kept)
    write(path, table)
    return path


def write(path: Path, table: Table) -> None:
    """``table`` as a label file at ``path``: 0600 in a 0700 folder, replaced atomically."""
    folder = private_dir(path.parent)
    body = HEADER + "".join("\n" + toml_lines(key, variants) for key, variants in table.items())
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        os.fchmod(descriptor, FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(body)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def toml_lines(key: str, variants: Sequence[Variant]) -> str:
    """The ``[[key]]`` tables of ``variants``, as a label file holds them."""
    blocks = []
    for variant in variants:
        lines = [f"[[{key}]]"]
        for name in FIELD_ORDER:
            value = getattr(variant, name)
            if value is None or value is False:
                continue
            lines.append(f"{name} = {'true' if value is True else toml_string(str(value))}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)
