"""The Korean and German docs: linked from the top of the README, and what they must not
translate (commands, file names, options, outcome names and exit codes) is the README's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = [ROOT / "docs" / lang / "README.md" for lang in ("ko", "de")]
# Inline code the English README does not spell the same way, on purpose.
NOT_IN_README = {"optout-bot --help"}


def code_lines(text: str) -> list[str]:
    """Command lines of the fenced shell blocks, without their (translated) trailing comments
    (a settings example may carry the language's own values)."""
    blocks = [
        block
        for language, block in re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S)
        if language in ("", "sh", "console")
    ]
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
    assert len(rows) == 12


# --- every optout-bot command the docs show parses, and every option it names exists ---------

DOCUMENTS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *DOCS]
COMMAND = re.compile(r"(?:^|[\s/$(])optout-bot((?:\s+[^\s#|`)]+)*)")


def documented_commands(text: str) -> list[str]:
    """Each ``optout-bot …`` command line of the fenced blocks and of inline code: what
    follows ``optout-bot`` up to a comment, a pipe or the end of the line (``\\`` joins)."""
    blocks = re.findall(r"```\w*\n(.*?)```", text, flags=re.S)
    lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    lines += re.findall(r"`((?:\.venv/bin/)?optout-bot [^`\n]*)`", text)
    found = []
    for line in lines:
        line = re.sub(r"\s#.*$", "", line)
        if line.lstrip().startswith("docker build"):
            continue  # optout-bot is the image's name there
        line = re.sub(r"\[(--?[^\]]*)\]", r"\1", line)  # usage style: [--locale de]
        for match in COMMAND.finditer(line):
            if match.group(1).strip():  # the bare name is no command line
                found.append(("optout-bot" + match.group(1)).strip())
    return found


def parse(command: str) -> None:
    """Parse ``command`` as the CLI does (global options moved first), without running it:
    an unknown command or option, or a value of the wrong type, raises the parser's usage
    error."""
    import shlex

    import typer

    from optout_bot.argv import global_options_first
    from optout_bot.cli import app

    group: Any = typer.main.get_command(app)
    args = global_options_first(shlex.split(command)[1:], group)
    context = group.make_context("optout-bot", list(args), resilient_parsing=False)
    while hasattr(group, "resolve_command"):
        held = getattr(context, "_protected_args", None) or getattr(context, "protected_args", None)
        rest = [*(held or []), *context.args]
        if not rest:
            return
        name, group, rest = group.resolve_command(context, rest)
        context = group.make_context(name, rest, parent=context)


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.relative_to(ROOT).as_posix())
def test_every_documented_command_parses_with_options_that_exist(doc: Path) -> None:
    commands = documented_commands(doc.read_text(encoding="utf-8"))
    assert len(commands) >= 3
    failures = {}
    for command in commands:
        try:
            parse(command)
        except Exception as error:
            if getattr(error, "exit_code", None) == 0 or type(error).__name__ == "MissingParameter":
                continue  # --help; a command named in prose without its folder
            failures[command] = f"{type(error).__name__}: {error}"
    assert failures == {}


@pytest.mark.parametrize(
    "command",
    [
        "optout-bot demo --no-such-option",
        "optout-bot evidence frobnicate",
        "optout-bot run --jobs many",
        "optout-bot nosuchcommand",
    ],
)
def test_a_command_with_a_wrong_name_or_option_is_caught(command: str) -> None:
    with pytest.raises(Exception, match=r"(?i)no such|invalid|valid integer"):
        parse(command)


# --- what the README says of the demo, --jobs and -v is true ----------------------------------


def test_demo_of_a_page_version_skips_a_replica_without_it_and_says_so() -> None:
    from optout_bot.errors import ConfigError
    from optout_bot.flow.registry import discover
    from optout_bot.run.jobs import plan_demo

    plan = plan_demo([], page_version="2024")
    # a replica with one page only serves that page; LinkedIn has two, neither of them 2024
    assert sorted(j.flow.PLATFORM for j in plan.jobs) == sorted(set(discover()) - {"linkedin"})
    assert plan.skipped == ["linkedin: no page version 2024 (has: 2025, 2026)"]
    assert "LinkedIn, is skipped, saying so" in " ".join(README.split())
    with pytest.raises(ConfigError, match="linkedin replica has no page version '2024'"):
        plan_demo(["linkedin"], page_version="2024")  # named: never silently skipped


def test_jobs_help_says_what_the_default_is() -> None:
    from optout_bot.cli.base import JobsOption

    help_text = get_args(JobsOption)[1].help
    assert "two per core" in help_text and "one per core" not in help_text
    assert "--jobs N` at once (default: two per core, at most 8" in " ".join(README.split())


@pytest.mark.parametrize(
    ("settings", "shown"),
    [
        ({"locale": "ko"}, "jurisdiction pipa, country KR  [the account's language"),
        (
            {"locale": "ko", "country": "Deutschland"},
            "jurisdiction gdpr, country DE  [setting `country`]",
        ),
        (
            {"jurisdiction": "none", "country": "KR"},
            "jurisdiction none, country KR  [setting `jurisdiction`]",
        ),
        ({}, "jurisdiction none, country -  [default (no country set)]"),
    ],
)
def test_verbose_shows_the_resolved_jurisdiction_and_its_source(
    settings: dict[str, str], shown: str
) -> None:
    from optout_bot.cli.base import _law_line
    from optout_bot.settings import Account

    account = Account.model_validate({"login": "me@example.org", **settings})
    assert _law_line("x", "me", account).startswith(f"x/me: {shown}")
    assert account.law_from_language() == (settings == {"locale": "ko"})  # the note's condition
