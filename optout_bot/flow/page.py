"""A flow's hands on the page: opening pages, telling a broken page from a changed one, and
finding elements the way a person does (by role, label and visible text) or by what does not
depend on the page's language (autocomplete tokens, input types, field names, test ids).

What a flow acts on (a button it presses, a switch it flips, a field it types into) must match
exactly, the whole accessible name after :func:`optout_bot.labels.normalise`, and only one
element may match: acting on the first of two look-alikes is how a hostile or changed page
gets the user's data into the wrong place. Recognising which page shows (a heading, a text, a
landmark) may match part of a text. A ``Flow`` holds one of each of these parts (as a
Playwright ``Page`` holds its ``Keyboard`` and ``Mouse``): the navigation, which also keeps the
page and the step the others read; the finder; the actions. Nothing here decides to try again:
a page load or a safe request sent again goes through the ``Retries`` the engine lends the
flow (``optout_bot.run.retry`` decides how often); without one, everything is tried once.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, overload
from urllib.parse import quote, quote_plus, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Request, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from optout_bot import labels
from optout_bot.errors import AmbiguousElement, Transient, UiChanged, one_line
from optout_bot.labels import Label
from optout_bot.log import get_logger

AriaRole = Any  # Playwright's Literal of ARIA roles; kept loose so flows can pass plain strings
T = TypeVar("T")
FAILED = "_failed"  # the choice name under which wait_for_any reports a page saying it failed
CONTROL_ROLES = frozenset(
    {
        "button",
        "checkbox",
        "combobox",
        "link",
        "listbox",
        "menuitem",
        "menuitemcheckbox",
        "menuitemradio",
        "option",
        "radio",
        "searchbox",
        "slider",
        "spinbutton",
        "switch",
        "tab",
        "textbox",
    }
)
"""Roles of what a flow presses, flips, picks or types into: matched by their whole name."""
FIELDS = ":is(input, textarea, select, button)"
SUBMIT = ':is(button[type="submit" i], input[type="submit" i], button:not([type]))'
SHOWN_CANDIDATES = 5


class Retries(Protocol):
    """What the engine lends a flow for what is safe to try again: loading a page, and sending
    again a request the page says was lost. The engine's ``RetryPolicy`` is one."""

    def load(self, action: Callable[[], T]) -> T:
        """``action`` (a page load and what follows it), tried again as a page load is."""
        ...

    def sends(self, safe_to_repeat: bool) -> int:
        """How many times in all a request the page says was lost is sent."""
        ...


class Once:
    """No retries: what a flow does when no engine lends it any (e.g. in a unit test)."""

    def load(self, action: Callable[[], T]) -> T:
        return action()

    def sends(self, safe_to_repeat: bool) -> int:
        return 1


@dataclass
class Target:
    """One way to find an element, described for humans in error messages.

    By name: ``role`` (+ ``name``), ``label`` (a field's label) or ``text``. By what does not
    depend on the page's language: ``autocomplete`` (one token of the attribute, so
    ``"username"`` finds ``autocomplete="username webauthn"``), ``input_type`` (``"password"``,
    ``"email"``; ``"submit"`` is any submit button), ``field_name`` (the ``name`` the form
    posts), ``testid`` (``data-testid``) or ``css``; the attribute keys combine
    (``Target(input_type="password", field_name="pass")``). ``within`` looks inside that
    element only (e.g. the form holding the password field). ``exact`` makes a recogniser
    (a heading, a text) match a whole name too; controls and fields always do.
    """

    role: AriaRole | None = None
    name: str | re.Pattern[str] | None = None
    label: str | re.Pattern[str] | None = None
    text: str | re.Pattern[str] | None = None
    testid: str | None = None
    css: str | None = None
    exact: bool = False
    autocomplete: str | None = None
    input_type: str | None = None
    field_name: str | None = None
    within: Locator | None = None

    @property
    def by_attribute(self) -> bool:
        """Found by what does not depend on the page's language."""
        return self.role is None and self.label is None and self.text is None

    @property
    def is_control(self) -> bool:
        """Something a flow acts on: one element only, matched by its whole name."""
        if self.role is not None:
            return self.role in CONTROL_ROLES
        return self.label is not None or self.by_attribute

    @property
    def names(self) -> str | re.Pattern[str] | None:
        """The wording this target looks for (a role's name or a field's label), if any."""
        return self.name if self.role is not None else self.label

    def locate(self, page: Page | Locator) -> Locator:
        scope = self.within if self.within is not None else page
        whole = self.exact or self.is_control
        if self.role is not None:
            if self.name is None:
                return scope.get_by_role(self.role)
            return scope.locator(f"internal:role={self.role}[name={selector(self.name, whole)}]")
        if self.label is not None:
            return scope.locator(f"internal:label={selector(self.label, whole)}")
        if self.text is not None:
            return scope.locator(f"internal:text={selector(self.text, whole)}")
        attributes = self._attribute_css()
        if attributes is not None:
            return scope.locator(attributes)
        if self.testid is not None:
            return scope.get_by_test_id(self.testid)
        if self.css is not None:
            return scope.locator(self.css)
        raise ValueError("a Target needs a role, label, text, attribute, testid or css")

    def _attribute_css(self) -> str | None:
        if self.autocomplete is None and self.input_type is None and self.field_name is None:
            return None
        submit = self.input_type is not None and self.input_type.lower() == "submit"
        selector = SUBMIT if submit else FIELDS
        if self.input_type is not None and not submit:
            selector += f"[type={_css_string(self.input_type)} i]"
        if self.autocomplete is not None:
            selector += f"[autocomplete~={_css_string(self.autocomplete)} i]"
        if self.field_name is not None:
            selector += f"[name={_css_string(self.field_name)}]"
        if self.testid is not None:
            selector += f"[data-testid={_css_string(self.testid)}]"
        return selector

    def describe(self) -> str:
        """The lookup as an error names it; a label's key, language and file with it."""
        if self.role is not None:
            return f"role={self.role} name={_show(self.name)}{_origin(self.name)}"
        if self.label is not None:
            return f"label={_show(self.label)}{_origin(self.label)}"
        if self.text is not None:
            return f"text={_show(self.text)}{_origin(self.text)}"
        keys = {
            "autocomplete": self.autocomplete,
            "type": self.input_type,
            "name": self.field_name,
            "testid": self.testid,
            "css": self.css,
        }
        return " ".join(f"{key}={value!r}" for key, value in keys.items() if value is not None)


def _css_string(value: str) -> str:
    return json.dumps(value)


def _show(value: str | re.Pattern[str] | None) -> str:
    if isinstance(value, re.Pattern):
        return f"/{value.pattern}/"
    return repr(str(value)) if isinstance(value, Label) else repr(value)


def _origin(value: str | re.Pattern[str] | None) -> str:
    """`` from label 'send' (de, flows/_meta/labels/de.toml)`` for a label: where to fix it."""
    return f" from {value.origin()}" if isinstance(value, Label) else ""


def wordings(value: str | re.Pattern[str]) -> list[str]:
    """What a target's name or label stands for, as a person reads it."""
    if isinstance(value, Label):
        return [repr(text) for text in value.variants]
    return [_show(value)]


@overload
def label_matcher(value: str | re.Pattern[str], exact: bool) -> re.Pattern[str]: ...
@overload
def label_matcher(value: None, exact: bool) -> None: ...
def label_matcher(value: str | re.Pattern[str] | None, exact: bool) -> re.Pattern[str] | None:
    """A name becomes a pattern matching every wording of its key, however the page spells
    apostrophes, quotes, spaces and case (:func:`labels.normalise`); ``exact`` means the whole
    name. A flow's own regex is kept, and anchored to the whole name when ``exact``."""
    if value is None:
        return None
    if isinstance(value, re.Pattern):
        return labels.whole_text(value) if exact else value
    texts = value.variants if isinstance(value, Label) else (value,)
    return labels.pattern(texts, whole=exact, ignore_case=True)


def selector(value: str | re.Pattern[str], exact: bool) -> str:
    """:func:`label_matcher` as the selector part Playwright's ``get_by_role(name=…)``,
    ``get_by_label`` and ``get_by_text`` make of it (``/…/i``), built from the pattern's text
    without compiling it: only the browser runs it, and Python's compiler would spend
    milliseconds on each tolerant pattern (tests/engine/test_targets.py checks that the two
    selectors are the same)."""
    if isinstance(value, re.Pattern):
        if not exact:
            return _as_selector(value.pattern, value.flags)
        return _as_selector(labels.anchored(value.pattern), value.flags | re.IGNORECASE)
    texts = value.variants if isinstance(value, Label) else (value,)
    return _as_selector(labels.source(texts, whole=exact), re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _as_selector(source: str, flags: int) -> str:
    """Pattern text and flags as a selector's ``/…/flags``, escaped as Playwright escapes a
    ``re.Pattern`` (quotes, and ``>>``, which would chain selectors)."""
    if flags & ~(re.IGNORECASE | re.DOTALL | re.MULTILINE | re.UNICODE):
        raise ValueError("a label pattern may only use IGNORECASE, DOTALL and MULTILINE")
    escaped = _QUOTE_IN_PATTERN.sub(r"\1\2\\\3", source).replace(">>", "\\>\\>")
    shown = "".join(letter for flag, letter in _SELECTOR_FLAGS if flags & flag)
    return f"/{escaped}/{shown}"


_QUOTE_IN_PATTERN = re.compile(r'(^|[^\\])(\\\\)*(["\'`])')
_SELECTOR_FLAGS = ((re.IGNORECASE, "i"), (re.DOTALL, "s"), (re.MULTILINE, "m"))


def element_summary(element: Locator) -> str:
    """An element as an error names it: its role and accessible name (``textbox 'Email'``),
    as Playwright computes them; never its value."""
    try:
        snapshot = element.aria_snapshot(timeout=2_000).strip()
    except PlaywrightError:
        snapshot = ""
    found = re.match(r'- ([\w-]+)(?: "((?:[^"\\]|\\.)*)")?', snapshot)
    if found is None:
        with contextlib.suppress(PlaywrightError):
            return str(element.evaluate("e => e.tagName.toLowerCase()", timeout=2_000))
        return "element"
    role, name = found.group(1), found.group(2)
    if name is None:
        return role
    with contextlib.suppress(ValueError):
        name = json.loads(f'"{name}"')
    return f"{role} {name!r}"


def one_of(candidates: Locator, count: int) -> list[str]:
    """The first few of ``count`` candidates, each named (see :func:`element_summary`)."""
    return [element_summary(candidates.nth(i)) for i in range(min(count, SHOWN_CANDIDATES))]


def narrowed(
    candidates: Locator, targets: Iterable[Target], scope: Page | Locator
) -> Locator | None:
    """The one of several ``candidates`` (found by an attribute) that a named target names
    exactly, or None: structure and words together decide what neither decides alone."""
    for target in targets:
        if target.by_attribute or target.names is None:
            continue
        both = candidates.and_(target.locate(scope))
        if both.count() == 1:
            return both
    return None


def differs(found: Locator, targets: Iterable[Target], scope: Page | Locator) -> list[str]:
    """The wordings of ``targets`` when none of them names ``found`` (nothing when one does,
    or when no target names anything): a label to cross-check an attribute's find with. A
    region found by its structure (a ``role="status"`` confirmation) agrees with the label
    when the element the label names is inside it (its heading)."""
    named = [t for t in targets if not t.by_attribute and t.names is not None]
    if not named or any(
        found.and_(t.locate(scope)).count() or t.locate(found).count() for t in named
    ):
        return []
    return [w for t in named if t.names is not None for w in wordings(t.names)]


class PageNavigation:
    """Opening pages by URL or by name, and watching what the page that shows really is: a
    server error or a failed load is ``Transient`` (worth another try), never ``UiChanged``.
    It keeps what the other parts read: the page, its addresses, the wait and the step."""

    def __init__(
        self, page: Page, *, urls: Mapping[str, str], timeout_ms: float, retry: Retries
    ) -> None:
        self.page = page
        self.urls: dict[str, str] = dict(urls)
        self.timeout_ms = timeout_ms
        self.retry = retry
        self.step = ""
        self.last_document_status: int | None = None
        self.failed_navigation: str | None = None
        page.on("response", self._remember_document_status)
        page.on("requestfailed", self._remember_failed_navigation)

    def goto(self, url_or_key: str) -> Response | None:
        """Open a page by URL or by ``URLS`` key. Loading a page changes nothing, so a failed
        load is tried again (the policy's page loads, logged); what still fails is Transient."""
        url = self.urls.get(url_or_key, url_or_key)
        return self._loading(lambda: self._load(url))

    def reload(self) -> Response | None:
        """Load the page now showing again, as the platform has it now (what a re-read after
        a change needs). A reload changes nothing, so it is tried again as a page load is."""
        return self._loading(self._reload)

    def _reload(self) -> Response | None:
        self.failed_navigation = None
        try:
            response = self.page.reload(wait_until="domcontentloaded", timeout=self.timeout_ms)
        except PlaywrightTimeout as error:
            raise Transient("the page did not reload in time", step=self.step) from error
        except PlaywrightError as error:
            raise Transient(
                f"the page did not reload: {one_line(error)}", step=self.step
            ) from error
        self.raise_if_server_error()
        return response

    def _loading(self, action: Callable[[], T]) -> T:
        """``action`` (a page load and what follows it), tried again as a page load is."""
        return self.retry.load(action)

    def _load(self, url: str) -> Response | None:
        self.failed_navigation = None
        try:
            response = self.page.goto(url, wait_until="domcontentloaded", timeout=self.timeout_ms)
        except PlaywrightTimeout as error:
            raise Transient(f"{url} did not load in time", step=self.step) from error
        except PlaywrightError as error:
            raise Transient(
                f"{url} could not be loaded: {one_line(error)}", step=self.step
            ) from error
        self.raise_if_server_error()
        return response

    def raise_if_server_error(self) -> None:
        """Transient when the page now showing is a server error or a load that failed."""
        if self.failed_navigation:
            raise Transient(f"the page did not load: {self.failed_navigation}", step=self.step)
        status = self.last_document_status
        if status is not None and status >= 500:
            raise Transient(f"the platform answered HTTP {status}", step=self.step)

    def _page_detail(self) -> str:
        status = self.last_document_status
        where = f"on {self.page.url}"
        return f"{where}, which answered HTTP {status}" if status and status >= 400 else where

    def _remember_document_status(self, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.last_document_status = response.status
            self.failed_navigation = None

    def _remember_failed_navigation(self, request: Request) -> None:
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.failed_navigation = request.failure or "connection failed"


@contextlib.contextmanager
def failed_sends(page: Page, carrying: str) -> Iterator[list[str]]:
    """While the block runs, every POST the page sends whose body holds ``carrying`` (e.g. the
    login typed: the request that signs in, not a beacon beside it) and that failed on the way
    or that the server answered with an error (5xx), described without its address or body:
    how a flow tells "the platform did not get it" from "it said no". The body is looked at
    in memory only, never kept."""
    failed: list[str] = []
    spellings = {carrying, quote_plus(carrying), quote(carrying, safe="")}

    def ours(request: Request) -> bool:
        if request.method != "POST":
            return False
        try:
            body = request.post_data or ""
        except (UnicodeDecodeError, PlaywrightError):
            return False
        return any(spelling in body for spelling in spellings)

    def answered(response: Response) -> None:
        if response.status >= 500 and ours(response.request):
            failed.append(f"HTTP {response.status}")

    def lost(request: Request) -> None:
        if ours(request):
            failed.append("no answer (connection failed)")

    page.on("response", answered)
    page.on("requestfailed", lost)
    try:
        yield failed
    finally:
        page.remove_listener("response", answered)
        page.remove_listener("requestfailed", lost)


def form_holding(field: Locator) -> Locator:
    """The form holding ``field`` (empty when there is none): where to look for its
    submit button, ``Target(input_type="submit", within=...)``, whatever its label says."""
    return field.locator("xpath=ancestor::form[1]")


class PageFinder:
    """Finding the one element a flow means, never with a fixed sleep; every element has a
    human name, so a missing one reads "fill: Send button not found". Apart from
    :class:`PageActions` so that finding an element and waiting for an answer read apart.
    ``noted`` hears of every label that differs (the flow keeps them for the evidence)."""

    def __init__(
        self, navigation: PageNavigation, noted: Callable[[str, str, Sequence[str]], None]
    ) -> None:
        self.navigation = navigation
        self.noted = noted

    @property
    def page(self) -> Page:
        return self.navigation.page

    @property
    def timeout_ms(self) -> float:
        return self.navigation.timeout_ms

    @property
    def step(self) -> str:
        return self.navigation.step

    def raise_if_server_error(self) -> None:
        self.navigation.raise_if_server_error()

    def _page_detail(self) -> str:
        return self.navigation._page_detail()

    def find(
        self,
        element: str,
        *targets: Target,
        required: bool = True,
        within: Locator | None = None,
        timeout_ms: float | None = None,
    ) -> Locator:
        """The element of the first target (in order: language-independent ones first) that
        has a visible one, waiting for one to appear.

        A control or field (see ``Target.is_control``) is one element only: when two or more
        visible elements answer to its target, acting on either could put the user's data in
        the wrong place, so that is ``AmbiguousElement`` (a ``UiChanged``) naming them. A
        control found by an attribute whose accessible name none of the named targets gives
        is kept, and the difference noted (:meth:`label_differs`). A recogniser (heading,
        text, landmark) gives its first visible element.

        ``element`` is the human name used in errors ("objection form: Send button"). A missing
        required element raises ``UiChanged`` (or ``Transient`` when the page itself is a
        server error); a missing optional one returns an empty locator (``count() == 0``).
        """
        scope: Page | Locator = within if within is not None else self.page
        located = [target.locate(scope).filter(visible=True) for target in targets]
        combined = located[0]
        for other in located[1:]:
            combined = combined.or_(other)
        self._wait_visible(combined.first, timeout_ms or self.timeout_ms, fail_fast=required)
        for target, candidates in zip(targets, located, strict=True):
            count = candidates.count()  # what shows now, whatever the wait above concluded
            if count and not target.is_control:
                return candidates.first
            if count > 1 and target.by_attribute:
                named = narrowed(candidates, targets, scope)
                if named is not None:  # structure gave several, the exact label one of them
                    return named
            if count > 1:
                raise AmbiguousElement(
                    element,
                    one_of(candidates, count),
                    count=count,
                    step=self.step,
                    tried=[target.describe()],
                )
            if count:
                if target.by_attribute:
                    expected = differs(candidates, targets, scope)
                    if expected:
                        self.label_differs(element, element_summary(candidates), expected)
                return candidates
        if not required:
            return combined.first
        self.raise_if_server_error()
        raise UiChanged(
            element,
            step=self.step,
            tried=[t.describe() for t in targets],
            detail=self._page_detail(),
            targets=targets,
        )

    def label_differs(self, element: str, found: str, expected: Sequence[str]) -> None:
        """A control found by an attribute has another name than its label: worth a line."""
        get_logger().warning(
            "label differs", step=self.step, element=element, found=found, expected=list(expected)
        )
        self.noted(element, found, expected)

    def present(self, *targets: Target, timeout_ms: float = 0) -> bool:
        """Whether any target is visible now (or within ``timeout_ms``), without failing;
        recognising a page, so two matches are as good as one."""
        combined: Locator | None = None
        for target in targets:
            loc = target.locate(self.page).filter(visible=True)
            combined = loc if combined is None else combined.or_(loc)
        assert combined is not None, "present() needs a target"
        first = combined.first
        return (timeout_ms > 0 and self._wait_visible(first, timeout_ms)) or first.is_visible()

    form_of = staticmethod(form_holding)

    def _wait_visible(
        self,
        locator: Locator,
        timeout_ms: float,
        *,
        fail_fast: bool = False,
        until: Callable[[], bool] | None = None,
    ) -> bool:
        """Wait for ``locator`` (or for ``until()``, looked at between slices); with
        ``fail_fast``, stop early (Transient) as soon as the page turned out to be a server
        error or a failed load, instead of waiting out the timeout. The wait is cut into
        slices only to look at those events; it is not a sleep."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            if until is not None and until():
                return True
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms < 5:  # what is left is too short to ask the browser about
                return False
            try:
                locator.wait_for(
                    state="visible", timeout=min(remaining_ms, 500) if fail_fast else remaining_ms
                )
                return True
            except PlaywrightTimeout:
                if fail_fast:
                    self.raise_if_server_error()


class PageActions:
    """Waiting for the page a platform answers with (after opening a page or pressing a
    button), telling its possible answers apart without a fixed sleep, and trying again
    only what is safe to repeat (through the navigation's ``Retries``)."""

    def __init__(self, navigation: PageNavigation, finder: PageFinder) -> None:
        self.navigation = navigation
        self.finder = finder

    @property
    def page(self) -> Page:
        return self.navigation.page

    @property
    def urls(self) -> dict[str, str]:
        return self.navigation.urls

    @property
    def timeout_ms(self) -> float:
        return self.navigation.timeout_ms

    @property
    def step(self) -> str:
        return self.navigation.step

    @property
    def retry(self) -> Retries:
        return self.navigation.retry

    def raise_if_server_error(self) -> None:
        self.navigation.raise_if_server_error()

    def _page_detail(self) -> str:
        return self.navigation._page_detail()

    def _load(self, url: str) -> Response | None:
        return self.navigation._load(url)

    def _loading(self, action: Callable[[], T]) -> T:
        return self.navigation._loading(action)

    def _wait_visible(
        self,
        locator: Locator,
        timeout_ms: float,
        *,
        fail_fast: bool = False,
        until: Callable[[], bool] | None = None,
    ) -> bool:
        return self.finder._wait_visible(locator, timeout_ms, fail_fast=fail_fast, until=until)

    def wait_for_any(
        self,
        choices: Mapping[str, Sequence[Target]],
        timeout_ms: float | None = None,
        what: str = "next page",
        addresses: Mapping[str, Callable[[str], bool]] | None = None,
    ) -> str:
        """Wait until one of several possible pages shows; returns the name of the one seen.

        This is how a step tells apart the answers a platform may give (logged in, wrong
        password, two-factor page, checkpoint) without a fixed sleep. ``addresses`` name pages
        by their address instead (choice → whether a path is that page's): what the address
        says wins, being the same in every language.
        """

        def at_address() -> str | None:
            path = web_path(self.page.url)
            if path is None:
                return None
            return next((name for name, fits in (addresses or {}).items() if fits(path)), None)

        union: Locator | None = None
        for targets in choices.values():
            for target in targets:
                loc = target.locate(self.page)
                union = loc if union is None else union.or_(loc)
        assert union is not None
        deadline = time.monotonic() + (timeout_ms or self.timeout_ms) / 1000
        while self._wait_visible(
            union.filter(visible=True).first,
            (deadline - time.monotonic()) * 1000,
            fail_fast=True,
            until=lambda: at_address() is not None,
        ):
            by_address = at_address()
            if by_address is not None:
                return by_address
            for name, targets in choices.items():
                for target in targets:
                    loc = target.locate(self.page).filter(visible=True)
                    if loc.count() > 0:
                        return name
            # Gone again before it was named (a page that reloads itself): look again, never
            # guess which page it was.
        self.raise_if_server_error()
        tried = [t.describe() for ts in choices.values() for t in ts]
        tried += [f"the address of {name}" for name in addresses or {}]
        raise UiChanged(what, step=self.step, tried=tried, detail=self._page_detail())

    def open_and_wait(
        self,
        url_or_key: str,
        choices: Mapping[str, Sequence[Target]],
        *,
        failed: Sequence[Target],
        what: str,
    ) -> str:
        """Open a page and return which of ``choices`` shows. When the page says its own app
        failed to load (``failed``), it is loaded again as any failed page load is; what still
        fails is Transient."""
        url = self.urls.get(url_or_key, url_or_key)

        def load_and_look() -> str:
            self._load(url)
            seen = self.wait_for_any({**choices, FAILED: list(failed)}, what=what)
            if seen == FAILED:
                raise Transient(f"{what}: the page failed to load", step=self.step)
            return seen

        return self._loading(load_and_look)

    def press_and_wait(
        self,
        button: Locator,
        choices: Mapping[str, Sequence[Target]],
        *,
        failed: Sequence[Target],
        what: str,
        safe_to_repeat: bool = False,
        attempts: int | None = None,
        key: str | None = None,
    ) -> str:
        """Press ``button`` (or ``key`` in it: Enter in a field whose form the page submits
        so, where the button has nothing but its words) and return which of ``choices``
        shows. When the page says the
        request failed on the way (``failed``), press again as often as the policy allows, but
        only if the caller vouches the request is safe to repeat (it carries no password and
        changes nothing). ``attempts`` > 1 is the older way of vouching. What still fails is
        Transient."""
        safe = safe_to_repeat or (attempts or 1) > 1
        sends = self.retry.sends(safe)
        for attempt in range(1, sends + 1):
            shown = Target(role="alert").locate(self.page).filter(visible=True)
            stale = shown.first.element_handle() if shown.count() else None
            if attempt > 1 and not button.is_enabled():
                break  # the page wants a reload, not another press: start the step over
            if key is None:
                button.click()
            else:
                button.press(key)
            if stale is not None:  # the old message must go before the new answer counts
                with contextlib.suppress(PlaywrightError):  # detached: gone, as wanted
                    stale.wait_for_element_state("hidden", timeout=self.timeout_ms)
            seen = self.wait_for_any({**choices, FAILED: list(failed)}, what=what)
            if seen != FAILED:
                return seen
            if attempt < sends:
                get_logger().warning(
                    "request failed on the way; pressing again",
                    step=self.step,
                    what=what,
                    attempt=attempt,
                )
        raise Transient(f"{what}: the platform's request kept failing", step=self.step)


def web_path(url: str) -> str | None:
    """The path of a page the platform served; None for the browser's own pages (a failed
    load shows ``chrome-error://chromewebdata/``, whose path "/" is nobody's home page)."""
    parts = urlsplit(url)
    return parts.path if parts.scheme in ("http", "https") else None
