"""Captures during a check: every page a flow reached, or only the pages where a step found
the UI changed, kept beside the check's own verdicts (the check's watcher does the judging;
this one only adds captures). ``check --capture`` and ``run --capture`` add the same watcher
as an observer (:func:`capture_on_ui_changed`): a run stays a run, and the page where it
stopped with ``ui_changed`` is captured for the issue."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import re
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from optout_bot import log
from optout_bot.check import capture
from optout_bot.check.watcher import CheckRecorder, WrappedWatcher
from optout_bot.errors import UiChanged
from optout_bot.records.evidence import EvidenceBundle
from optout_bot.run.job import Job, Mode, ObserverFactory, StepWatcher, WatcherFactory

SAFE = re.compile(r"[^\w.-]+")


def capturing(job: Job, folder: Path, *, only_ui_changed: bool = False) -> Job:
    """``job`` as a check that also captures its pages into ``folder``."""
    watch = capture_watcher(folder, inner=job.watch, only_ui_changed=only_ui_changed)
    mode = job.mode if job.mode is not Mode.LIVE else Mode.CHECK
    return dataclasses.replace(job, watch=watch, mode=mode)


def capture_watcher(
    folder: Path, *, inner: WatcherFactory | None = None, only_ui_changed: bool = False
) -> WatcherFactory:
    """The watcher of a capturing check: ``inner`` (the check's recorder) judges, this one
    captures."""
    judge: WatcherFactory = inner or CheckRecorder

    def watch(job: Job, bundle: EvidenceBundle) -> StepWatcher:
        return CaptureWatcher(judge(job, bundle), job, folder, only_ui_changed=only_ui_changed)

    return watch


def capture_on_ui_changed(folder: Path) -> ObserverFactory:
    """An observer (``Job.observe``) that captures the page where a step found the UI
    changed, into ``folder``: for a run as for a check, without making a run a check."""

    def observe(job: Job, bundle: EvidenceBundle, inner: StepWatcher) -> StepWatcher:
        return CaptureWatcher(inner, job, folder, only_ui_changed=True)

    return observe


class CaptureWatcher(WrappedWatcher):
    """Wraps a check's watcher: after each step it judged, a capture of the page."""

    def __init__(
        self, inner: StepWatcher, job: Job, folder: Path, *, only_ui_changed: bool
    ) -> None:
        super().__init__(inner, job)
        self.only_ui_changed = only_ui_changed
        account = job.account
        # the account's label may be a name: the folder, shared with the capture, says a hash
        tag = hashlib.sha256(job.label.encode()).hexdigest()[:8]
        run = SAFE.sub("-", f"{job.flow.PLATFORM}-{account.locale}-{tag}")
        self.folder = folder / run
        self.personal = [account.login, account.form_email_or_none() or "", job.label]
        self.taken: list[capture.Capture] = []

    def record(
        self, step: str, screenshot: str | None, seconds: float, error: BaseException | None
    ) -> None:
        self.inner.record(step, screenshot, seconds, error)
        changed = isinstance(error, UiChanged) or any(
            getattr(c, "step", None) == step and getattr(c, "status", None) == "ui_changed"
            for c in self.inner.checks
        )
        if self.page is None or (self.only_ui_changed and not changed):
            return
        where = self.folder / f"{len(self.taken) + 1:02d}-{SAFE.sub('-', step)}"
        try:
            taken = capture.take(
                self.page,
                where,
                platform=self.job.flow.PLATFORM,
                locale=self.job.account.locale,
                step=step,
                personal=self.personal,
                today=datetime.datetime.now(datetime.UTC).date(),
                replica=bool(self.job.replicas),
            )
        except PlaywrightError as failure:
            log.get_logger().warning("capture.failed", step=step, error=str(failure)[:200])
            return
        self.taken.append(taken)


def captures_in(folder: Path) -> list[Path]:
    """Every capture under ``folder``, in the order they were taken."""
    return sorted(p.parent for p in folder.rglob(capture.PAGE_FILE))
