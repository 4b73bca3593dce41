"""Starting the browser: Playwright's own Chromium when installed, else Debian's, or a remote
one (a ``ws://`` Playwright server, or an ``http(s)://`` Chrome DevTools endpoint)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from optout_bot.errors import ConfigError
from optout_bot.scrub import endpoint_secrets, mask_endpoint, scrub_text
from optout_bot.settings import DEBIAN_CHROMIUM, DEBIAN_CHROMIUM_ARGS, BrowserSettings

LOCALE_TAGS = {"en": "en-US", "de": "de-DE", "ko": "ko-KR"}


def resolve_executable(settings: BrowserSettings, playwright: Playwright) -> Path | None:
    """The browser binary to launch; ``None`` means Playwright's bundled Chromium."""
    if settings.executable is not None:
        if not settings.executable.exists():
            raise ConfigError(f"browser.executable: {settings.executable} does not exist")
        return settings.executable
    bundled = Path(playwright.chromium.executable_path)
    if bundled.exists():
        return None
    if DEBIAN_CHROMIUM.exists():
        return DEBIAN_CHROMIUM
    raise ConfigError(
        "no browser found: install Debian's Chromium (`apt-get install chromium`) or set "
        "browser.executable (OPTOUT_BOT_BROWSER__EXECUTABLE)")


def launch_args(settings: BrowserSettings, executable: Path | None) -> list[str]:
    base = list(DEBIAN_CHROMIUM_ARGS) if executable is not None else []
    return base + [a for a in (settings.args or []) if a not in base]


@contextmanager
def open_browser(settings: BrowserSettings) -> Iterator[Browser]:
    """A running browser for the duration of the block, closed however the block ends."""
    with sync_playwright() as playwright:
        if settings.endpoint:
            browser = _connect(playwright, settings.endpoint)
        else:
            executable = resolve_executable(settings, playwright)
            browser = playwright.chromium.launch(
                executable_path=str(executable) if executable else None,
                args=launch_args(settings, executable),
                headless=settings.headless,
                slow_mo=settings.slow_mo_ms or None,
            )
        try:
            yield browser
        finally:
            browser.close()


def _connect(playwright: Playwright, endpoint: str) -> Browser:
    try:
        if endpoint.startswith(("ws://", "wss://")):
            return playwright.chromium.connect(endpoint)
        if endpoint.startswith(("http://", "https://")):
            return playwright.chromium.connect_over_cdp(endpoint)
    except PlaywrightError as error:
        first = (str(error).strip() or type(error).__name__).splitlines()[0]
        first = scrub_text(first, endpoint_secrets(endpoint))
        raise ConfigError(f"browser.endpoint: cannot use the browser at "
                          f"{mask_endpoint(endpoint)}: {first}") from None
    raise ConfigError(f"browser.endpoint: {mask_endpoint(endpoint)!r} is neither ws:// nor "
                      "http(s)://")


def check_endpoint_reachable(endpoint: str, timeout_seconds: float = 10.0) -> None:
    """ConfigError, with the access key masked, when nothing answers at the endpoint's host
    and port: one clear line before any browser work starts."""
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        port = parts.port or {"ws": 80, "http": 80, "wss": 443, "https": 443}.get(parts.scheme, 0)
    except ValueError as error:
        raise ConfigError(f"browser.endpoint: {mask_endpoint(endpoint)} is not a valid "
                          f"address ({error})") from None
    try:
        with socket.create_connection((host, port), timeout=timeout_seconds):
            pass
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise ConfigError(f"browser.endpoint: cannot reach {mask_endpoint(endpoint)} "
                          f"({reason}); is the browser or grid running?") from None


def new_context(browser: Browser, locale: str, storage_state: Path | None = None
                ) -> BrowserContext:
    """A fresh, isolated context speaking the account's language (``Accept-Language``)."""
    return browser.new_context(
        locale=LOCALE_TAGS.get(locale, locale),
        viewport={"width": 1280, "height": 900},
        storage_state=str(storage_state) if storage_state and storage_state.exists() else None,
    )
