"""Running in Python's UTF-8 mode whatever the locale.

Under the POSIX locale with Python's locale coercion off (``LC_ALL=C``,
``PYTHONCOERCECLOCALE=0``, ``PYTHONUTF8=0``), Python reads the environment and the command line
as ASCII: a password in ``OPTOUT_BOT_…_PASSWORD`` typed in any other script arrives as
undecodable escapes, which no page can be given and no encoder accepts. The command then starts
itself again in UTF-8 mode (``-X utf8``), with the same arguments and environment bytes, before
anything is read or sent; where that cannot be done it goes on as it is.
"""

from __future__ import annotations

import codecs
import locale
import os
import sys

AGAIN = "OPTOUT_BOT_UTF8_RESTARTED"


def needs_utf8_mode() -> bool:
    """Whether this process reads text in an encoding other than UTF-8."""
    if sys.flags.utf8_mode:
        return False
    encoding = locale.getpreferredencoding(False)
    return codecs.lookup(encoding).name != "utf-8" or sys.getfilesystemencoding() != "utf-8"


def ensure_utf8_mode() -> None:
    """Start the command again in UTF-8 mode when it is not (once; never in a loop)."""
    if not needs_utf8_mode() or os.environ.get(AGAIN) or not sys.executable:
        return
    os.environ[AGAIN] = "1"
    try:
        os.execv(sys.executable, [sys.executable, "-X", "utf8", *sys.orig_argv[1:]])
    except OSError:  # cannot start again: continue with what this process has
        return
