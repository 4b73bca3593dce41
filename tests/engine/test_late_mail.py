"""``optout-bot mail``: a confirmation that arrives after the run upgrades its proof."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from flows.facebook import FacebookFlow
from optout_bot.imap import MailSettings
from optout_bot.records.evidence import EvidenceBundle, verify_bundle
from optout_bot.records.ledger import Ledger
from optout_bot.records.mail import MailPattern
from optout_bot.records.proof import Proof, addendum_files
from optout_bot.replica.mail import SigningKey, deliver
from optout_bot.run.late_mail import collect_late_mail
from optout_bot.settings import Account, OutputSettings, Settings
from tests.support.dovecot import dovecot_server

TO = "person@example.org"
PATTERN = MailPattern(domains=("facebookmail.com",), subjects=("objection",))


@pytest.fixture
def mailbox() -> Iterator[MailSettings]:
    with dovecot_server(user=TO) as settings:
        yield settings


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate("facebookmail.com")


def _submitted_run(tmp_path: Path, ledger: Ledger) -> tuple[int, Path]:
    bundle = EvidenceBundle.create(tmp_path / "evidence", "facebook", "me", {"mode": "live"})
    run_id = ledger.start_run("facebook", "me", "live", bundle.directory)
    digest = bundle.finish("submitted", "objection sent")
    ledger.finish_run(run_id, "submitted", "objection sent", digest)
    ledger.set_proof(run_id, Proof.PAGE_ONLY.value)
    return run_id, bundle.directory


def _settings(tmp_path: Path, mailbox: MailSettings) -> Settings:
    account = Account(login=TO, password=SecretStr("pw-not-used"), mail=mailbox)
    return Settings(
        accounts={"facebook": {"me": account}},
        output=OutputSettings(ledger=tmp_path / "ledger.sqlite3"),
    )


def test_late_confirmation_upgrades_page_only_to_email(
    tmp_path: Path, mailbox: MailSettings, key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FacebookFlow, "confirmation_mail", classmethod(lambda cls: PATTERN))
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    run_id, bundle = _submitted_run(tmp_path, ledger)
    settings = _settings(tmp_path, mailbox)
    assert mailbox.password is not None
    password = mailbox.password.get_secret_value()

    [nothing_yet] = collect_late_mail(settings, ledger, dns_lookup=key.dns())
    assert nothing_yet.result == "no confirmation email yet"

    deliver(
        mailbox,
        password,
        key.sign(
            sender="security@facebookmail.com",
            to=TO,
            subject="We received your objection",
            body="Done.",
        ),
    )
    [late] = collect_late_mail(settings, ledger, dns_lookup=key.dns())
    assert late.proof is Proof.EMAIL, late.result
    [row] = ledger.runs()
    assert (row.id, row.proof) == (run_id, "email")
    listed = addendum_files(bundle)
    emails = [name for name in listed if name.endswith(".eml")]
    assert len(emails) == 1
    assert b"Done." in (bundle / emails[0]).read_bytes()
    # the bundle still verifies with the addendum, and an altered email is caught
    assert verify_bundle(bundle) == []
    (bundle / emails[0]).write_bytes(b"altered")
    assert [p.file for p in verify_bundle(bundle)] == [emails[0]]
    # a run that has its proof is not looked at again
    assert collect_late_mail(settings, ledger, dns_lookup=key.dns()) == []
    # the mailbox password is written nowhere
    for path in [*bundle.rglob("*"), *tmp_path.glob("ledger*")]:
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path


def test_forged_late_confirmation_keeps_page_only(
    tmp_path: Path, mailbox: MailSettings, key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FacebookFlow, "confirmation_mail", classmethod(lambda cls: PATTERN))
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    _, bundle = _submitted_run(tmp_path, ledger)
    assert mailbox.password is not None
    forger = SigningKey.generate("facebookmail.com")
    deliver(
        mailbox,
        mailbox.password.get_secret_value(),
        forger.sign(
            sender="security@facebookmail.com", to=TO, subject="objection received", body="x"
        ),
    )
    [late] = collect_late_mail(_settings(tmp_path, mailbox), ledger, dns_lookup=key.dns())
    assert late.proof is Proof.PAGE_ONLY
    assert "signature failed" in late.result
    assert ledger.runs()[0].proof == "page only"
    addendum = next(bundle.glob("addendum-*.json"))
    assert json.loads(addendum.read_text())["email"]["dkim"]["verified"] is False
