"""The chain: each bundle names the previous manifest's hash; `evidence verify` checks it."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.engine.test_cli import evidence_folders
from tests.support.cli import optout_here
from tests.support.shared import built_once

pytestmark = pytest.mark.browser  # every test reads the bundles of two runs made here


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two runs of one account against the replica (``run --replica --force`` twice), once
    per session: the folder holding their ledger and evidence."""
    return built_once(tmp_path_factory, "chain", _make_two_runs)


def _make_two_runs(root: Path) -> None:
    (root / "optout-bot.toml").write_text(
        "[accounts.linkedin.mina]\nlogin = 'mina@example.org'\n", encoding="utf-8"
    )
    env = {"OPTOUT_BOT_ACCOUNTS__LINKEDIN__MINA__PASSWORD": "pw-chain-3391"}
    for _ in range(2):
        done = optout_here(
            "--out",
            "ev",
            "--ledger",
            "l.sqlite3",
            "run",
            "--replica",
            "--force",
            cwd=root,
            env=env,
        )
        assert done.returncode == 0, done.stderr


def _two_runs(tmp_path: Path, made: Path) -> tuple[Path, Path]:
    """A copy of the two runs in ``tmp_path``, its ledger naming the copied folders (as after
    a person moved their data folder): this test's to change."""
    shutil.copytree(made, tmp_path, dirs_exist_ok=True)
    ledger = sqlite3.connect(tmp_path / "l.sqlite3")
    with ledger:
        ledger.execute(
            "UPDATE runs SET evidence_dir = ? || substr(evidence_dir, ?)",
            (str(tmp_path.resolve()), len(str(made.resolve())) + 1),
        )
    ledger.close()
    first, second = evidence_folders(tmp_path / "ev")
    return first, second


def test_each_bundle_names_the_one_before_and_verify_checks_the_link(
    tmp_path: Path, two_runs: Path
) -> None:
    first, second = _two_runs(tmp_path, two_runs)
    first_manifest = json.loads((first / "manifest.json").read_text())
    second_manifest = json.loads((second / "manifest.json").read_text())
    assert first_manifest["previous_manifest_sha256"] is None
    from optout_bot.records.evidence import sha256_file

    assert second_manifest["previous_manifest_sha256"] == sha256_file(first / "manifest.json")
    for folder in (first, second):
        ok = optout_here("--ledger", "l.sqlite3", "evidence", "verify", str(folder), cwd=tmp_path)
        assert ok.returncode == 0, ok.stderr
        assert "chain intact" in ok.stdout


def test_a_replaced_earlier_bundle_breaks_the_link_named_by_the_later_one(
    tmp_path: Path, two_runs: Path
) -> None:
    first, second = _two_runs(tmp_path, two_runs)
    manifest = json.loads((first / "manifest.json").read_text())
    manifest["message"] = "rewritten later"
    (first / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    later = optout_here("--ledger", "l.sqlite3", "evidence", "verify", str(second), cwd=tmp_path)
    assert later.returncode == 1
    assert "chain broken: the previous bundle's manifest changed" in later.stderr
    assert str(first) in later.stderr


def test_without_the_ledger_the_link_is_checked_against_the_folder_beside_it(
    tmp_path: Path, two_runs: Path
) -> None:
    first, second = _two_runs(tmp_path, two_runs)
    (tmp_path / "l.sqlite3").unlink()
    ok = optout_here("--ledger", "l.sqlite3", "evidence", "verify", str(second), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    shutil.rmtree(first)
    broken = optout_here("--ledger", "l.sqlite3", "evidence", "verify", str(second), cwd=tmp_path)
    assert broken.returncode == 1
    assert "manifest.json: chain broken: names previous manifest" in broken.stderr
    assert "previous run (none)" in broken.stderr
