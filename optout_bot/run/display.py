"""A window needs a display: say so in one line before any browser is started.

``--headed`` (and teach mode, and ``replica open``) show a browser window. On Linux without
an X11 or Wayland display Chromium would crash a few seconds later with pages of output; this
check names the way out instead: the desktop, or a virtual display (``xvfb-run``).
"""

from __future__ import annotations

import os
import sys

from optout_bot.errors import ConfigError

NO_DISPLAY = (
    "--headed shows a browser window, and this session has no display (DISPLAY and "
    "WAYLAND_DISPLAY are not set): run it from your desktop's terminal, or under a virtual "
    "display, e.g. `xvfb-run optout-bot --headed …` (package xvfb)"
)


def require_display(headless: bool, *, remote: bool = False) -> None:
    """Raise ``ConfigError`` (exit 2) when a window is asked for and none can be shown; a
    remote browser (``--browser-endpoint``) brings its own screen."""
    if headless or remote or not sys.platform.startswith("linux"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise ConfigError(NO_DISPLAY)
