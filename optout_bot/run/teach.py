"""Teach mode: when a step cannot find an element its label files name, the person shows it.

A headed run or check that meets ``UiChanged`` for an element looked up by a label key
(``Target(role=…, name=flow.label(key))`` or ``Target(label=flow.label(key))``) outlines the
page's closest candidates (same role, nearest names), says in a banner what it looks for, and
waits for the person to click the right one, five minutes at most (Skip or Esc declines). The
click is caught before the page sees it, so nothing is pressed or sent. The element's role and
accessible name go to the user's label file (``optout_bot.labels.user``), the flow reloads its
labels, and the step loop starts the step over from its restart point; the lines to contribute
and a prefilled broken-flow issue are printed. Headless, nobody can show anything: the run ends
``ui_changed`` as before.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from optout_bot import labels
from optout_bot.errors import UiChanged, one_line
from optout_bot.flow import Flow
from optout_bot.flow.page import Target
from optout_bot.labels import Label, Variant
from optout_bot.labels import user as user_labels
from optout_bot.log import redactor

WAIT_SECONDS = 300
MAX_LESSONS = 5  # per run: a page that keeps failing after this is not a renamed label
MAX_CANDIDATES = 60
OUTLINED = 5  # the closest candidates get a strong outline and a number
FIELD_ROLES = ("textbox", "combobox", "searchbox", "spinbutton", "listbox")
SNAPSHOT_LINE = re.compile(r'^- (?P<role>[\w-]+)(?: "(?P<name>(?:[^"\\]|\\.)*)")?')
HEADLESS_FOR_TESTS = False
"""Tests only: let a headless run teach, with the test playing the person."""

MARK_JS = "(element, index) => element.setAttribute('data-optout-teach', String(index))"
ASK_JS = """(args) => new Promise((resolve) => {
  // Listen before showing anything, so that no click of the person ever reaches the page.
  const listeners = [];
  let note = null;
  const finish = (answer) => {
    clearTimeout(timer);
    for (const [type, listener] of listeners) window.removeEventListener(type, listener, true);
    resolve(answer);
  };
  const swallow = (event) => {
    if (event.isTrusted) { event.preventDefault(); event.stopImmediatePropagation(); }
  };
  const onClick = (event) => {
    if (!event.isTrusted) return;  // only the person's own clicks teach, never a script's
    swallow(event);
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest('[data-optout-teach-skip]')) return finish({skipped: true});
    const label = target.closest('label');
    const picked = target.closest('[data-optout-teach]') ||
      (label && label.control && label.control.closest('[data-optout-teach]'));
    if (picked) return finish({picked: Number(picked.getAttribute('data-optout-teach'))});
    if (note) note.textContent = args.notCandidate;
  };
  const onKey = (event) => {
    if (event.isTrusted && event.key === 'Escape') { swallow(event); finish({skipped: true}); }
  };
  listeners.push(['click', onClick], ['keydown', onKey]);
  for (const type of ['pointerdown', 'pointerup', 'mousedown', 'mouseup', 'dblclick',
                      'auxclick', 'submit']) listeners.push([type, swallow]);
  for (const [type, listener] of listeners) window.addEventListener(type, listener, true);
  const timer = setTimeout(() => finish({timeout: true}), args.waitMs);

  for (const old of document.querySelectorAll('[data-optout-teach-ui]')) old.remove();
  const style = document.createElement('style');
  style.setAttribute('data-optout-teach-ui', '');
  style.textContent = '[data-optout-teach]{outline:2px dashed #c60 !important;' +
    'outline-offset:2px !important}[data-optout-teach-rank]{outline:4px solid #d00 !important}';
  document.documentElement.append(style);
  for (const [index, rank] of args.ranks) {
    const element = document.querySelector(`[data-optout-teach="${index}"]`);
    if (element) element.setAttribute('data-optout-teach-rank', String(rank));
  }
  const banner = document.createElement('div');
  banner.setAttribute('data-optout-teach-ui', '');
  banner.setAttribute('data-optout-teach-banner', '');
  banner.style.cssText = 'position:fixed;left:0;right:0;bottom:0;z-index:2147483647;' +
    'background:#fff8c4;color:#000;border-top:4px solid #d00;padding:10px 16px;' +
    'font:16px/1.4 sans-serif;pointer-events:none;text-align:left';
  const text = document.createElement('div');
  text.textContent = args.message;
  note = document.createElement('div');
  note.style.fontWeight = 'bold';
  const skip = document.createElement('button');
  skip.setAttribute('data-optout-teach-skip', '');
  skip.textContent = 'Skip';
  skip.style.cssText = 'pointer-events:auto;float:right;margin-left:12px;font:inherit';
  banner.append(skip, text, note);
  document.documentElement.append(banner);
})"""
CLEAN_JS = """() => {
  for (const old of document.querySelectorAll('[data-optout-teach-ui]')) old.remove();
  for (const element of document.querySelectorAll('[data-optout-teach]')) {
    element.removeAttribute('data-optout-teach');
    element.removeAttribute('data-optout-teach-rank');
  }
}"""


def allowed(wanted: bool | None, headless: bool) -> bool:
    """Whether a run teaches: ``--teach``/``--no-teach``, by default when headed; never
    headless, where nobody sees the page (tests may say otherwise)."""
    if wanted is None:
        wanted = not headless
    return wanted and (not headless or HEADLESS_FOR_TESTS)


@dataclass(frozen=True)
class Wanted:
    """A lookup the person can teach: an element of ``role`` (``None``: a form field found by
    its label) named by label ``key``."""

    key: str
    role: str | None
    variants: tuple[str, ...]

    def accepts(self, role: str) -> bool:
        return role == self.role if self.role is not None else role in FIELD_ROLES

    def describe(self) -> str:
        names = " or ".join(f'"{v}"' for v in self.variants)
        return f"a {self.role} named {names}" if self.role else f"a field labelled {names}"


@dataclass(frozen=True)
class Candidate:
    index: int
    role: str
    name: str
    closeness: float


@dataclass(frozen=True)
class Lesson:
    """What the person taught, where it was written, and the text to contribute."""

    platform: str
    locale: str
    key: str
    variant: Variant
    file: Path
    contribution: str

    def as_note(self) -> dict[str, str | None]:
        """The lesson as the run's evidence notes it (no file path: it names the user)."""
        return {
            "key": self.key,
            "locale": self.locale,
            "role": self.variant.role,
            "text": self.variant.text,
            "source": self.variant.source,
        }


def wanted_in(error: UiChanged) -> list[Wanted]:
    """The teachable lookups among those ``error`` tried: a role or a field label named by a
    label key (a pattern or a plain string names no key, so nothing could be recorded)."""
    found: list[Wanted] = []
    for target in error.targets:
        if not isinstance(target, Target):
            continue
        named = target.name if target.role is not None else target.label
        if isinstance(named, Label):
            role = str(target.role) if target.role is not None else None
            found.append(Wanted(named.key, role, named.variants))
    return found


class PagePicker:
    """The page side of teach mode: outlining the elements a lookup could have meant, showing
    the banner, and catching the person's click before the page sees it. Apart from
    :class:`Teacher` so that what happens on the page reads apart from what is learnt."""

    def __init__(self, page: Page, *, log: Any) -> None:
        self.page, self.log = page, log

    def candidates(self, wanted: list[Wanted]) -> list[Candidate]:
        """The visible elements a lookup could have meant, each marked on the page with its
        index, the closest names first."""
        roles = list(
            dict.fromkeys(r for w in wanted for r in ((w.role,) if w.role else FIELD_ROLES))
        )
        union: Locator = self.page.get_by_role(roles[0])  # type: ignore[arg-type]
        for role in roles[1:]:
            union = union.or_(self.page.get_by_role(role))  # type: ignore[arg-type]
        found: list[Candidate] = []
        for index, element in enumerate(union.filter(visible=True).all()[:MAX_CANDIDATES]):
            role, name = _role_and_name(element.aria_snapshot())
            fits = [w for w in wanted if w.accepts(role)]
            if not fits:
                continue
            element.evaluate(MARK_JS, index)
            found.append(
                Candidate(
                    index, role, name, max(_closeness(name, v) for w in fits for v in w.variants)
                )
            )
        return sorted(found, key=lambda c: -c.closeness)

    def show_and_wait(
        self, message: str, candidates: list[Candidate], remaining: float
    ) -> dict[str, Any]:
        """Outline the closest ``candidates``, show ``message`` in a banner, and wait up to
        ``remaining`` seconds for the person's answer: picked (an index), skipped or timeout."""
        ranks = [[c.index, rank] for rank, c in enumerate(candidates[:OUTLINED], start=1)]
        answer = self.page.evaluate(
            ASK_JS,
            {
                "message": message,
                "ranks": ranks,
                "waitMs": max(1, int(remaining * 1000)),
                "notCandidate": "That is not one of the outlined elements: click one of them, "
                "or Skip.",
            },
        )
        return dict(answer or {})

    def clean(self) -> None:
        try:
            self.page.evaluate(CLEAN_JS)
        except PlaywrightError as failure:  # gone with the page: nothing left to clean
            self.log.debug("teach overlay not removed", error=one_line(failure))


class Teacher:
    """Teach mode for one run's page; ``say`` is how the person is told (the terminal)."""

    def __init__(
        self,
        flow: Flow,
        page: Page,
        *,
        log: Any,
        note: Callable[[str, Any], None] | None = None,
        say: Callable[[str], None] | None = None,
        wait_seconds: float | None = None,
    ) -> None:
        self.flow, self.page, self.log = flow, page, log
        self.picker = PagePicker(page, log=log)
        self.note = note or (lambda _key, _value: None)
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self.wait_seconds = WAIT_SECONDS if wait_seconds is None else wait_seconds
        self.lessons: list[Lesson] = []
        self._asked: set[str] = set()

    @property
    def platform(self) -> str:
        """The folder the user's labels go to: the flow's own (``facebook``, not ``_meta``)."""
        return type(self.flow).label_folders()[-1].name

    @property
    def locale(self) -> str:
        return str(self.flow.account.locale)

    def can_teach(self, error: UiChanged) -> bool:
        fresh = [w for w in wanted_in(error) if w.key not in self._asked]
        return bool(fresh) and len(self.lessons) < MAX_LESSONS

    def teach(self, error: UiChanged) -> Lesson | None:
        """Ask the person for the element ``error`` did not find; the lesson, once written
        and loaded into the flow, or None (declined, timed out, nothing to choose from)."""
        wanted = [w for w in wanted_in(error) if w.key not in self._asked]
        if not wanted or len(self.lessons) >= MAX_LESSONS:
            return None
        self._asked.update(w.key for w in wanted)  # asked once per run, so it never loops
        try:
            picked = self._ask(error, wanted)
        except PlaywrightError as failure:
            self.log.warning("teach mode stopped", error=one_line(failure))
            return None
        if picked is None:
            return None
        return self._learn(error, wanted, picked)

    # --- asking ---------------------------------------------------------------------------

    def _ask(self, error: UiChanged, wanted: list[Wanted]) -> Candidate | None:
        deadline = time.monotonic() + self.wait_seconds
        self.say(
            f"\n>>> {self.flow.PLATFORM}/{self.flow.account.label}: {error.element} not "
            "found. Click it in the browser window (the closest candidates are outlined "
            f"in red), or press Skip; waiting up to {round(self.wait_seconds / 60)} "
            "minutes."
        )
        self.log.info(
            "teach mode: waiting for the person",
            element=error.element,
            keys=[w.key for w in wanted],
        )
        banner = self._banner(error, wanted)
        while (remaining := deadline - time.monotonic()) > 0:
            candidates = self.picker.candidates(wanted)
            if not candidates:
                self.say(
                    f">>> teach mode: no {' or '.join(_kinds(wanted))} on this page to choose from."
                )
                return None
            try:
                answer = self.picker.show_and_wait(banner, candidates, remaining)
            except PlaywrightError as failure:
                if self.page.is_closed() or not _navigated(failure):
                    raise
                self.page.wait_for_load_state("domcontentloaded")
                continue  # the page went on by itself: mark the new one
            self.picker.clean()
            if "picked" in answer:
                return next(c for c in candidates if c.index == answer["picked"])
            self.say(
                ">>> teach mode: "
                + ("skipped." if "skipped" in answer else "nobody chose in time.")
            )
            return None
        return None

    def _banner(self, error: UiChanged, wanted: list[Wanted]) -> str:
        """What the banner on the page tells the person: what is missing and what they teach."""
        looked_for = "; or ".join(w.describe() for w in wanted)
        return (
            f"optout-bot could not find \u201c{error.element}\u201d: it looks for "
            f"{looked_for}. Click the right element on this page (the closest are "
            f"outlined in red); it is only noted, not pressed. It will be remembered "
            f"for {self.flow.PLATFORM} in language \u201c{self.locale}\u201d. "
            "Skip or Esc: do not teach."
        )

    # --- learning -------------------------------------------------------------------------

    def _learn(self, error: UiChanged, wanted: list[Wanted], picked: Candidate) -> Lesson | None:
        lookup = next(w for w in wanted if w.accepts(picked.role))
        if not picked.name.strip():
            self.say(f">>> teach mode: that {picked.role} has no name to look for; not taught.")
            return None
        if any(labels.normalise(picked.name) == labels.normalise(v) for v in lookup.variants):
            self.say(
                f">>> teach mode: that {picked.role} is already named "
                f"\u201c{picked.name}\u201d in the label files, so a new label cannot "
                "help (the page may show it twice, or hide it); not taught."
            )
            return None
        variant = user_labels.taught_variant(picked.name, picked.role, self.page.url, date.today())
        path = user_labels.remember(self.platform, self.locale, lookup.key, variant)
        self.flow.labels = self.flow.label_book()
        contribution = redactor.scrub(
            contribution_text(self.flow, error, lookup.key, self.locale, variant, path)
        )
        lesson = Lesson(self.platform, self.locale, lookup.key, variant, path, contribution)
        self.lessons.append(lesson)
        self.note("taught", [lesson.as_note() for lesson in self.lessons])
        self.log.info(
            "taught a label", key=lookup.key, locale=self.locale, role=picked.role, file=str(path)
        )
        self.say(contribution)
        return lesson


def contribution_text(
    flow: Flow, error: UiChanged, key: str, locale: str, variant: Variant, saved: Path
) -> str:
    """What the person is asked to send back: the label-file lines and a broken-flow issue
    (the fields of ``.github/ISSUE_TEMPLATE/broken_flow.yml``), filled in."""
    lines = user_labels.toml_lines(key, [variant]).rstrip("\n")
    project_file = project_label_file(type(flow), key, locale)
    shown = f"{variant.role} \u201c{variant.text}\u201d"
    return "\n".join(
        [
            f">>> Taught: {flow.PLATFORM}, language {locale}, label `{key}` = {shown}.",
            f"    Saved in {saved}; later runs and checks use it until the project's labels "
            "catch up. The run goes on.",
            "",
            f"--- To contribute: these lines for {project_file} (a maintainer replaces `taught` "
            "with a public source before it counts as confirmed) ---",
            lines,
            "",
            "--- and a \u201cBroken flow\u201d issue (see CONTRIBUTING.md) ---",
            f"Title: {flow.PLATFORM} ({locale}): {error.element} is now \u201c{variant.text}\u201d",
            "",
            "### Platform",
            flow.PLATFORM,
            "",
            "### Language of your account",
            locale,
            "",
            "### Output of `optout-bot check PLATFORM -v`",
            f"(run `optout-bot check {flow.PLATFORM} -v` and paste what it prints)",
            "",
            "### The failing step from the report",
            error.message,
            "",
            "### What the real page says now",
            f"{shown} (label key `{key}`), "
            f"seen {variant.source.removeprefix('taught by the user ')}"
            if variant.source
            else shown,
            "",
            "```toml",
            lines,
            "```",
            "---",
        ]
    )


def project_label_file(flow: type[Flow], key: str, locale: str) -> str:
    """The project's label file a contribution for ``key`` belongs in, as a repository path:
    the folder that defines the key (a shared one, e.g. ``flows/_meta``), in ``locale``."""
    folders = flow.label_folders()
    home = next(
        (
            f
            for f in reversed(folders)
            for loc in (locale, labels.REFERENCE_LOCALE)
            if (f / "labels" / f"{loc}.toml").exists()
            and key in labels.read_file(f / "labels" / f"{loc}.toml")
        ),
        folders[-1],
    )
    return f"{home.parent.name}/{home.name}/labels/{locale}.toml"


def _role_and_name(snapshot: str) -> tuple[str, str]:
    """An element's role and accessible name, from the first line of its ARIA snapshot
    (``- button "Send"``): Playwright's own reading, the one ``get_by_role`` matches."""
    found = SNAPSHOT_LINE.match(snapshot.strip().splitlines()[0] if snapshot.strip() else "")
    if not found:
        return "", ""
    name = found.group("name")
    return found.group("role"), json.loads(f'"{name}"') if name else ""


def _closeness(name: str, wording: str) -> float:
    return difflib.SequenceMatcher(
        None, labels.normalise(name, casefold=True), labels.normalise(wording, casefold=True)
    ).ratio()


def _kinds(wanted: Sequence[Wanted]) -> list[str]:
    return list(dict.fromkeys(f"{w.role}" if w.role else "form field" for w in wanted))


def _navigated(failure: PlaywrightError) -> bool:
    text = str(failure).lower()
    return "context was destroyed" in text or "navigat" in text
