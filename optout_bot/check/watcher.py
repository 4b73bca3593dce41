"""The check-mode recorder: what a check keeps of each step, apart from ordinary evidence.

At every step it takes the page's ARIA snapshot (kept in the evidence), compares it with the
flow's baseline and turns step and comparison into a verdict; with ``--update-baselines`` it
rewrites the baseline. Steps after the state change, which a check never makes, and steps not
reached are marked skipped, so every step of the flow has a verdict. Ordinary runs: off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from playwright.sync_api import Page

from optout_bot.check.aria import (
    StepCheck,
    aria_snapshot,
    closest_baseline,
    step_verdict,
    verdict,
    write_baseline,
)
from optout_bot.flow import Step
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import EvidenceBundle
from optout_bot.run.job import Job, Mode, StepWatcher


def as_check(job: Job, *, update_baselines: bool = False) -> Job:
    """``job`` as a check: the same steps, the state-changing one checked instead of done, each
    step's page judged by a ``CheckRecorder`` (the watcher the engine calls without knowing it)."""
    return dataclasses.replace(
        job, mode=Mode.CHECK, update_baselines=update_baselines, watch=CheckRecorder
    )


class CheckRecorder:
    """One check run's verdicts, step by step."""

    def __init__(self, job: Job, bundle: EvidenceBundle) -> None:
        self.enabled = job.check
        self.checks: list[StepCheck] = []
        self.page: Page | None = None  # set once the run has one
        self._job = job
        self._bundle = bundle

    def record(
        self, step: str, screenshot: str | None, seconds: float, error: BaseException | None
    ) -> None:
        """The verdict of ``step`` (replacing an earlier attempt's), from its page and error."""
        if not self.enabled or self.page is None:
            return
        job, account = self._job, self._job.account
        snapshot = aria_snapshot(self.page, [account.login, account.form_email_or_none() or ""])
        version = self._bundle.facts.get("form_version")
        baseline = closest_baseline(
            job.flow, account.locale, step, str(version) if version else None, snapshot
        )
        if snapshot is not None:
            self._bundle.add_file(
                f"{len(self._bundle.steps):02d}-{step}.aria.yml", snapshot.encode("utf-8")
            )
        result = step_verdict(
            job.flow, account.locale, step, baseline, snapshot, error, updating=job.update_baselines
        )
        result.seconds, result.screenshot = round(seconds, 3), screenshot
        if job.update_baselines and snapshot is not None and error is None:
            write_baseline(baseline, snapshot)
        self.checks = [c for c in self.checks if c.step != step] + [result]

    def note_unconfirmed(self, step: str, keys: list[str]) -> None:
        """The label keys ``step`` relied on that no source confirms, for the report."""
        for check in self.checks:
            if check.step == step:
                check.unconfirmed = keys

    def skip(self, steps: Sequence[Step], why: str) -> None:
        if self.enabled:
            self.checks += [StepCheck(s.name, "skipped", why) for s in steps]

    def verdict(self, outcome: Outcome) -> str:
        """One word for the run: ``ok``, ``ui_changed``, or ``error`` (the check could not run)."""
        return verdict(outcome, self.checks)

    def skip_unreached(self) -> None:
        """At the end: every step without a verdict was not reached."""
        done = {c.step for c in self.checks}
        failed = next((c.step for c in self.checks if c.status != "ok"), "an earlier step")
        self.skip(
            [s for s in self._job.flow.STEPS if s.name not in done],
            f"not reached: {failed} did not pass",
        )


class WrappedWatcher:
    """A watcher around another one (a check's or a run's): the page, the steps judged and
    what the engine asks of a watcher go to ``inner``; a subclass adds what it does after
    each step by overriding :meth:`record` (calling this one first)."""

    def __init__(self, inner: StepWatcher, job: Job) -> None:
        self.inner = inner
        self.enabled = inner.enabled
        self.job = job

    @property
    def page(self) -> Page | None:
        return self.inner.page

    @page.setter
    def page(self, page: Page | None) -> None:
        self.inner.page = page

    @property
    def checks(self) -> list[Any]:
        return self.inner.checks

    @checks.setter
    def checks(self, checks: list[Any]) -> None:
        self.inner.checks = checks

    def record(
        self, step: str, screenshot: str | None, seconds: float, error: BaseException | None
    ) -> None:
        self.inner.record(step, screenshot, seconds, error)

    def note_unconfirmed(self, step: str, keys: list[str]) -> None:
        self.inner.note_unconfirmed(step, keys)

    def skip(self, steps: Sequence[Step], why: str) -> None:
        self.inner.skip(steps, why)

    def skip_unreached(self) -> None:
        self.inner.skip_unreached()

    def verdict(self, outcome: Outcome) -> str:
        return self.inner.verdict(outcome)
