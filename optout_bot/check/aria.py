"""Check mode: is each flow still working, and if a page changed, does the change matter?

A check walks a flow's steps up to, never through, the step that changes anything, and at
each page compares its accessibility (ARIA) snapshot with a baseline kept beside the flow
(``flows/<platform>/baselines/<locale>/<step>[-<version>].yml``, reviewed like code). A
difference is *breaking* when a line naming something the flow looks for (a label from its
label files) is gone, and *harmless* otherwise (other texts, extra links, banners).
"""

from __future__ import annotations

import difflib
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from optout_bot import labels
from optout_bot.errors import FlowError, Transient, UiChanged
from optout_bot.flow import Flow
from optout_bot.outcome import Outcome

NUMBER = re.compile(r"\d{4,}")
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


@dataclass
class AriaDiff:
    """Differences between a baseline snapshot and the live page."""

    baseline: Path
    breaking: list[str] = field(default_factory=list)
    harmless: list[str] = field(default_factory=list)
    text: str = ""
    missing_baseline: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.breaking or self.harmless)


@dataclass
class StepCheck:
    """One step's verdict: ``ok``, ``ui_changed``, ``error`` (could not check) or
    ``skipped`` (after the state change, or nothing to check)."""

    step: str
    status: str
    detail: str = ""
    element: str | None = None
    seconds: float = 0.0
    screenshot: str | None = None
    aria_snapshot: str | None = None
    diff: AriaDiff | None = None
    unconfirmed: list[str] = field(default_factory=list)
    """Label keys this step relied on that no source confirms yet."""


def baseline_dir(flow: type[Flow]) -> Path:
    """``baselines/`` beside the flow's module, found from the class, not by importing flows."""
    return Path(inspect.getfile(flow)).parent / "baselines"


def baseline_path(flow: type[Flow], locale: str, step: str, version: str | None) -> Path:
    name = f"{step}-{version}.yml" if version else f"{step}.yml"
    return baseline_dir(flow) / locale / name


def normalise(snapshot: str, personal: list[str]) -> str:
    """Remove what differs between accounts and runs: the account's own identifiers, long
    numbers (codes, ids), and trailing spaces."""
    names = set(personal) | {p.split("@")[0] for p in personal if "@" in p}
    for value in sorted((p for p in names if len(p) >= 3), key=len, reverse=True):
        snapshot = re.sub(
            rf"(?<![A-Za-z0-9_.]){re.escape(value)}(?![A-Za-z0-9_])", "<account>", snapshot
        )
    snapshot = NUMBER.sub("<n>", snapshot)
    return "\n".join(line.rstrip() for line in snapshot.strip().splitlines()) + "\n"


def needed_names(flow: type[Flow], locale: str) -> set[str]:
    """Every wording (normalised) of every label the flow looks for, in ``locale`` (English
    where it has none); the ``page.`` strings only a replica shows are not needed."""
    book = flow.label_book()
    return {
        labels.normalise(v.text)
        for key in book.flow_keys()
        for v in book.variants(key, locale)
        if len(v.text) >= 2
    }


def compare(flow: type[Flow], locale: str, baseline: Path, live: str) -> AriaDiff:
    """Diff ``live`` against ``baseline``; classify each removed or added line."""
    diff = AriaDiff(baseline=baseline)
    if not baseline.is_file():
        diff.missing_baseline = True
        return diff
    before = baseline.read_text(encoding="utf-8").splitlines()
    after = live.splitlines()
    lines = list(difflib.unified_diff(before, after, "baseline", "live", lineterm="", n=1))
    diff.text = "\n".join(lines)
    removed = [line[1:] for line in lines if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    needed = needed_names(flow, locale)
    still_there = {labels.normalise(name) for line in after for name in _names(line)}
    for line in removed:
        lost = [
            n for n in map(labels.normalise, _names(line)) if n in needed and n not in still_there
        ]
        (diff.breaking if lost else diff.harmless).append(f"- {line.strip()}")
    diff.harmless += [f"+ {line.strip()}" for line in added]
    return diff


def names_in(snapshot: str) -> set[str]:
    """Every accessible name and text of a snapshot, normalised."""
    return {labels.normalise(name) for line in snapshot.splitlines() for name in _names(line)}


def _names(line: str) -> set[str]:
    """The accessible names and texts quoted in one snapshot line, plus its bare text."""
    names = set(QUOTED.findall(line))
    text = line.split(":", 1)[1].strip() if ":" in line else ""
    if text:
        names.add(text.strip('"'))
    stripped = line.strip().removeprefix("- ")
    if stripped.startswith(("text:", "paragraph:", "heading")):
        names.add(stripped.split(":", 1)[-1].strip().strip('"'))
    return {n for n in names if n}


def write_baseline(path: Path, snapshot: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(snapshot, encoding="utf-8")


def aria_snapshot(page: Page, personal: list[str]) -> str | None:
    """The page's accessibility tree as Playwright's YAML, normalised for comparison."""
    try:
        return normalise(page.locator("body").aria_snapshot(timeout=5_000), personal)
    except PlaywrightError:
        return None


def closest_baseline(
    flow: type[Flow], locale: str, step: str, version: str | None, snapshot: str | None
) -> Path:
    """The baseline to compare with. Before a flow has told the page's version, the versioned
    baseline of this step closest to the live page stands in."""
    exact = baseline_path(flow, locale, step, version)
    if exact.is_file() or version is not None or snapshot is None:
        return exact
    candidates = sorted(exact.parent.glob(f"{step}-*.yml"))
    if not candidates:
        return exact
    live = snapshot.splitlines()

    def distance(path: Path) -> int:
        lines = path.read_text(encoding="utf-8").splitlines()
        return sum(1 for line in difflib.ndiff(lines, live) if line[:1] in "+-")

    return min(candidates, key=distance)


def step_verdict(
    flow: type[Flow],
    locale: str,
    step: str,
    baseline: Path,
    snapshot: str | None,
    error: BaseException | None,
    *,
    updating: bool = False,
) -> StepCheck:
    """Turn what happened at one step, and how its page compares with the baseline, into a
    verdict a volunteer can act on."""
    diff = compare(flow, locale, baseline, snapshot) if snapshot is not None else None
    if isinstance(error, UiChanged):
        return StepCheck(
            step, "ui_changed", error.message, error.element, diff=diff, aria_snapshot=snapshot
        )
    if isinstance(error, NotImplementedError):
        return StepCheck(step, "skipped", str(error), diff=diff, aria_snapshot=snapshot)
    if isinstance(error, Transient):
        return StepCheck(step, "retry", error.message, diff=diff, aria_snapshot=snapshot)
    if error is not None:
        message = error.message if isinstance(error, FlowError) else str(error).splitlines()[0]
        return StepCheck(step, "error", message, diff=diff, aria_snapshot=snapshot)
    if updating and diff is not None and diff.changed:
        return StepCheck(
            step,
            "ok",
            f"baseline updated ({len(diff.breaking)} breaking, "
            f"{len(diff.harmless)} harmless differences)",
            diff=diff,
            aria_snapshot=snapshot,
        )
    if diff is not None and diff.breaking:
        return StepCheck(
            step,
            "ui_changed",
            "the page lost what the flow looks for: " + "; ".join(diff.breaking),
            diff=diff,
            aria_snapshot=snapshot,
        )
    detail = ""
    if diff is not None and diff.missing_baseline:
        detail = "no baseline yet (run `optout-bot check --update-baselines`)"
    elif diff is not None and diff.harmless:
        detail = f"{len(diff.harmless)} harmless difference(s) from the baseline"
    return StepCheck(step, "ok", detail, diff=diff, aria_snapshot=snapshot)


def verdict(outcome: Outcome, checks: list[StepCheck]) -> str:
    """One word per flow: ``ok``, ``ui_changed``, or ``error`` (the check could not run)."""
    if outcome is Outcome.UI_CHANGED or any(c.status == "ui_changed" for c in checks):
        return "ui_changed"
    if outcome in (Outcome.SUBMITTED, Outcome.ALREADY_DONE, Outcome.CHECKED):
        return "ok"
    return "error"
