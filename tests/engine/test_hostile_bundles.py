"""Bundles on disk are data from strangers: forged addenda are refused and never raise the proof
a letter states; links, FIFOs, devices and huge files are reported, never followed or read."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from flows.facebook import FacebookFlow
from optout_bot.records.evidence import EvidenceBundle
from optout_bot.records.ledger import Ledger
from optout_bot.records.mail import MailPattern
from optout_bot.records.proof import Proof
from optout_bot.replica.mail import SigningKey, deliver
from optout_bot.run.late_mail import collect_late_mail
from optout_bot.settings import Account, OutputSettings, Settings
from tests.support.dovecot import dovecot_server

TO = "mina@example.org"
DOMAIN = FacebookFlow.CONFIRMATION_MAIL.domains[0] if FacebookFlow.CONFIRMATION_MAIL else ""
PATTERN = MailPattern(domains=(DOMAIN,), subjects=("objection",))
EMAIL_PROOF = "email: the platform's confirmation email, its DKIM signature verified"
HANG_GUARD_SECONDS = 120  # a hang becomes a failure instead of a stuck suite; not a measurement
MEMORY_CAP = 2 << 30  # the child may not take the machine down while old code reads /dev/zero


def optout(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, its memory capped and a hang turned into a
    failure."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_BOT_")}

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    try:
        return subprocess.run(
            [sys.executable, "-m", "optout_bot", "--ledger", "ledger.sqlite3", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=HANG_GUARD_SECONDS,
            preexec_fn=cap,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"optout-bot {' '.join(args)} hung")


@pytest.fixture
def collected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A submitted run whose signed confirmation came late and was collected by
    ``optout-bot mail`` from a real IMAP server: a genuine addendum."""
    monkeypatch.setattr(FacebookFlow, "confirmation_mail", classmethod(lambda cls: PATTERN))
    key = SigningKey.generate(DOMAIN)
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    bundle = EvidenceBundle.create(tmp_path / "evidence", "facebook", "me", {"mode": "live"})
    run_id = ledger.start_run("facebook", "me", "live", bundle.directory)
    ledger.finish_run(run_id, "submitted", "sent", bundle.finish("submitted", "sent"))
    ledger.set_proof(run_id, Proof.PAGE_ONLY.value)
    with dovecot_server(user=TO) as box:
        assert box.password is not None
        password = box.password.get_secret_value()
        mail = key.sign(sender=f"security@{DOMAIN}", to=TO, subject="objection received", body="ok")
        deliver(box, password, mail)
        settings = Settings(
            accounts={"facebook": {"me": Account(login=TO, password=SecretStr("x"), mail=box)}},
            output=OutputSettings(ledger=tmp_path / "ledger.sqlite3"),
        )
        [late] = collect_late_mail(settings, ledger, dns_lookup=key.dns())
    assert late.proof is Proof.EMAIL, late.result
    ledger.close()
    yield bundle.directory


def _addendum(bundle: Path) -> tuple[Path, dict[str, object]]:
    [path] = sorted(bundle.glob("addendum-*.json"))
    return path, json.loads(path.read_text())


def _verify_and_letter(bundle: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    cwd = bundle.parents[3]
    verified = optout("evidence", "verify", str(bundle), cwd=cwd)
    letter = optout("letter", str(bundle), cwd=cwd)
    assert letter.returncode == 0, letter.stderr
    return verified, " ".join(letter.stdout.split())


def test_a_collected_addendum_verifies_and_the_letter_states_the_email(collected: Path) -> None:
    verified, letter = _verify_and_letter(collected)
    assert verified.returncode == 0, verified.stderr
    assert "matches the ledger" in verified.stdout
    assert EMAIL_PROOF in letter


def test_a_hand_written_addendum_with_an_unsigned_email_is_refused(collected: Path) -> None:
    _, genuine = _addendum(collected)
    raw = f"From: security@{DOMAIN}\r\nTo: {TO}\r\nSubject: objection received\r\n\r\nok\r\n"
    name = "addendum-20990101T000000000Z-confirmation-email.eml"
    (collected / name).write_bytes(raw.encode())
    digest = hashlib.sha256(raw.encode()).hexdigest()
    forged = {
        **genuine,
        "email": {"file": name, "sha256": digest, "dkim": {"verified": True}},
        "proof": "email",
        "files": {name: digest},
    }
    (collected / "addendum-20990101T000000000Z.json").write_text(json.dumps(forged))
    verified, _ = _verify_and_letter(collected)
    assert verified.returncode == 1
    assert "FAILED addendum-20990101T000000000Z.json: not recorded in the ledger" in verified.stderr


def test_an_edited_email_with_its_hash_fixed_is_refused_and_the_letter_says_page_only(
    collected: Path,
) -> None:
    path, addendum = _addendum(collected)
    fact = addendum["email"]
    assert isinstance(fact, dict)
    email = collected / str(fact["file"])
    edited = email.read_bytes().replace(b"ok", b"we also deleted all your data")
    email.write_bytes(edited)
    digest = hashlib.sha256(edited).hexdigest()
    fact["sha256"] = digest
    addendum["files"] = {email.name: digest}
    path.write_text(json.dumps(addendum, indent=2))
    verified, letter = _verify_and_letter(collected)
    assert verified.returncode == 1
    assert "not recorded in the ledger" in verified.stderr
    assert EMAIL_PROOF not in letter
    assert "page only" in letter
    # without the ledger, the signature alone gives the edit away
    (collected.parents[3] / "ledger.sqlite3").unlink()
    verified, letter = _verify_and_letter(collected)
    assert verified.returncode == 1
    assert "signature does not verify" in verified.stderr
    assert EMAIL_PROOF not in letter


def test_an_extra_addendum_file_holding_a_script_is_refused(collected: Path) -> None:
    path, addendum = _addendum(collected)
    script = b"<script>alert(document.cookie)</script>"
    (collected / "addendum-x.html").write_bytes(script)
    files = addendum["files"]
    assert isinstance(files, dict)
    files["addendum-x.html"] = hashlib.sha256(script).hexdigest()
    path.write_text(json.dumps(addendum, indent=2))
    verified, letter = _verify_and_letter(collected)
    assert verified.returncode == 1
    assert "addendum-x.html: not listed in the manifest" in verified.stderr
    assert EMAIL_PROOF not in letter


def _finished_bundle(root: Path) -> Path:
    bundle = EvidenceBundle.create(root / "evidence", "facebook", "me", {"mode": "replica"})
    bundle.finish("submitted", "sent")
    return bundle.directory


def _symlinked_manifest(bundle: Path) -> str:
    elsewhere = bundle.parents[3] / "copy.json"
    shutil.copy(bundle / "manifest.json", elsewhere)
    (bundle / "manifest.json").unlink()
    (bundle / "manifest.json").symlink_to(elsewhere)
    return "manifest.json: a symbolic link"


def _fifo_manifest(bundle: Path) -> str:
    (bundle / "manifest.json").unlink()
    os.mkfifo(bundle / "manifest.json")
    return "manifest.json: a FIFO"


def _fifo_addendum(bundle: Path) -> str:
    os.mkfifo(bundle / "addendum-1.json")
    return "addendum-1.json: a FIFO"


def _zero_addendum(bundle: Path) -> str:
    (bundle / "addendum-1.json").symlink_to("/dev/zero")
    return "addendum-1.json: a symbolic link"


def _huge_addendum(bundle: Path) -> str:
    with (bundle / "addendum-1.json").open("wb") as handle:
        handle.truncate(1 << 30)  # sparse: 1 GiB to read, nothing on disk
    return "addendum-1.json: too large to be read"


@pytest.mark.parametrize(
    "odd",
    [_symlinked_manifest, _fifo_manifest, _fifo_addendum, _zero_addendum, _huge_addendum],
    ids=["symlinked-manifest", "fifo-manifest", "fifo-addendum", "dev-zero-link", "1GiB-file"],
)
def test_verify_and_anchor_report_odd_entries_without_reading_them(
    tmp_path: Path, odd: object
) -> None:
    bundle = _finished_bundle(tmp_path)
    assert callable(odd)
    expected = odd(bundle)
    verified = optout("evidence", "verify", str(bundle), cwd=tmp_path)
    assert verified.returncode == 1, verified.stdout
    assert f"FAILED {expected}" in verified.stderr
    assert "crashed" not in verified.stderr
    anchored = optout("evidence", "anchor", str(tmp_path / "evidence"), cwd=tmp_path)
    assert anchored.returncode == 0, anchored.stderr
    if "manifest" in expected:
        assert "No finished bundle" in anchored.stdout
    else:
        assert str(bundle) in anchored.stdout
