"""Evidence bundles: atomically written, hashed, verifiable; tampering is named."""

from __future__ import annotations

import json
from pathlib import Path

from optout_bot.records.evidence import EvidenceBundle, verify_bundle


def make_bundle(root: Path) -> EvidenceBundle:
    bundle = EvidenceBundle.create(root, "facebook", "me", {"mode": "replica"})
    step = bundle.begin_step("fill")
    bundle.end_step(step, status="ok", url="https://www.facebook.com/x", screenshot=b"\x89PNG..")
    bundle.note("confirmation", "received")
    bundle.finish("submitted", "received")
    return bundle


def test_a_fresh_bundle_verifies(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path)
    assert verify_bundle(bundle.directory) == []
    manifest = json.loads((bundle.directory / "manifest.json").read_text())
    assert set(manifest["files"]) == {"01-fill.png", "receipt.html"}
    assert manifest["outcome"] == "submitted" and manifest["steps"][0]["url"].endswith("/x")
    assert bundle.directory.parent == tmp_path / "facebook" / "me"


def test_one_changed_byte_is_named(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path)
    shot = bundle.directory / "01-fill.png"
    data = bytearray(shot.read_bytes())
    data[-1] ^= 1
    shot.write_bytes(bytes(data))
    assert [str(p) for p in verify_bundle(bundle.directory)] == [
        "01-fill.png: changed (SHA-256 differs)"
    ]


def test_missing_and_unlisted_files_are_named(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path)
    (bundle.directory / "receipt.html").unlink()
    (bundle.directory / "extra.txt").write_text("added later")
    problems = [str(p) for p in verify_bundle(bundle.directory)]
    assert problems == ["receipt.html: missing", "extra.txt: not listed in the manifest"]


def test_an_edited_manifest_is_caught_by_the_ledger_hash(tmp_path: Path) -> None:
    bundle = EvidenceBundle.create(tmp_path, "facebook", "me", {})
    original = bundle.finish("submitted", "ok")
    manifest = bundle.directory / "manifest.json"
    manifest.write_text(manifest.read_text().replace("submitted", "already_done"))
    assert verify_bundle(bundle.directory, original)[0].file == "manifest.json"
    assert verify_bundle(bundle.directory) == []  # without the ledger the edit is invisible


def test_no_partial_files_are_left(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path)
    assert not [p for p in bundle.directory.iterdir() if p.name.startswith(".")]
