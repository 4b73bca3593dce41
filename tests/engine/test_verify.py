"""`evidence verify` against an attacker who edits the bundle: every added thing is named, names
are shown as they are, nothing outside the bundle is read, a bad manifest is one clear line,
and a bundle forged whole is caught by an anchor the user kept."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from optout_bot.records.evidence import EvidenceBundle
from tests.engine.test_evidence import make_bundle
from tests.support.cli import optout_here


def _verify(folder: Path, *args: str) -> tuple[int, str]:
    done = optout_here("evidence", "verify", str(folder), *args, cwd=folder.parents[3])
    assert "crashed" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout + done.stderr


def _rewrite_manifest(folder: Path, **changes: object) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest, indent=2))


def test_an_added_hidden_file_and_sub_folder_are_named(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path / "ev").directory
    (folder / ".hidden.png").write_bytes(b"added later")
    (folder / "more").mkdir()
    (folder / "more" / "shot.png").write_bytes(b"added later")
    code, shown = _verify(folder)
    assert code == 1
    assert "FAILED .hidden.png: not listed in the manifest" in shown
    assert "FAILED more/: a folder not listed in the manifest" in shown


def test_a_file_name_with_markup_is_shown_as_it_is(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path / "ev").directory
    (folder / "[red]evil.png").write_bytes(b"added later")
    (folder / "[blink]x.png").write_bytes(b"added later")
    code, shown = _verify(folder)
    assert code == 1
    assert "FAILED [red]evil.png: not listed in the manifest" in shown
    assert "FAILED [blink]x.png: not listed in the manifest" in shown


def test_names_outside_the_bundle_are_refused_and_never_read(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path / "ev").directory
    outside = tmp_path / "outside.txt"
    outside.write_text("not evidence")
    digest = hashlib.sha256(outside.read_bytes()).hexdigest()
    files = json.loads((folder / "manifest.json").read_text())["files"]
    relative = "../../../../outside.txt"
    assert (folder / relative).resolve() == outside  # would match, if it were read
    _rewrite_manifest(folder, files={**files, str(outside): digest, relative: digest})
    code, shown = _verify(folder)
    assert code == 1
    assert f"FAILED {outside}: refused: not a file name inside the bundle" in shown
    assert f"FAILED {relative}: refused: not a file name inside the bundle" in shown


def test_files_that_are_not_a_mapping_is_one_clear_line(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path / "ev").directory
    _rewrite_manifest(folder, files=["01-fill.png", "receipt.html"])
    code, shown = _verify(folder)
    assert code == 1
    assert "FAILED manifest.json: 'files' is not a mapping of file names to SHA-256" in shown


def test_without_the_ledger_the_output_says_a_forged_bundle_would_pass(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path / "ev").directory
    code, shown = _verify(folder)
    assert code == 0, shown
    assert "a newest bundle forged whole" in shown and "--anchor" in shown


def _chain(root: Path, runs: int) -> list[Path]:
    """Bundles of one account, each naming the manifest before it (as the engine makes them)."""
    folders: list[Path] = []
    previous: str | None = None
    for _ in range(runs):
        bundle = EvidenceBundle.create(
            root, "facebook", "me", {"mode": "live", "previous_manifest_sha256": previous}
        )
        bundle.add_file("01-fill.png", b"\x89PNG" + bytes(len(folders)))
        previous = bundle.finish("submitted", "received")
        folders.append(bundle.directory)
    return folders


def _kept_hash(root: Path) -> str:
    done = optout_here("evidence", "anchor", str(root), cwd=root.parent)
    assert done.returncode == 0, done.stderr
    [digest] = re.findall(r"^([0-9a-f]{64})  ", done.stdout, re.MULTILINE)
    return str(digest)


def test_an_anchor_proves_older_bundles_and_catches_a_bundle_forged_whole(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    oldest, middle, newest = _chain(root, 3)
    kept = _kept_hash(root)
    assert kept == hashlib.sha256((newest / "manifest.json").read_bytes()).hexdigest()
    for folder in (oldest, middle, newest):
        code, shown = _verify(folder, "--anchor", kept)
        assert code == 0, shown
        assert "Anchored" in shown
    # The attacker rewrites the middle bundle whole: new screenshot, new hashes, new manifest.
    shot = middle / "01-fill.png"
    shot.write_bytes(b"forged")
    manifest = json.loads((middle / "manifest.json").read_text())
    manifest["files"]["01-fill.png"] = hashlib.sha256(b"forged").hexdigest()
    (middle / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    code, shown = _verify(middle)
    assert code == 0, shown  # on its own, the forged bundle is consistent
    code, shown = _verify(middle, "--anchor", kept)
    assert code == 1
    assert "not anchored" in shown
    code, shown = _verify(oldest, "--anchor", kept)
    assert code == 1 and "not anchored" in shown  # the chain down to it is broken
