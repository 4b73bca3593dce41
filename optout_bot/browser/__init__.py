"""Starting the browser: the one place that knows how Chromium is found and launched.

Playwright's own Chromium when it is installed, else Debian's, or a remote one (a ``ws://``
Playwright server, or an ``http(s)://`` Chrome DevTools endpoint). Runs, the parallel runner's
workers, the tests and the benchmark all start their browser through this module, so a launch
argument or a browser path is changed once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from optout_bot.browser import scratch
from optout_bot.errors import ConfigError
from optout_bot.files import open_private
from optout_bot.scrub import endpoint_secrets, mask_endpoint, scrub_text
from optout_bot.settings import BrowserSettings

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# Debian's `chromium-headless-shell` package (156.0.8078.129-1~deb12u1, file list read
# 2026-12-07) installs the binary here and a /usr/bin wrapper that does not `exec` it (the
# browser would run as a shell's child, outliving a kill of the process Playwright started).
# Headless runs use it when it is there, as Playwright uses its own headless shell: the same
# engine without the desktop browser's user interface, about 40 % less CPU per run.
DEBIAN_HEADLESS_SHELL = Path("/usr/lib/chromium/chromium-headless-shell")
DEBIAN_CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
)
LOCALE_TAGS = {"en": "en-US", "de": "de-DE", "ko": "ko-KR"}
# A Chromium started here rather than by Playwright: what Playwright's own launch adds, minus
# what needs its pipe; keeps background contexts from being throttled, which matters when many
# run at once in one browser.
HEADLESS_ARGS = ("--headless", "--hide-scrollbars", "--mute-audio")
QUIET_ARGS = (
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--disable-ipc-flooding-protection",
    "--disable-hang-monitor",
    "--disable-breakpad",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-sync",
    "--disable-field-trial-config",
    "--disable-dev-shm-usage",
    "--metrics-recording-only",
    "--password-store=basic",
    "--use-mock-keychain",
    "--force-color-profile=srgb",
)
PDEATHSIG_LAUNCHER = """#!{python} -IS
import ctypes, os, signal, sys
parent = os.getppid()
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
if os.getppid() != parent:  # the driver ended before the signal was asked for
    sys.exit(1)
os.execv({executable!r}, [{executable!r}, *sys.argv[1:]])
"""
DEVTOOLS_LINE = re.compile(r"DevTools listening on (ws://\S+)")
START_TIMEOUT_SECONDS = 30.0
T = TypeVar("T")


def resolve_executable(settings: BrowserSettings, playwright: Playwright) -> Path | None:
    """The browser binary to launch; ``None`` means Playwright's bundled Chromium (which
    Playwright itself runs as its headless shell when headless)."""
    if settings.executable is not None:
        if not settings.executable.exists():
            raise ConfigError(f"browser.executable: {settings.executable} does not exist")
        return settings.executable
    bundled = Path(playwright.chromium.executable_path)
    if bundled.exists():
        return None
    if settings.headless and DEBIAN_HEADLESS_SHELL.exists():
        return DEBIAN_HEADLESS_SHELL
    if DEBIAN_CHROMIUM.exists():
        return DEBIAN_CHROMIUM
    raise ConfigError(
        "no browser found: install Debian's Chromium (`apt-get install chromium`) or set "
        "browser.executable (OPTOUT_BOT_BROWSER__EXECUTABLE)"
    )


def launch_args(settings: BrowserSettings, executable: Path | None) -> list[str]:
    base = list(DEBIAN_CHROMIUM_ARGS) if executable is not None else []
    return base + [a for a in (settings.args or []) if a not in base]


def launch_options(settings: BrowserSettings, playwright: Playwright) -> dict[str, Any]:
    """The keyword arguments of Playwright's ``chromium.launch`` for ``settings``."""
    executable = resolve_executable(settings, playwright)
    return {
        "executable_path": str(executable) if executable else None,
        "args": launch_args(settings, executable),
        "headless": settings.headless,
        "slow_mo": settings.slow_mo_ms or None,
    }


def launch(playwright: Playwright, settings: BrowserSettings) -> Browser:
    """A Chromium launched by ``playwright`` over a pipe (no port); the caller closes it.

    It ends with the run whatever kills it: the Playwright driver is our child, in our process
    group, and ends its browsers when our end of its pipe closes; Chromium ends when its
    DevTools pipe closes, and during a run (``optout_bot.browser.scratch``) is also started with a
    parent-death signal, so it is killed the moment the driver goes."""
    options = launch_options(settings, playwright)
    folder = scratch.current()
    if (
        folder is not None
        and sys.platform.startswith("linux")
        and not os.statvfs(folder).f_flag & os.ST_NOEXEC
    ):
        executable = options["executable_path"] or playwright.chromium.executable_path
        options["executable_path"] = str(_dying_with_parent(Path(executable), folder))
    return playwright.chromium.launch(**options)


def _dying_with_parent(executable: Path, folder: Path) -> Path:
    """A launcher in ``folder`` that asks Linux to SIGKILL the browser when its parent (the
    Playwright driver) ends (``PR_SET_PDEATHSIG``, kept across ``exec``), then becomes it."""
    launcher = folder / f"chromium-{hashlib.sha256(bytes(executable)).hexdigest()[:12]}"
    if launcher.exists():
        return launcher
    partial = folder / f".{launcher.name}.{threading.get_ident()}"
    descriptor = open_private(partial, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(descriptor, "w", encoding="utf-8") as script:
        script.write(PDEATHSIG_LAUNCHER.format(python=sys.executable, executable=str(executable)))
    os.chmod(partial, 0o700)
    os.replace(partial, launcher)
    return launcher


@contextmanager
def open_browser(settings: BrowserSettings) -> Iterator[Browser]:
    """A running browser for the duration of the block, closed however the block ends."""
    with sync_playwright() as playwright:
        browser = (
            connect(playwright, settings.endpoint, settings)
            if settings.endpoint
            else launch(playwright, settings)
        )
        try:
            yield browser
        finally:
            browser.close()


def connect(
    playwright: Playwright, endpoint: str, settings: BrowserSettings | None = None
) -> Browser:
    """A connection to a running browser: a Playwright server or a DevTools endpoint. A
    Playwright server launches a browser per connection: it is asked for ``settings``'
    headless mode and arguments, and for ``browser.executable`` when one is set (a server
    honours a path and arguments only when started with ``--unsafe``; else it uses its own)."""
    try:
        if endpoint.startswith(("ws://", "wss://")):
            return playwright.chromium.connect(
                endpoint, headers=server_launch_headers(settings) if settings is not None else None
            )
        if endpoint.startswith(("http://", "https://")):
            return playwright.chromium.connect_over_cdp(endpoint)
    except PlaywrightError as error:
        first = (str(error).strip() or type(error).__name__).splitlines()[0]
        first = scrub_text(first, endpoint_secrets(endpoint))
        raise ConfigError(
            f"browser.endpoint: cannot use the browser at {mask_endpoint(endpoint)}: {first}"
        ) from None
    raise ConfigError(
        f"browser.endpoint: {mask_endpoint(endpoint)!r} is neither ws:// nor http(s)://"
    )


def server_launch_headers(settings: BrowserSettings) -> dict[str, str]:
    """What a Playwright server (``playwright run-server``) reads to launch our browser."""
    options: dict[str, Any] = {
        "headless": settings.headless,
        "args": launch_args(settings, settings.executable),
    }
    if settings.executable is not None:
        options["executablePath"] = str(settings.executable)
    return {"x-playwright-launch-options": json.dumps(options)}


def check_endpoint_reachable(endpoint: str, timeout_seconds: float = 10.0) -> None:
    """ConfigError, with the access key masked, when nothing answers at the endpoint's host
    and port: one clear line before any browser work starts."""
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        port = parts.port or {"ws": 80, "http": 80, "wss": 443, "https": 443}.get(parts.scheme, 0)
    except ValueError as error:
        raise ConfigError(
            f"browser.endpoint: {mask_endpoint(endpoint)} is not a valid address ({error})"
        ) from None
    try:
        with socket.create_connection((host, port), timeout=timeout_seconds):
            pass
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise ConfigError(
            f"browser.endpoint: cannot reach {mask_endpoint(endpoint)} "
            f"({reason}); is the browser or grid running?"
        ) from None


def new_context(browser: Browser, locale: str, storage_state: Path | None = None) -> BrowserContext:
    """A fresh, isolated context speaking the account's language (``Accept-Language``)."""
    return browser.new_context(
        locale=LOCALE_TAGS.get(locale, locale),
        viewport={"width": 1280, "height": 900},
        storage_state=str(storage_state) if storage_state and storage_state.exists() else None,
    )


# --- a browser with a DevTools port, as a grid runs one ---------------------------------------


@contextmanager
def devtools_chromium(settings: BrowserSettings) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A Chromium with a DevTools port on the loopback address, and its ``http://`` endpoint,
    ended however the block ends: what a browser grid runs, for trying ``browser.endpoint``.
    A run never starts one (any local user could attach to the port); it launches its
    browsers over a pipe."""
    command = _chromium_command(settings)
    with tempfile.TemporaryDirectory(
        prefix="optout-bot-chromium-", ignore_cleanup_errors=True
    ) as profile:
        process = subprocess.Popen(
            [*command, f"--user-data-dir={profile}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        try:
            yield _devtools_endpoint(process), process
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def binary(settings: BrowserSettings) -> Path:
    """The path of the browser ``settings`` choose, Playwright's own included."""
    return _in_own_thread(lambda: _binary(settings))[1]


def _chromium_command(settings: BrowserSettings) -> list[str]:
    """The product's launch arguments, plus a DevTools port the system chooses."""
    chosen_binary, executable = _in_own_thread(lambda: _binary(settings))
    args = launch_args(settings, chosen_binary)
    chosen = [*QUIET_ARGS, *(HEADLESS_ARGS if settings.headless else ()), *args]
    return [
        str(executable),
        *dict.fromkeys(chosen),
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        "about:blank",
    ]


def _binary(settings: BrowserSettings) -> tuple[Path | None, Path]:
    """The configured or Debian binary (``None`` for Playwright's own), and its path."""
    with sync_playwright() as playwright:
        chosen = resolve_executable(settings, playwright)
        return chosen, chosen or Path(playwright.chromium.executable_path)


def _in_own_thread(action: Callable[[], T]) -> T:
    """Run ``action`` on a fresh thread: the sync API refuses a thread that already runs an
    event loop (an async caller, or a test session's own Playwright)."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def call() -> None:
        try:
            outcome.append(action())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=call, name="optout-bot-resolve")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def _devtools_endpoint(process: subprocess.Popen[str]) -> str:
    """Read Chromium's ``DevTools listening on ws://…`` line; keep draining its stderr after,
    so a chatty browser never blocks on a full pipe."""
    found: list[str] = []
    ready = threading.Event()
    tail: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            match = DEVTOOLS_LINE.search(line)
            if match and not found:
                found.append(match.group(1))
                ready.set()
            elif not found:
                tail[:] = [*tail[-9:], line.rstrip()]
        ready.set()

    threading.Thread(target=read, name="optout-bot-chromium-stderr", daemon=True).start()
    if not ready.wait(START_TIMEOUT_SECONDS) or not found:
        raise ConfigError(
            "the browser did not start: " + (" | ".join(tail) or "no DevTools endpoint announced")
        )
    parts = urlsplit(found[0])
    return f"http://{parts.netloc}"
