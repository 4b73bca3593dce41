"""The label files: every language has every key English has, every wording says where it comes
from, and a language is files, not code."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import flows
from optout_bot import labels
from optout_bot.flow.registry import discover

FLOWS = Path(flows.__file__).parent
FOLDERS = sorted(p.parent for p in FLOWS.glob("*/labels"))
PLATFORMS = sorted(discover())
OPENABLE = re.compile(r"https?://\S+|github:[\w.-]+/[\w.-]+/[^@]+@[0-9a-f]{7,40}")
"""A source a reader can open: an address, or a public repository's file at a commit."""


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_platform_has_label_files_in_english_german_and_korean() -> None:
    assert {p.name for p in FOLDERS} >= {"_meta", "facebook", "instagram", "linkedin", "x"}
    for platform in ("facebook", "instagram", "threads", "x", "linkedin"):  # Threads: Instagram's
        assert {"en", "de", "ko"} <= set(discover()[platform].locales()), platform


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_every_language_of_a_folder_has_exactly_the_english_keys(folder: Path) -> None:
    files = sorted((folder / "labels").glob("*.toml"))
    english = labels.read_file(folder / "labels" / "en.toml")
    for path in files:
        table = labels.read_file(path)
        assert sorted(set(english) - set(table)) == [], f"{path.name} lacks these keys"
        assert sorted(set(table) - set(english)) == [], f"{path.name} has keys English has not"
        for key, variants in table.items():
            wanted = placeholders(english[key][0].text)
            assert all(placeholders(v.text) == wanted for v in variants), (path.name, key)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_language_of_a_platform_has_every_english_key(platform: str) -> None:
    book = discover()[platform].label_book()
    for locale in book.locales():
        assert sorted(set(book.keys("en")) - set(book.keys(locale))) == [], locale


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_wording_has_a_source_or_says_it_is_unconfirmed(platform: str) -> None:
    book = discover()[platform].label_book()  # loading checks the fields; this, the meaning
    for locale, table in book.tables.items():
        for key, variants in table.items():
            for variant in variants:
                assert variant.unconfirmed or (variant.source and variant.date), (locale, key)
                if variant.date:
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", variant.date), (locale, key)
                if variant.source:
                    assert OPENABLE.fullmatch(variant.source), (locale, key, variant.source)


def test_each_file_says_what_its_keys_mean() -> None:
    for path in FLOWS.glob("*/labels/*.toml"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# "), path
        for number, line in enumerate(lines):
            if (
                line.startswith("[[")
                and not lines[number - 1].startswith("[[")
                and not lines[number - 1].startswith(
                    ("text", "unconfirmed", "source", "date", "quote", "looked")
                )
            ):
                assert lines[number - 1].startswith("# "), f"{path}: {line} has no comment"


def test_no_language_list_is_spelled_out_in_flows_or_replicas() -> None:
    """Languages are the files found: no flow or replica module names them in a list or a
    table (a default language, or what the German page alone does, is no list)."""
    listing = re.compile(r"""["'](?:en|de|ko)["'][^\n]{0,80}["'](?:en|de|ko)["']""")
    roots = [FLOWS, FLOWS.parent / "fixtures"]
    offenders = [
        str(path)
        for root in roots
        for path in root.rglob("*.py")
        if listing.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
