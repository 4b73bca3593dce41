"""A sourced wording is never deleted: every wording a label file gave with a source in the
last release (a ``v*`` tag) or, before there is one, in the file's previous version (the
committed one while it is being edited, else the one before the last commit that touched it)
is still in the file, under any key. A wording may lose its source only by saying why
(``unconfirmed = true`` with ``looked``). Older layouts stay beside newer ones with ``seen`` or
``until`` dates.

The history is read with git. In a shallow clone (``git rev-parse --is-shallow-repository``
says true, as after ``actions/checkout`` without ``fetch-depth: 0``) the version to compare
with may be missing: the comparison is then skipped, saying so, unless a release tag is there.
CI fetches the whole history, so it runs there."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from optout_bot import labels

ROOT = Path(__file__).resolve().parents[2]
LABEL_GLOB = "flows/*/labels/*.toml"


@dataclass(frozen=True)
class Wording:
    key: str
    text: str
    source: str | None
    looked: str | None


def wordings(text: str) -> list[Wording]:
    """Every wording of a label file's text (any key, ``page.`` ones too); nothing when the
    text is not TOML (a file from history is data like any other)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    found: list[Wording] = []

    def walk(table: dict[str, Any], prefix: str) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            elif isinstance(value, list):
                for entry in value:
                    if isinstance(entry, dict) and isinstance(entry.get("text"), str):
                        source = entry.get("source") if not entry.get("unconfirmed") else None
                        looked = entry.get("looked")
                        found.append(
                            Wording(
                                f"{prefix}{key}",
                                entry["text"],
                                source if isinstance(source, str) and source else None,
                                looked if isinstance(looked, str) else None,
                            )
                        )

    walk(data, "")
    return found


def lost(before: str, after: str) -> list[str]:
    """What ``after`` dropped of ``before``'s sourced wordings: gone from the file, or left
    without a source and without saying where it was looked for."""
    now: dict[str, list[Wording]] = {}
    for wording in wordings(after):
        now.setdefault(labels.normalise(wording.text), []).append(wording)
    problems: list[str] = []
    for old in wordings(before):
        if old.source is None:
            continue
        kept = now.get(labels.normalise(old.text), [])
        if not kept:
            problems.append(f"[[{old.key}]] {old.text!r} ({old.source}) is gone")
        elif not any(w.source or w.looked for w in kept):
            problems.append(
                f"[[{old.key}]] {old.text!r} lost its source ({old.source}) without a "
                "`looked` saying why"
            )
    return problems


def git(*args: str, cwd: Path = ROOT) -> str | None:
    """git's output, or None when git is missing or says no."""
    if shutil.which("git") is None:
        return None
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else None


def last_release(cwd: Path) -> str | None:
    tag = git("describe", "--tags", "--abbrev=0", "--match", "v*", cwd=cwd)
    return tag.strip() if tag else None


def earlier_version(path: str, cwd: Path) -> tuple[str, str] | None:
    """(what it is, text) of the version ``path`` is compared with, or None when there is
    none to read (a new file, or a shallow clone's missing history)."""
    release = last_release(cwd)
    if release is not None:
        text = git("show", f"{release}:{path}", cwd=cwd)
        return (release, text) if text is not None else None
    committed = git("show", f"HEAD:{path}", cwd=cwd)
    current = (cwd / path).read_text(encoding="utf-8")
    if committed is not None and committed != current:
        return ("HEAD", committed)
    last = git("log", "-1", "--format=%H", "--", path, cwd=cwd)
    if not last or not last.strip():
        return None
    text = git("show", f"{last.strip()}^:{path}", cwd=cwd)
    return (f"{last.strip()[:7]}^", text) if text is not None else None


def label_files(cwd: Path) -> list[str]:
    listed = git("ls-files", LABEL_GLOB, cwd=cwd)
    return sorted(listed.split()) if listed else []


def shallow(cwd: Path) -> bool:
    return (git("rev-parse", "--is-shallow-repository", cwd=cwd) or "").strip() == "true"


def losses(cwd: Path) -> dict[str, list[str]]:
    """Per label file (tracked), what it lost against the version it is compared with."""
    found: dict[str, list[str]] = {}
    for path in label_files(cwd):
        if not (cwd / path).is_file():
            found[path] = ["the file is gone"]
            continue
        earlier = earlier_version(path, cwd)
        if earlier is None:
            continue
        where, text = earlier
        problems = lost(text, (cwd / path).read_text(encoding="utf-8"))
        if problems:
            found[path] = [f"since {where}: {p}" for p in problems]
    return found


def test_no_label_file_lost_a_sourced_wording() -> None:
    if git("rev-parse", "--git-dir") is None:
        pytest.skip("not a git checkout: no history to compare the label files with")
    if shallow(ROOT) and last_release(ROOT) is None:
        pytest.skip(
            "shallow clone without a release tag: the label files' earlier versions are not "
            "here (fetch the whole history, e.g. actions/checkout with fetch-depth: 0)"
        )
    assert label_files(ROOT), "no label files tracked by git"
    assert losses(ROOT) == {}


# --- the check itself can fail ----------------------------------------------------------------

SENT = """# the Send button
[[send]]
text = "Senden"
source = "https://example.org/guide"
date = "2025-05-14"
"""
GUESS = """# the Send button
[[send]]
text = "Absenden"
unconfirmed = true
"""


def test_a_replaced_sourced_wording_is_found() -> None:
    assert lost(SENT, GUESS) == ["[[send]] 'Senden' (https://example.org/guide) is gone"]
    assert lost(SENT, GUESS + SENT.replace("# the Send button\n", "")) == []
    assert lost(GUESS, SENT) == []  # an unconfirmed guess may go


def test_a_wording_moved_to_another_key_is_kept() -> None:
    assert lost(SENT, SENT.replace("[[send]]", "[[page.send]]")) == []


def test_a_wording_may_lose_its_source_only_by_saying_why() -> None:
    silent = SENT.replace('source = "https://example.org/guide"\ndate = "2025-05-14"', "")
    silent += "unconfirmed = true\n"
    assert "lost its source" in lost(SENT, silent)[0]
    assert lost(SENT, silent + 'looked = "a list of guesses is not a sighting"\n') == []


def test_history_is_read_from_the_previous_commit_and_from_the_last_release(
    tmp_path: Path,
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "flows/p/labels").mkdir(parents=True)
    label = repo / "flows/p/labels/de.toml"

    def commit(text: str, message: str) -> None:
        label.write_text(text, encoding="utf-8")
        for args in (("add", "."), ("commit", "-q", "-m", message)):
            assert (
                git("-c", "user.name=t", "-c", "user.email=t@example.org", *args, cwd=repo)
                is not None
            )

    assert git("init", "-q", str(repo), cwd=tmp_path) is not None
    commit(SENT, "sourced")
    assert losses(repo) == {}  # the first version has nothing to compare with
    commit(GUESS, "replaced")  # committed: compared with the version before that commit
    assert list(losses(repo)) == ["flows/p/labels/de.toml"]
    label.write_text(GUESS + SENT.replace("# the Send button\n", ""), encoding="utf-8")
    assert losses(repo) == {}  # restored while editing: compared with what is committed
    commit(GUESS + SENT.replace("# the Send button\n", ""), "restored")
    assert git("-c", "tag.gpgSign=false", "tag", "v1.0", cwd=repo) is not None
    commit(GUESS, "lost again")
    assert losses(repo)["flows/p/labels/de.toml"][0].startswith("since v1.0: [[send]] 'Senden'")
    assert not shallow(repo)
