"""``optout-bot new-platform``: a new platform's folders and tests pass the project's tests as
they are written, before anyone has filled in a TODO."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import optout_bot
from optout_bot.contrib import scaffold
from optout_bot.errors import ConfigError

PROJECT = Path(optout_bot.__file__).parent.parent


def project_copy(target: Path) -> Path:
    """The code and tests of this clone, copied: the new platform is written there, never here."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for part in ("optout_bot", "flows", "fixtures", "tests"):
        shutil.copytree(PROJECT / part, target / part, ignore=ignore)
    shutil.copy2(PROJECT / "pyproject.toml", target / "pyproject.toml")
    return target


def in_copy(root: Path, *args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    """Run Python in the copy, importing the copy's packages (not this clone's)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
def test_a_new_platform_passes_the_contract_tests_out_of_the_box(tmp_path: Path) -> None:
    root = project_copy(tmp_path / "clone")
    made = in_copy(root, "-m", "optout_bot", "new-platform", "acme", timeout=600)
    assert made.returncode == 0, made.stdout + made.stderr
    for path in (
        "flows/acme/flow.py",
        "flows/acme/labels/en.toml",
        "flows/acme/baselines/en/open_settings-2025.yml",
        "fixtures/acme/__init__.py",
        "fixtures/acme/templates/settings.html",
        "tests/flows/test_acme.py",
    ):
        assert (root / path).is_file(), path
    assert not (PROJECT / "flows" / "acme").exists()

    # the generated module, and the engine's tests that hold every platform to the contract
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
        "tests/flows/test_acme.py",
        "tests/flows/test_label_files.py",
        "tests/engine/test_architecture.py",
        "tests/engine/test_check.py",
        "-k",
        "acme or label or architecture",
        timeout=900,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "failed" not in tests.stdout and " passed" in tests.stdout
    assert (
        "test_flow[chromium-acme-en-2025-turned_off]"
        in in_copy(
            root,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-m",
            "",  # every row, the slow set's too: the copy is tested whole
            "-n",
            "0",
            "--collect-only",
            "-q",
            "tests/flows/test_acme.py",
            timeout=120,
        ).stdout
    )
    assert "acme" in in_copy(root, "-m", "optout_bot", "platforms", timeout=120).stdout


@pytest.mark.parametrize(
    ("name", "complaint"),
    [
        ("Acme", "use 2-31 lower-case letters"),
        ("class", "use 2-31 lower-case letters"),
        ("_meta", "use 2-31 lower-case letters"),
        ("facebook", "exists already: flows/facebook"),
    ],
)
def test_a_bad_or_taken_name_is_refused(name: str, complaint: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=complaint):
        scaffold.new_platform(name, PROJECT)


def test_only_a_clone_is_written_into(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not an optout-bot clone"):
        scaffold.project_root(tmp_path)


def test_a_new_platform_joins_the_scheduled_live_check(tmp_path: Path) -> None:
    """The scaffold adds the platform to the live check's matrix (its secrets then follow
    the TEST_<PLATFORM>_<LANG>_… naming), once."""
    workflow = tmp_path / ".github" / "workflows" / "check-live.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("    matrix:\n        platform: [facebook, x]\n        locale: [en]\n")
    for package in ("flows", "fixtures"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    written = scaffold.new_platform("mastodon", tmp_path)
    assert workflow in written
    assert "platform: [facebook, x, mastodon]\n" in workflow.read_text()
    assert scaffold.add_to_live_check(tmp_path, "mastodon") is False
    assert workflow.read_text().count("mastodon") == 1
