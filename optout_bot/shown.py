"""Outside text (labels, file names, the platform's words) as the terminal may show it.

Rich markup is switched off for every console, so ``[red]`` or ``[/x]`` is shown as typed;
this adds that control characters (a terminal escape sequence in a file name, a newline in a
label) are shown escaped instead of acting on the terminal.
"""

from __future__ import annotations

import unicodedata


def printable(text: object) -> str:
    """``text`` with every control or invisible-format character written as an escape."""
    value = str(text)
    if all(c == " " or unicodedata.category(c)[0] not in "CZ" for c in value):
        return value
    return "".join(
        c
        if c == " " or unicodedata.category(c)[0] not in "CZ"
        else c.encode("unicode_escape").decode("ascii")
        for c in value
    )
