"""The hand-over without a display: the run's headless page is shown to the person as
screenshots, and their clicks, typing and keys are passed to it. The person solves what the
platform asks; the tool only carries their input, and never looks at what they typed.

Playwright objects belong to the run's thread, so the desk works there: it waits for the
person's input on a queue, acts on the page, and takes a new picture after each action and
every second while the person reads (so a page that changes by itself is seen too).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from optout_bot.errors import NeedsHuman

LOOK_AGAIN_SECONDS = 1.0
KEYS = frozenset({"Enter", "Tab", "Backspace", "Escape"})
# Every field that shows what is typed is masked in the picture: the person knows what they
# typed, and a code or password on a picture would be a secret in a page.
TYPED_FIELDS = (
    "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=checkbox])"
    ":not([type=radio]), textarea"
)


# The page's controls, each with its name and centre: listed beside the picture, so a person
# who uses a keyboard or a screen reader can reach them too. Values are never read.
CONTROLS_SCRIPT = """() => {
  const seen = [];
  const wanted = 'input:not([type=hidden]), button, a[href], select, textarea, [role=button]';
  for (const el of document.querySelectorAll(wanted)) {
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1 || seen.length >= 40) continue;
    const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
    const own = el.tagName !== 'INPUT' ? el.innerText
      : (el.type === 'submit' || el.type === 'button') ? el.value : el.name;
    const name = el.getAttribute('aria-label') || label || el.getAttribute('placeholder')
      || own || '';
    const x = box.x + box.width / 2, y = box.y + box.height / 2;
    seen.push({name: name.trim().slice(0, 80), x: x, y: y});
  }
  return seen;
}"""


@dataclass(frozen=True)
class Action:
    kind: str  # "click", "type", "press"
    x: float = 0.0
    y: float = 0.0
    text: str = ""


class Desk:
    """One hand-over at a time: what to do, the latest picture, the person's input."""

    def __init__(self, announce: Callable[[dict[str, object]], None]) -> None:
        self._announce = announce
        self._actions: queue.Queue[Action] = queue.Queue()
        self._lock = threading.Lock()
        self.picture: bytes = b""
        self.picture_number = 0
        self.open = False

    def act(self, action: Action) -> bool:
        """Queued for the run's thread; False when no hand-over is open."""
        if not self.open:
            return False
        if action.kind == "press" and action.text not in KEYS:
            return False
        self._actions.put(action)
        return True

    def __call__(
        self, page: Page, who: str, what: str, until: Callable[[], bool], deadline: float
    ) -> None:
        """The engine's remote helper (``run.hand_over.set_remote_helper``)."""
        self._drain()
        self.open = True
        self._announce({"event": "hand_over", "who": who, "what": what})
        try:
            self._look(page)
            while not _holds(until):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise NeedsHuman(f"{what} — not done in time through the page")
                try:
                    action = self._actions.get(timeout=min(LOOK_AGAIN_SECONDS, remaining))
                except queue.Empty:
                    self._look(page)
                    continue
                self._do(page, action)
                self._look(page)
        finally:
            self.open = False
            self._drain()
        self._announce({"event": "hand_over_done", "who": who})

    def _do(self, page: Page, action: Action) -> None:
        try:
            if action.kind == "click":
                page.mouse.click(action.x, action.y)
            elif action.kind == "type":
                page.keyboard.type(action.text)
            elif action.kind == "press":
                page.keyboard.press(action.text)
        except PlaywrightError:
            pass  # a page navigating under the click: the next picture shows where it is

    def _look(self, page: Page) -> None:
        try:
            picture = page.screenshot(type="png", mask=[page.locator(TYPED_FIELDS)])
        except PlaywrightError:
            return
        with self._lock:
            if picture == self.picture:
                return
            self.picture = picture
            self.picture_number += 1
            number = self.picture_number
        size = page.viewport_size or {"width": 0, "height": 0}
        try:
            controls = page.evaluate(CONTROLS_SCRIPT)
        except PlaywrightError:
            controls = []
        self._announce(
            {
                "event": "screen",
                "n": number,
                "width": size["width"],
                "height": size["height"],
                "controls": controls if isinstance(controls, list) else [],
            }
        )

    def _drain(self) -> None:
        while not self._actions.empty():
            self._actions.get_nowait()


def _holds(until: Callable[[], bool]) -> bool:
    try:
        return until()
    except PlaywrightError:
        return False
