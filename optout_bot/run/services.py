"""What the engine lends a flow for one run (``optout_bot.flow.FlowServices``): second factors
(an authenticator code from the seed, an emailed code from the replica's mailbox or the
person), the person themselves (hand-over), and notes for the evidence."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyotp
from playwright.sync_api import Page

from optout_bot import keys
from optout_bot.errors import NeedsHuman
from optout_bot.flow import AccountView
from optout_bot.imap import MailSettings
from optout_bot.log import redactor
from optout_bot.records.mail import MailPattern
from optout_bot.run.email_code import code_from_mailbox
from optout_bot.run.hand_over import hand_over
from optout_bot.run.recorder import EvidenceRecorder
from optout_bot.run.retry import RetryPolicy
from optout_bot.settings import DEFAULT_REASONS

if TYPE_CHECKING:
    from optout_bot.run.job import Job

CODE_IN_MAIL = re.compile(r"(?<!\d)(\d{6,8})(?!\d)")
# Facts with a place of their own in the manifest; any other note goes under "notes".
MANIFEST_FACTS = frozenset(
    {"form_url", "form_version", "via", "confirmation", "submitted", "conclusion"}
)


class RunServices:
    """The services of one run."""

    def __init__(
        self,
        job: Job,
        recorder: EvidenceRecorder,
        page: Page,
        *,
        headless: bool,
        log: Any,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._job = job
        self._recorder = recorder
        self._page = page
        self._headless = headless
        self._log = log
        self._retry = retry or RetryPolicy()
        self._used_mail: set[str] = set()  # a code's message is used once

    def totp_code(self) -> str:
        seed = self._job.account.totp_seed
        if seed is None:
            raise NeedsHuman(
                "the platform asks for an authenticator code and no TOTP seed is "
                "configured: rerun with --headed and type it, or set totp_seed"
            )
        return redactor.secret(str(pyotp.TOTP(seed.get_secret_value()).now()))

    def email_code(self, purpose: str, *, requested: datetime | None = None) -> str:
        """From the person's mailbox when the account has one and the flow says what the
        code's email looks like; else a replica's mailbox, else the person."""
        pattern, mailbox = self._job.flow.EMAIL_CODE, self._job.account.mail
        if pattern is not None and mailbox is not None:
            return self._code_from_mailbox(purpose, pattern, mailbox, requested)
        email = self._job.account.form_email_or_none()
        for replica in self._job.replicas:
            for mail in reversed(replica.mailbox):
                found = CODE_IN_MAIL.search(mail.body)
                if mail.to == email and found:
                    return redactor.secret(found.group(1))
        if self._job.ask_code is not None:
            return redactor.secret(self._job.ask_code(purpose))
        raise NeedsHuman(f"{purpose}: the platform emailed a code; rerun in a terminal to type it")

    def _code_from_mailbox(
        self, purpose: str, pattern: MailPattern, mailbox: MailSettings, requested: datetime | None
    ) -> str:
        job = self._job
        password = keys.mail_password(job.flow.PLATFORM, job.label, job.account)
        if password is None:
            raise NeedsHuman(f"{purpose}: the mailbox {mailbox.user} has no app password set")
        return code_from_mailbox(
            mailbox,
            password,
            pattern,
            requested=requested or datetime.now(UTC),
            recipient=job.account.form_email_or_none(),
            used=self._used_mail,
            retry=self._retry,
            dns=next((replica.dkim_dns() for replica in job.replicas), None),
            log=self._log,
        )

    def hand_over(
        self, what: str, *, until: Callable[[], bool], otherwise: str | None = None
    ) -> None:
        hand_over(
            self._page,
            f"{self._job.flow.PLATFORM}/{self._job.label}",
            what,
            headless=self._headless,
            until=until,
            log=self._log,
            otherwise=otherwise,
        )

    def note(self, key: str, value: Any) -> None:
        if key in MANIFEST_FACTS:
            self._recorder.note(key, value)
        else:
            self._recorder.facts.setdefault("notes", {})[key] = value

    def submitted(self, values: Mapping[str, Any]) -> None:
        self.note("submitted", dict(values))

    def confirmation(self, text: str) -> None:
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        self.note(
            "confirmation", " ".join(line if line[-1] in ".!?。:" else f"{line}." for line in lines)
        )


def account_view(job: Job) -> AccountView:
    """The account as the flow sees it: secrets only behind methods."""
    account = job.account
    return AccountView(
        platform=job.flow.PLATFORM,
        label=job.label,
        login=account.login,
        email=account.form_email_or_none() or "",
        locale=account.locale,
        country=account.country,
        reason=account.form_reason(),
        default_reason=DEFAULT_REASONS[account.locale],
        _password=lambda: account.password.get_secret_value() if account.password else "",
        _totp_seed=lambda: account.totp_seed.get_secret_value() if account.totp_seed else None,
    )
