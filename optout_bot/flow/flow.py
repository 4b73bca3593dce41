"""The flow API: what a platform module subclasses and the services the engine lends it.

A flow is one class per platform with one method per named step (a template method: the
engine owns the order, the retries, the screenshots, the ledger and the logging). Steps find
elements the way a person does, by role, label and visible text from the flow's label files
(``labels/<lang>.toml`` beside the flow module, see ``optout_bot.labels``), through
:meth:`Flow.find`, which names every element so that a missing one reads as
"fill: Send button not found". Finding elements and opening pages are ``optout_bot.flow.page``'s:
a flow holds its parts (``navigator``, ``finder``, ``actions``) and lends their methods under
its own names, so a platform's module only ever writes ``self.find``, ``self.goto`` and so on.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Response

from optout_bot import labels
from optout_bot.errors import AmbiguousElement, UiChanged
from optout_bot.flow import signals
from optout_bot.flow.bot_walls import BotWall
from optout_bot.flow.page import (
    Once,
    PageActions,
    PageFinder,
    PageNavigation,
    Retries,
    Target,
    form_holding,
    label_matcher,
    one_of,
    web_path,
)
from optout_bot.flow.sign_in import SignedIn, SignInPart
from optout_bot.flow.signals import Signal
from optout_bot.labels import Label, LabelBook
from optout_bot.records.mail import MailPattern


@dataclass(frozen=True)
class Step:
    """A named step. ``changes_state`` steps are never retried blindly: the engine first asks
    the platform (``Flow.is_applied``) and, if nothing went through, restarts at
    ``restart_from``. After a ``logs_in`` step the engine saves the session."""

    name: str
    changes_state: bool = False
    restart_from: str | None = None
    logs_in: bool = False


# A step that fails transiently is retried from ``restart_from`` (itself when None): a page
# that broke mid-form is reopened rather than typed into again.
FORM_STEPS: tuple[Step, ...] = (
    Step("log_in", logs_in=True),
    Step("open_form"),
    Step("read_state", restart_from="open_form"),
    Step("fill", restart_from="open_form"),
    Step("submit", changes_state=True, restart_from="open_form"),
    Step("confirm", restart_from="open_form"),
)
SETTING_STEPS: tuple[Step, ...] = (
    Step("log_in", logs_in=True),
    Step("open_settings"),
    Step("read_state", restart_from="open_settings"),
    Step("turn_off", changes_state=True, restart_from="open_settings"),
    Step("verify", restart_from="open_settings"),
)


class State(StrEnum):
    """What ``read_state`` found on the platform before anything is changed."""

    NOT_DONE = "not_done"
    DONE = "done"


@dataclass(frozen=True)
class AccountView:
    """The account as a flow sees it. Secrets are reachable only by calling a method, so they
    never end up in a repr, a log line or the manifest by accident."""

    platform: str
    label: str
    login: str
    email: str
    locale: str
    country: str | None
    reason: str
    default_reason: str
    _password: Callable[[], str] = field(repr=False, compare=False)
    _totp_seed: Callable[[], str | None] = field(repr=False, compare=False)

    def password(self) -> str:
        return self._password()

    def has_totp_seed(self) -> bool:
        return self._totp_seed() is not None


class FlowServices(Protocol):
    """What the engine lends a flow: second factors, a person, and evidence notes."""

    def totp_code(self) -> str:
        """The current authenticator code; raises NeedsHuman when no seed is configured."""
        ...

    def email_code(self, purpose: str, *, requested: datetime | None = None) -> str:
        """A code the platform emailed after ``requested``: from the person's mailbox (IMAP,
        DKIM-verified, the flow's ``EMAIL_CODE``), the replica's, or the person."""
        ...

    def hand_over(
        self, what: str, *, until: Callable[[], bool], otherwise: str | None = None
    ) -> None:
        """Give the page to the person (headed) until ``until()``; headless: NeedsHuman
        (saying ``otherwise`` when given)."""
        ...

    def note(self, key: str, value: Any) -> None:
        """Record a fact for the evidence manifest (form URL, version, before/after states)."""
        ...

    def submitted(self, values: Mapping[str, Any]) -> None:
        """Record the values the flow put into the form or setting."""
        ...

    def confirmation(self, text: str) -> None:
        """Record what the platform answered."""
        ...


LEAVING = "__optoutBotLeaving"
"""A mark set on the page a click leaves (see ``SignalLookups.click_and_leave``)."""


class SignalLookups:
    """Finding pages and elements by a flow's signals (``signals.toml`` beside its module: see
    ``optout_bot.flow.signals``), what does not depend on the page's language: a part of ``Flow``,
    like its finder and its actions."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow

    def signal(self, name: str, *, within: Locator | None = None) -> Target:
        """The element ``signals.toml`` names ``name`` (what does not depend on the page's
        language; see ``optout_bot.flow.signals``), looked for inside ``within`` when given."""
        found = self._signal(name)
        if found.css is None:
            raise KeyError(f"{self.flow.PLATFORM} signal {name!r} names an address, not an element")
        return Target(css=found.css, within=within)

    def has_signal(self, name: str) -> bool:
        return name in self.flow.signals

    def at_address(self, name: str) -> bool:
        """Whether the page now showing is at the address the signal ``name`` names."""
        path = web_path(self.flow.page.url)
        return path is not None and self._signal(name).matches_path(path)

    def address_of(self, name: str) -> Callable[[str], bool]:
        """Whether a path is the address the signal ``name`` names (for ``wait_for_any``)."""
        return self._signal(name).matches_path

    def expect_address(self, element: str, name: str) -> None:
        """``UiChanged`` naming ``element``, the page's path and the one expected, unless the
        page now showing is at the address the signal ``name`` names: where structure alone
        is trusted to find what a step acts on."""
        if not self.at_address(name):
            raise UiChanged(
                element,
                step=self.flow.step,
                detail=f"at an unexpected address {urlsplit(self.flow.page.url).path!r}, not "
                f"{self._signal(name).path!r} (signal {name})",
            )

    def click_and_leave(self, button: Locator) -> None:
        """Click ``button`` and wait until the page it was on is gone (a new document, even
        at the same address): what an address says next is the answer, not the page left."""
        page = self.flow.page
        with contextlib.suppress(PlaywrightError):  # a page already going: nothing to mark
            page.evaluate(f"() => {{ window.{LEAVING} = true }}")
        button.click()
        with contextlib.suppress(PlaywrightError):  # a page that stays: the step reads it
            # the mark lives on the old document's window only: gone once a new one loaded
            page.wait_for_function(f"() => !window.{LEAVING}", timeout=self.flow.timeout_ms)

    def only_one(self, element: str, candidates: Locator) -> Locator:
        """``candidates``' one element (empty when none): two or more is ``AmbiguousElement``
        naming them, as for a control found by its name."""
        count = candidates.count()
        if count > 1:
            raise AmbiguousElement(
                element, one_of(candidates, count), count=count, step=self.flow.step
            )
        return candidates.first

    def _signal(self, name: str) -> Signal:
        try:
            return self.flow.signals[name]
        except KeyError:
            raise KeyError(f"{self.flow.PLATFORM} flow has no signal {name!r}") from None


class Flow:
    """Base class of every platform flow; see ``flows/facebook/flow.py`` for a worked example.

    Class constants declare the platform (``PLATFORM``, ``DESCRIPTION``, ``KIND``, ``URLS``,
    ``LAST_CHECKED``, ``WORKING``); its visible strings are the label files in ``labels/``
    beside its module (and beside the modules of the flows it extends); methods named after
    ``STEPS`` do the work. A flow never writes files, never logs secrets and never retries by
    itself: page loads and safe requests are tried again only through the ``retry`` the engine
    lends it (``Retries``).
    """

    PLATFORM: ClassVar[str]
    DESCRIPTION: ClassVar[str]
    KIND: ClassVar[Literal["form", "setting"]] = "form"
    URLS: ClassVar[Mapping[str, str]]
    VERSIONS: ClassVar[tuple[str, ...]] = ()
    LAST_CHECKED: ClassVar[str] = "unknown"
    FLOW_VERSION: ClassVar[str] = "1"
    WORKING: ClassVar[bool] = True
    BROKEN_REASON: ClassVar[str] = ""
    STEPS: ClassVar[tuple[Step, ...]] = FORM_STEPS
    # Steps meeting a page only its words tell apart, each with why (see optout_bot.flow.signals)
    TEXT_ONLY: ClassVar[Mapping[str, str]] = {}
    # The platform's confirmation email, when it sends one (``optout_bot.records.mail``).
    CONFIRMATION_MAIL: ClassVar[MailPattern | None] = None
    # Signing in (``optout_bot.flow.sign_in``): how a signed-in page looks, the code the
    # platform emails, whether a password is needed at all.
    SIGNED_IN: ClassVar[SignedIn | None] = None
    EMAIL_CODE: ClassVar[MailPattern | None] = None
    NEEDS_PASSWORD: ClassVar[bool] = True
    MANUAL_STEPS_KEY: ClassVar[str] = "manual_steps"
    """The label key with the steps a person takes by hand on the settings page."""

    @classmethod
    def confirmation_mail(cls) -> MailPattern | None:
        """What the platform's confirmation email looks like (``CONFIRMATION_MAIL``, with the
        body texts a flow may add from its label files)."""
        return cls.CONFIRMATION_MAIL

    def __init__(
        self,
        page: Page,
        account: AccountView,
        services: FlowServices,
        *,
        urls: Mapping[str, str] | None = None,
        timeout_ms: float = 15_000,
        retry: Retries | None = None,
    ) -> None:
        self.navigator = PageNavigation(
            page,
            urls={**self.URLS, **(urls or {})},
            timeout_ms=timeout_ms,
            retry=retry or Once(),
        )
        self.finder = PageFinder(self.navigator, noted=self._keep_label_difference)
        self.actions = PageActions(self.navigator, self.finder)
        self.sign_in = SignInPart(self)
        self.account = account
        self.services = services
        self.labels = self.label_book()
        self.signals = signals.load(self.label_folders())
        self.signal_lookups = SignalLookups(self)
        self._labels_used: dict[str, dict[str, bool]] = {}
        self._label_differences: list[str] = []

    # --- the page, through the parts (``optout_bot.flow.page``) ------------------------------

    @property
    def page(self) -> Page:
        return self.navigator.page

    @property
    def urls(self) -> dict[str, str]:
        """The platform's addresses by ``URLS`` key (with the engine's replacements)."""
        return self.navigator.urls

    @property
    def timeout_ms(self) -> float:
        """How long an element or an answer is waited for."""
        return self.navigator.timeout_ms

    @timeout_ms.setter
    def timeout_ms(self, value: float) -> None:
        self.navigator.timeout_ms = value

    @property
    def step(self) -> str:
        """The step running now (set by the engine), named in every error."""
        return self.navigator.step

    @step.setter
    def step(self, name: str) -> None:
        self.navigator.step = name

    @property
    def retry(self) -> Retries:
        return self.navigator.retry

    def goto(self, url_or_key: str) -> Response | None:
        """Open a page by URL or by ``URLS`` key (see ``PageNavigation.goto``)."""
        return self.navigator.goto(url_or_key)

    def reload(self) -> Response | None:
        """Load the page now showing again (see ``PageNavigation.reload``)."""
        return self.navigator.reload()

    def raise_if_server_error(self) -> None:
        """Transient when the page now showing is a server error or a load that failed."""
        self.navigator.raise_if_server_error()

    def find(
        self,
        element: str,
        *targets: Target,
        required: bool = True,
        within: Locator | None = None,
        timeout_ms: float | None = None,
    ) -> Locator:
        """The one element ``targets`` mean, waited for (see ``PageFinder.find``)."""
        return self.finder.find(
            element, *targets, required=required, within=within, timeout_ms=timeout_ms
        )

    def present(self, *targets: Target, timeout_ms: float = 0) -> bool:
        """Whether any target is visible now (or within ``timeout_ms``), without failing."""
        return self.finder.present(*targets, timeout_ms=timeout_ms)

    form_of = staticmethod(form_holding)

    def wait_for_any(
        self,
        choices: Mapping[str, Sequence[Target]],
        timeout_ms: float | None = None,
        what: str = "next page",
        addresses: Mapping[str, Callable[[str], bool]] | None = None,
    ) -> str:
        """Which of several possible pages shows (see ``PageActions.wait_for_any``)."""
        return self.actions.wait_for_any(choices, timeout_ms, what, addresses)

    def open_and_wait(
        self,
        url_or_key: str,
        choices: Mapping[str, Sequence[Target]],
        *,
        failed: Sequence[Target],
        what: str,
    ) -> str:
        """Open a page and return which of ``choices`` shows (``PageActions.open_and_wait``)."""
        return self.actions.open_and_wait(url_or_key, choices, failed=failed, what=what)

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
        """Press ``button`` (or ``key`` in it) and return which of ``choices`` shows, pressing
        again only what is safe to repeat (see ``PageActions.press_and_wait``)."""
        return self.actions.press_and_wait(
            button,
            choices,
            failed=failed,
            what=what,
            safe_to_repeat=safe_to_repeat,
            attempts=attempts,
            key=key,
        )

    # --- declared metadata ----------------------------------------------------------------

    @classmethod
    def label_folders(cls) -> list[Path]:
        """The folders of this flow's module and of the flows it extends, shared ones first:
        where its ``labels/`` and (for the platform's own) ``baselines/`` are."""
        folders: list[Path] = []
        for klass in reversed(cls.__mro__):
            if isinstance(klass, type) and issubclass(klass, Flow) and klass is not Flow:
                folder = Path(inspect.getfile(klass)).parent
                if folder not in folders:
                    folders.append(folder)
        return folders

    @classmethod
    def label_book(cls) -> LabelBook:
        """This platform's labels, read now from every layer (project, user, extra path)."""
        return labels.load(labels.layer_dirs(cls.label_folders()))

    @classmethod
    def locales(cls) -> tuple[str, ...]:
        """The languages this flow has labels for (the files found, English first)."""
        return cls.label_book().locales()

    def label(self, key: str) -> Label:
        """The visible string ``key`` in the account's locale (English when not translated).

        It reads as the current wording; given to a ``Target`` it matches every wording the
        key lists. The step that asked is recorded (see :meth:`unconfirmed_used`)."""
        try:
            found = self.labels.label(key, self.account.locale)
        except KeyError:
            raise KeyError(f"{self.PLATFORM} flow has no label {key!r}") from None
        self._note_label(key)
        return found

    def any_label(self, key: str) -> Label:
        """``key`` in every locale (every wording of every language, English first): for pages
        whose language the account does not choose (e.g. the login page follows the
        browser's language). Given to a ``Target`` it matches as :meth:`label` does."""
        texts = self.labels.every_text(key)
        if not texts:
            raise KeyError(f"{self.PLATFORM} flow has no label {key!r}")
        self._note_label(key)
        return Label(key, texts, self.labels.where(key))

    def matching(self, key: str, *, exact: bool = True) -> re.Pattern[str]:
        """What a ``Target`` makes of ``label(key)``, for Playwright calls made directly:
        the whole name, as for a control; ``exact=False`` for part of a text."""
        return label_matcher(self.label(key), exact)

    # --- signing in and bot walls, through the part (``optout_bot.flow.sign_in``) ------------

    def signal(self, name: str, *, within: Locator | None = None) -> Target:
        return self.signal_lookups.signal(name, within=within)

    def has_signal(self, name: str) -> bool:
        return self.signal_lookups.has_signal(name)

    def at_address(self, name: str) -> bool:
        return self.signal_lookups.at_address(name)

    def address_of(self, name: str) -> Callable[[str], bool]:
        return self.signal_lookups.address_of(name)

    def expect_address(self, element: str, name: str) -> None:
        self.signal_lookups.expect_address(element, name)

    def click_and_leave(self, button: Locator) -> None:
        self.signal_lookups.click_and_leave(button)

    def only_one(self, element: str, candidates: Locator) -> Locator:
        return self.signal_lookups.only_one(element, candidates)

    def signed_in_now(self) -> bool:
        """Whether this page is a signed-in one (address and structure both)."""
        return self.sign_in.signed_in_now()

    def bot_wall_targets(self) -> list[Target]:
        """Every known bot wall, as choices for a step's ``wait_for_any``."""
        return self.sign_in.bot_wall_targets()

    def bot_wall_shown(self) -> BotWall | None:
        return self.sign_in.bot_wall_shown()

    def manual_instructions(self, wall: str) -> str:
        """What the person does by hand, in their language (``SignInPart``)."""
        return self.sign_in.manual_instructions(wall)

    def at_bot_wall(self) -> None:
        """A bot wall stands in front of the page: never get past it (``SignInPart``)."""
        self.sign_in.at_bot_wall()

    def stop_at_bot_wall(self) -> None:
        """Raise ``needs_human`` with the manual steps (``SignInPart``)."""
        self.sign_in.stop_at_bot_wall()

    def label_differs(self, element: str, found: str, expected: Sequence[str]) -> None:
        """Logged, and kept for the evidence (notes ``label_differs``): the label was a
        cross-check only, the element was found by what does not depend on language."""
        self.finder.label_differs(element, found, expected)

    def _keep_label_difference(self, element: str, found: str, expected: Sequence[str]) -> None:
        said = f"label differs: {element} is {found}, not {' or '.join(expected)}"
        if said not in self._label_differences:  # once, however often the step is tried
            self._label_differences.append(said)
            self.services.note("label_differs", list(self._label_differences))

    @staticmethod
    def same_text(a: str, b: str) -> bool:
        """Whether two texts are the same after the one normalisation every comparison uses
        (apostrophes, quotes, spaces, case)."""
        return labels.normalise(a, casefold=True) == labels.normalise(b, casefold=True)

    def _note_label(self, key: str) -> None:
        used = self._labels_used.setdefault(self.step, {})
        used[key] = self.labels.unconfirmed(key, self.account.locale)

    def labels_used(self, step: str) -> dict[str, bool]:
        """The label keys ``step`` looked up, each with whether it rested on no confirmed
        wording in the account's language."""
        return dict(self._labels_used.get(step, {}))

    def unconfirmed_used(self, step: str) -> list[str]:
        """The label keys ``step`` relied on that no source confirms yet (for check reports
        and ``run -v``: a failure there may be our guess, not the platform's change)."""
        return sorted(k for k, unconfirmed in self.labels_used(step).items() if unconfirmed)

    # --- step hooks (override the ones in STEPS) ---------------------------------------------

    def check_step(self, step: str) -> None:
        """Check mode, in place of a state-changing ``step``: verify that what it would use is
        there and usable (visible, enabled, the right role and name), without acting.

        The default cannot check anything and says so; flows override it.
        """
        raise NotImplementedError(f"{self.PLATFORM} cannot check {step} without doing it")

    def is_applied(self) -> bool:
        """After a state-changing step failed in transit: is the change on the platform?

        Flows override this by re-reading the platform; the default says "cannot tell", which
        makes the engine stop instead of risking a second submission.
        """
        raise NotImplementedError
