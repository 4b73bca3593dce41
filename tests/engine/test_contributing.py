"""CONTRIBUTING.md's worked example, performed: one line changed in a label file, the baselines
regenerated with the one command it names, and the tests pass, in a copy of the project.

The command records the pages the line can change (the Meta form's platforms in German); that
every other committed baseline is what a check records is tested page by page in
tests/engine/test_check.py."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from tests.engine.test_scaffold import PROJECT, in_copy, project_copy

GUIDE = PROJECT / "CONTRIBUTING.md"
LABEL_FILE = "flows/_meta/labels/de.toml"
OLD, NEW = 'text = "Senden"', 'text = "Absenden"'
COMMAND = "optout-bot check --replica --update-baselines facebook instagram threads --locale de"


def worked_example() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("## A worked example")
    return text[start : text.index("\n## ", start + 1)]


def test_the_guide_names_the_one_line_and_the_one_command() -> None:
    example = worked_example()
    assert f"`{LABEL_FILE}`" in example
    assert f"-{OLD}" in example and f"+{NEW}" in example
    assert f"`{COMMAND}`" in example
    assert "tests/engine/test_contributing.py" in example
    diff = re.search(r"```diff\n(.*?)```", example, flags=re.S)
    assert diff is not None
    labels = (PROJECT / LABEL_FILE).read_text(encoding="utf-8")
    context = [line.strip() for line in diff.group(1).splitlines() if line.startswith("    ")]
    assert context and all(line in labels.splitlines() for line in context)  # as the file is


@pytest.mark.slow
def test_the_worked_example_is_one_line_one_command_and_the_tests_pass(tmp_path: Path) -> None:
    root = project_copy(tmp_path / "clone")
    labels = root / LABEL_FILE
    before = labels.read_text(encoding="utf-8")
    assert before.count(OLD) == 1
    labels.write_text(before.replace(OLD, NEW), encoding="utf-8")
    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), labels.read_text().splitlines(), n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed == [f"-{OLD}", f"+{NEW}"]  # one line

    program, *arguments = COMMAND.split()
    assert program == "optout-bot"
    regenerated = in_copy(
        root,
        "-m",
        "optout_bot",
        "--ledger",
        str(tmp_path / "l.sqlite3"),
        "--out",
        str(tmp_path / "evidence"),
        *arguments,
        "--jobs",
        "2",
        "--report-dir",
        str(tmp_path / "report"),
        timeout=1800,
    )
    assert regenerated.returncode == 0, regenerated.stdout[-3000:] + regenerated.stderr[-2000:]

    old_baselines = {
        p.relative_to(PROJECT): p.read_text()
        for p in (PROJECT / "flows").glob("*/baselines/*/*.yml")
    }
    new_baselines = {
        p.relative_to(root): p.read_text() for p in (root / "flows").glob("*/baselines/*/*.yml")
    }
    assert new_baselines.keys() == old_baselines.keys()  # none lost, none added
    differ = sorted(str(p) for p in new_baselines if new_baselines[p] != old_baselines[p])
    assert len(differ) == 24
    assert all(
        re.fullmatch(
            r"flows/(facebook|instagram|threads)/baselines/de/"
            r"(open_form|fill|read_state|submit)-202[45]\.yml",
            p,
        )
        for p in differ
    )
    for path in differ:
        old, new = old_baselines[Path(path)], new_baselines[Path(path)]
        assert new == old.replace('- button "Senden"', '- button "Absenden"'), path

    tests = in_copy(
        root,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-m",
        "",  # every row, the slow set's too: the copy is tested whole
        "-n",
        "0",
        "-q",
        "tests/engine/test_check.py",
        "tests/flows/test_label_files.py",
        "tests/replicas/test_replica_strings.py",
        "tests/flows/test_facebook.py",
        "tests/flows/test_instagram.py",
        "tests/flows/test_threads.py",
        "-k",
        "(committed_baselines and -de- and (facebook or instagram or threads)) or exits_8 "
        "or label or replica_shows or "
        "(test_flow and de- and (submitted or objects or already))",
        timeout=1800,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "failed" not in tests.stdout
    assert int(re.findall(r"(\d+) passed", tests.stdout)[-1]) >= 30
