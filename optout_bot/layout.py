"""Where the platforms live. In a checkout: the top-level folders ``flows/`` and ``fixtures/``
(the project's card). Installed: inside this package, ``optout_bot._platforms.flows`` and
``…fixtures`` (``setup.py`` maps them there), so nothing but ``optout_bot`` lands in
site-packages and a package of the same name (PyPI has a ``fixtures``) cannot clash.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
INSTALLED = "optout_bot._platforms"


@cache
def platform_package(folder: str) -> str:
    """The importable name of ``flows`` or ``fixtures``: the checkout's folder when this is a
    checkout (its root put first on the path, so the folder wins over any namesake), else the
    copy installed inside this package."""
    if (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / folder / "__init__.py").is_file():
        if str(CHECKOUT) not in sys.path:
            sys.path.insert(0, str(CHECKOUT))
        return folder
    return f"{INSTALLED}.{folder}"
