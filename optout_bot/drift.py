"""Drift variants: a replica serving a *changed* platform, to prove that check mode tells
harmless churn from a change that breaks a flow.

``COSMETIC`` is generic and every replica has it: every class name and id renamed (labels and
ARIA references follow), a "what's new" banner and extra links added. A real change is data a
replica declares in ``DRIFTS``: a visible text renamed, an element removed, a page moved.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

COSMETIC = "cosmetic"
CLASS_ATTR = re.compile(r'\bclass="([^"]*)"')
ID_REFERENCE = re.compile(r'\b(id|for|aria-labelledby|aria-describedby|aria-controls)="([^"]*)"')
BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
BANNER = ('<div role="region" aria-label="What\'s new" class="{cls}">'
          '<p>New: a fresh look for your settings. <a href="#whats-new">Learn more</a> · '
          '<a href="#privacy-centre">Privacy Centre</a></p></div>')


@dataclass(frozen=True)
class Drift:
    """A real change of a page: ``rename`` visible texts, ``remove`` elements (regexes over the
    HTML), ``move`` paths (old path → new path; the old one answers 404)."""

    rename: dict[str, str] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    move: dict[str, str] = field(default_factory=dict)
    description: str = ""


def _token(value: str, salt: str) -> str:
    return "x" + hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()[:7]


def cosmetic_churn(html: str, salt: str = "churn") -> str:
    """Rename every class and id (consistently, so labels still point at their fields), and add
    a banner with extra links at the top of the body."""
    html = CLASS_ATTR.sub(
        lambda m: 'class="' + " ".join(_token(c, salt) for c in m.group(1).split()) + '"', html)
    html = ID_REFERENCE.sub(
        lambda m: f'{m.group(1)}="' + " ".join(_token(i, salt) for i in m.group(2).split()) + '"',
        html)
    return BODY_OPEN.sub(lambda m: m.group(0) + BANNER.format(cls=_token("banner", salt)),
                         html, count=1)


def apply_real_change(html: str, drift: Drift) -> str:
    for old, new in drift.rename.items():
        html = re.sub(rf">(\s*){re.escape(old)}(\s*)<", rf">\g<1>{new}\g<2><", html)
        html = html.replace(f'aria-label="{old}"', f'aria-label="{new}"')
        html = html.replace(f'value="{old}"', f'value="{new}"')
    for pattern in drift.remove:
        html = re.sub(pattern, "", html, flags=re.DOTALL)
    return html


def moved_path(drift: Drift | None, path: str) -> tuple[str, bool]:
    """(the path to dispatch, whether the request must be refused as gone)."""
    if drift is None:
        return path, False
    for old, new in drift.move.items():
        if path.rstrip("/") == old.rstrip("/"):
            return path, True
        if path.rstrip("/") == new.rstrip("/") or path.startswith(new.rstrip("/") + "/"):
            return old.rstrip("/") + path[len(new.rstrip("/")):], False
    return path, False
