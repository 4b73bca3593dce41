"""Verified on the real site: while a check or run acts on the real platform, each step that
passes is recorded with the UTC date and the page version, and the label wordings a check saw
on that step's page (``optout_bot.labels.verified`` keeps and reads the records).

A replica or the demo never counts, however the job came to be planned: :func:`real_site`
is asked at every step. The record goes to the user's own file as each step passes (a run
killed later keeps what it verified), and stays in memory for ``--report``.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from pathlib import Path

from optout_bot import labels
from optout_bot.check.aria import names_in
from optout_bot.check.watcher import WrappedWatcher
from optout_bot.labels import LabelBook
from optout_bot.labels import verified as records
from optout_bot.records.evidence import EvidenceBundle
from optout_bot.run.job import Job, Mode, ObserverFactory, StepWatcher

Today = Callable[[], datetime.date]


def utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def real_site(job: Job) -> bool:
    """Whether ``job`` acts on the real platform: no replica served, not the demo."""
    return not job.replicas and job.mode in (Mode.LIVE, Mode.CHECK)


def seen_on(book: LabelBook, locale: str, snapshot: str) -> list[tuple[str, str]]:
    """(key, wording) for every wording of the project's label files in ``locale`` that a
    page's snapshot names (whole names, case aside); the ``page.`` strings only a replica
    shows are left out, as are what the user taught."""
    names = {name.casefold() for name in names_in(snapshot)}
    found: list[tuple[str, str]] = []
    for key, variants in book.tables.get(locale, {}).items():
        if key.startswith(labels.PAGE + "."):
            continue
        for variant in variants:
            if variant.taught or len(variant.text) < 2:
                continue
            if labels.normalise(variant.text, casefold=True) in names:
                found.append((key, variant.text))
    return found


class Verifying:
    """What one command's jobs verified on the real site, kept for ``--report`` and written
    through to the user's record (``None``: to no file)."""

    def __init__(self, user_file: Path | None = None, *, today: Today = utc_today) -> None:
        self.user_file = user_file
        self.today = today
        self.found = records.Record()
        self._lock = threading.Lock()

    def observer(self) -> ObserverFactory:
        """The watcher to give each job (``Job.observe``)."""

        def observe(job: Job, bundle: EvidenceBundle, inner: StepWatcher) -> StepWatcher:
            return PassRecorder(inner, job, bundle, self)

        return observe

    def note(self, found: records.Record) -> None:
        with self._lock:
            self.found.merge(found)
        if self.user_file is not None:
            records.add_to(self.user_file, found)


class PassRecorder(WrappedWatcher):
    """Wraps a run's watcher: after each step it saw pass on the real site, a record."""

    def __init__(
        self, inner: StepWatcher, job: Job, bundle: EvidenceBundle, verifying: Verifying
    ) -> None:
        super().__init__(inner, job)
        self.bundle = bundle
        self.verifying = verifying
        self._book: LabelBook | None = None

    def record(
        self, step: str, screenshot: str | None, seconds: float, error: BaseException | None
    ) -> None:
        self.inner.record(step, screenshot, seconds, error)
        if error is not None or not real_site(self.job):
            return
        judged = [c for c in self.inner.checks if getattr(c, "step", None) == step]
        if judged and getattr(judged[-1], "status", None) != "ok":
            return  # a check saw the page lose what the flow looks for
        platform, locale = self.job.flow.PLATFORM, self.job.account.locale
        day = self.verifying.today().isoformat()
        version = self.bundle.facts.get("form_version")
        found = records.Record()
        found.add_pass(
            records.Pass(
                platform=platform,
                locale=locale,
                version=str(version) if version else "",
                step=step,
                date=day,
                by="check" if self.job.check else "run",
            )
        )
        snapshot = getattr(judged[-1], "aria_snapshot", None) if judged else None
        if isinstance(snapshot, str):
            for key, text in seen_on(self.book(), locale, snapshot):
                found.add_seen(records.Seen(platform, locale, key, text, day))
        self.verifying.note(found)

    def book(self) -> LabelBook:
        if self._book is None:
            self._book = self.job.flow.label_book()
        return self._book
