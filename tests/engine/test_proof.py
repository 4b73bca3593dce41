"""'Submitted' says how the platform proved it: a verified confirmation email, a re-read of
the setting, or only the page our click led to — never more than it has."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from fixtures.facebook import FacebookReplica
from fixtures.linkedin import LinkedInReplica
from flows.facebook import FacebookFlow
from flows.linkedin import LinkedInFlow
from optout_bot.imap import MailSettings
from optout_bot.outcome import Outcome
from optout_bot.replica import mail as replica_mail
from optout_bot.replica.mail import SigningKey
from tests.conftest import FlowRunner, account, seed
from tests.support.dovecot import dovecot_server

EMAIL = "mina@example.org"


def _manifest(result_dir: object) -> dict[str, object]:
    from pathlib import Path

    assert isinstance(result_dir, Path)
    data = json.loads((result_dir / "manifest.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_meta_objection_is_proved_by_its_signed_confirmation_email(runner: FlowRunner) -> None:
    user = account()
    replica = FacebookReplica(version="2025")
    seed(replica, user)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert result.proof == "email"
    manifest = _manifest(result.evidence_dir)
    assert manifest["proof"] == "email"
    mail = manifest["confirmation_email"]
    assert isinstance(mail, dict) and mail["dkim"]["verified"] is True
    assert mail["dkim"]["domain"] == "facebookmail.com"
    assert "confirmation-email.eml" in manifest["files"]  # type: ignore[operator]
    assert runner.ledger.runs()[0].proof == "email"


def test_a_forged_confirmation_is_not_proof(
    runner: FlowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mail says 'facebookmail.com' but is signed with a key the domain never published."""
    user = account()
    replica = FacebookReplica(version="2025")
    seed(replica, user)
    published = SigningKey.generate("facebookmail.com")
    monkeypatch.setattr(replica, "dkim_dns", published.dns)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert result.proof == "page only"
    mail = _manifest(result.evidence_dir)["confirmation_email"]
    assert isinstance(mail, dict) and mail["dkim"]["verified"] is False
    assert runner.ledger.runs()[0].proof == "page only"


class ConfirmsButRecordsNothing(FacebookReplica):
    """A deceptive platform: shows 'objection received' but records and sends nothing."""

    def send_mail(self, to: str, subject: str, body: str) -> None:
        if "code" in subject.lower():
            super().send_mail(to, subject, body)


def test_a_confirmation_page_alone_is_only_page_proof(runner: FlowRunner) -> None:
    user = account()
    replica = ConfirmsButRecordsNothing(version="2025")
    seed(replica, user)
    result = runner.run(FacebookFlow, replica, user)
    assert result.proof == "page only"
    assert _manifest(result.evidence_dir)["proof"] == "page only"
    assert "optout-bot mail" in json.dumps(_manifest(result.evidence_dir)["notes"])


def test_setting_changes_are_proved_by_rereading_the_setting(runner: FlowRunner) -> None:
    user = account()
    replica = LinkedInReplica()
    seed(replica, user)
    result = runner.run(LinkedInFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert result.proof == "reread"


@pytest.fixture
def mailbox() -> Iterator[MailSettings]:
    with dovecot_server(user=EMAIL) as settings:
        yield settings.model_copy(update={"wait_seconds": 30})


def test_the_confirmation_is_fetched_from_the_persons_mailbox(
    runner: FlowRunner, mailbox: MailSettings
) -> None:
    assert mailbox.password is not None
    password = mailbox.password.get_secret_value()
    user = account(mail=mailbox)
    replica = FacebookReplica(version="2025")
    seed(replica, user)
    replica.mail_drop = (mailbox, password)
    result = runner.run(FacebookFlow, replica, user)
    assert result.outcome is Outcome.SUBMITTED, result.message
    assert result.proof == "email"
    runner.ledger.close()
    for path in runner.written_files():
        assert password.encode() not in path.read_bytes(), path
    assert replica_mail.mail_domain("facebook") == "facebookmail.com"
