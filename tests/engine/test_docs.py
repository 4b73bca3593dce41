"""The Korean and German docs: linked from the top of the README, and what they must not
translate (commands, file names, options, outcome names and exit codes) is the README's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = [ROOT / "docs" / lang / "README.md" for lang in ("ko", "de")]
# Inline code the English README does not spell the same way, on purpose.
NOT_IN_README = {"optout-bot --help"}


def code_lines(text: str) -> list[str]:
    """Command lines of the fenced blocks, without their (translated) trailing comments."""
    blocks = re.findall(r"```\w*\n(.*?)```", text, flags=re.S)
    return [
        re.sub(r"\s+#.*$", "", line).rstrip()
        for block in blocks
        for line in block.splitlines()
        if line.strip()
    ]


def outcome_rows(text: str) -> list[tuple[str, str]]:
    """(exit code, outcome) of each row of the outcomes table."""
    return re.findall(r"^\| (\d+) \| (`\w+`|—) \|", text, flags=re.M)


def test_the_readme_links_both_at_its_top() -> None:
    top = "\n".join(README.splitlines()[:5])
    for doc in DOCS:
        assert f"]({doc.relative_to(ROOT).as_posix()})" in top
        assert doc.exists()


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.parent.name)
def test_commands_and_names_are_the_readmes_verbatim(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    lines = code_lines(text)
    assert len(lines) >= 3
    assert [line for line in lines if line not in README] == []
    spans = set(re.findall(r"`([^`\n]+)`", text)) - NOT_IN_README
    assert sorted(span for span in spans if f"`{span}`" not in README) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.parent.name)
def test_the_outcomes_table_is_the_readmes(doc: Path) -> None:
    rows = outcome_rows(doc.read_text(encoding="utf-8"))
    assert rows == outcome_rows(README)
    assert len(rows) == 10
