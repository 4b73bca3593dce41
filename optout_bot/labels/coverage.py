"""How much of each platform's label files rests on a public source, per language: what
``optout-bot labels`` prints and the README's table shows.

Counts are of label keys (one visible string each, however many wordings it lists):

- *confirmed*: some wording of the key in that language has a ``source`` (and date);
- *unconfirmed*: the language has the key, but none of its wordings has a source;
- *taught*: the user's overlay adds a wording they showed in teach mode (never a source);
- *missing*: English has the key and the language has none of its own (English is shown).

The *flow* share is confirmed keys among the ones a flow acts on or waits for (every key
English has outside ``page.``): a key missing in a language counts as not confirmed there.

A wording a live check saw on the real page (``optout_bot.labels.verified``) confirms its key
as a public source does (its source: ``live check <platform>/<lang> <date>``), and so does a
label line taken from a capture (``source = "capture <platform>/<lang> <date>"``): both are
what a real page showed. *Verified on the real site* is the date by which every step a check
walks had passed on a real page (``never`` until one has).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from optout_bot.labels import PAGE, REFERENCE_LOCALE, LabelBook, Variant, normalise
from optout_bot.labels import verified as verified_pages


@dataclass(frozen=True)
class Coverage:
    """One platform's labels in one language."""

    platform: str
    locale: str
    keys: int
    confirmed: int
    unconfirmed: int
    taught: int
    missing: int
    flow_keys: int
    flow_confirmed: int
    taught_keys: tuple[str, ...] = ()
    verified: str = verified_pages.NEVER
    """Verified on the real site: a date, some steps only, or ``never``."""
    verified_steps: dict[str, str | None] = field(default_factory=dict)
    """Step → the latest date a real page passed it (None: never)."""
    seen_keys: tuple[str, ...] = ()
    """Keys confirmed by a wording a live check saw (not by a label file's source)."""

    @property
    def flow_share(self) -> float:
        return self.flow_confirmed / self.flow_keys if self.flow_keys else 1.0

    def as_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "taught_keys": list(self.taught_keys),
            "seen_keys": list(self.seen_keys),
            "flow_share": round(self.flow_share, 4),
        }


def coverage(
    platform: str,
    book: LabelBook,
    verified: verified_pages.Record | None = None,
    steps: Sequence[str] = (),
) -> list[Coverage]:
    """``book``'s coverage in each of its languages, English first; ``verified`` adds what
    real pages showed, ``steps`` (the ones a check walks) the verified column."""
    record = verified or verified_pages.Record()
    reference = {
        key
        for key, variants in book.tables.get(REFERENCE_LOCALE, {}).items()
        if _projects(variants)
    }
    flow_keys = {key for key in reference if not key.startswith(PAGE + ".")}
    found: list[Coverage] = []
    for locale in book.locales():
        table = book.tables[locale]
        own = {key: _projects(variants) for key, variants in table.items()}
        own = {key: variants for key, variants in own.items() if variants}
        sourced = {key for key, variants in own.items() if any(v.confirmed for v in variants)}
        seen = {
            key
            for key, variants in own.items()
            if key not in sourced
            and set(record.seen_wordings(platform, locale, key))
            & {normalise(v.text) for v in variants}
        }
        confirmed = sourced | seen
        taught = tuple(key for key, variants in table.items() if any(v.taught for v in variants))
        found.append(
            Coverage(
                platform=platform,
                locale=locale,
                keys=len(own),
                confirmed=len(confirmed),
                unconfirmed=len(own) - len(confirmed),
                taught=len(taught),
                missing=len(reference - set(own)),
                flow_keys=len(flow_keys),
                flow_confirmed=len(flow_keys & confirmed),
                taught_keys=taught,
                verified=verified_pages.cell(record, platform, locale, steps),
                verified_steps=verified_pages.steps_table(record, platform, locale, steps),
                seen_keys=tuple(sorted(seen)),
            )
        )
    return found


def _projects(variants: tuple[Variant, ...]) -> tuple[Variant, ...]:
    """The wordings that are not only the user's."""
    return tuple(v for v in variants if not v.taught)


HEADINGS = (
    "platform",
    "lang",
    "strings",
    "confirmed",
    "unconfirmed",
    "taught",
    "missing",
    "flow strings confirmed",
    "verified on the real site",
)

LEFT = frozenset({0, 1, len(HEADINGS) - 1})
"""The columns of words (aligned left); the counts are aligned right."""


def rows(found: list[Coverage]) -> list[tuple[str, ...]]:
    """The table's rows, as ``optout-bot labels`` prints them."""
    return [
        (
            c.platform,
            c.locale,
            str(c.keys),
            str(c.confirmed),
            str(c.unconfirmed),
            str(c.taught),
            str(c.missing),
            f"{c.flow_confirmed}/{c.flow_keys} ({c.flow_share:.0%})",
            c.verified,
        )
        for c in found
    ]


def text_table(found: list[Coverage]) -> str:
    """The table in aligned columns, whatever the terminal's width."""
    table = [HEADINGS, *rows(found)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADINGS))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i in LEFT else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in table
    )


def taught_lines(found: list[Coverage]) -> list[str]:
    """Which keys the user taught, per platform and language (their overlay wins until the
    project's files catch up: delete a key from the overlay file to forget it)."""
    return [
        f"taught by you: {c.platform} {c.locale}: {', '.join(c.taught_keys)}"
        for c in found
        if c.taught_keys
    ]


def markdown(found: list[Coverage]) -> str:
    """The table as Markdown, for the README."""
    lines = [
        "| " + " | ".join(HEADINGS) + " |",
        "|" + "|".join("---" if i in LEFT else "--:" for i in range(len(HEADINGS))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(found)]
    return "\n".join(lines)
