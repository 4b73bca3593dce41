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
SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
HANDLER = re.compile(r'\son[a-z]+="([^"]*)"', re.IGNORECASE)  # inline scripts: onclick="…"
STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.DOTALL | re.IGNORECASE)
BANNER = (
    '<div role="region" aria-label="What\'s new" class="{cls}">'
    '<p>New: a fresh look for your settings. <a href="#whats-new">Learn more</a> · '
    '<a href="#privacy-centre">Privacy Centre</a></p></div>'
)


@dataclass(frozen=True)
class Drift:
    """A real change of a page: ``rename`` visible texts, ``remove`` elements (regexes over the
    HTML), ``move`` paths (old path → new path; the old one answers 404)."""

    rename: dict[str, str] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    move: dict[str, str] = field(default_factory=dict)
    replace: dict[str, str] = field(default_factory=dict)
    """Regex → replacement over the HTML, after ``rename``: an element rebuilt otherwise."""
    description: str = ""
    paths: str | None = None  # a regex: rename/remove only on pages whose path matches


def _token(value: str, salt: str) -> str:
    return "x" + hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()[:7]


def cosmetic_churn(html: str, salt: str = "churn", keep: frozenset[str] = frozenset()) -> str:
    """Rename every generated class and id (consistently: labels still point at their
    fields, styles still apply), and add a banner with extra links at the top of the body.

    Ids a page's own script looks up are kept, as a real site regenerates its scripts with its
    markup; what must survive is a flow that never relied on them. ``keep`` are ids the real
    platform is known to keep from release to release (a replica's ``STABLE_IDS``, each with
    its source): those are not generated, so churn leaves them.
    """
    scripts = "".join(SCRIPT.findall(html)) + "".join(HANDLER.findall(html))
    classes = {c for value in CLASS_ATTR.findall(html) for c in value.split()}
    ids = {i for _, value in ID_REFERENCE.findall(html) for i in value.split()}
    renamed = {c: _token(c, salt) for c in classes}
    renamed_ids = {i: _token(i, salt) for i in ids if not _used_by(scripts, i) and i not in keep}

    def rename_ids(match: re.Match[str]) -> str:
        values = " ".join(renamed_ids.get(i, i) for i in match.group(2).split())
        return f'{match.group(1)}="{values}"'

    html = CLASS_ATTR.sub(
        lambda m: 'class="' + " ".join(renamed[c] for c in m.group(1).split()) + '"', html
    )
    html = ID_REFERENCE.sub(rename_ids, html)
    html = STYLE.sub(lambda m: _restyle(m.group(0), renamed, renamed_ids), html)
    return BODY_OPEN.sub(
        lambda m: m.group(0) + BANNER.format(cls=_token("banner", salt)), html, count=1
    )


def _used_by(scripts: str, element_id: str) -> bool:
    prefix = re.split(r"(?<=[-_])", element_id, maxsplit=1)[0]
    return element_id in scripts or (prefix != element_id and f'"{prefix}"' in scripts)


def _restyle(style: str, classes: dict[str, str], ids: dict[str, str]) -> str:
    style = re.sub(
        r"\.([A-Za-z_][\w-]*)", lambda m: "." + classes.get(m.group(1), m.group(1)), style
    )
    return re.sub(r"#([A-Za-z_][\w-]*)", lambda m: "#" + ids.get(m.group(1), m.group(1)), style)


def apply_real_change(html: str, drift: Drift, path: str = "/") -> str:
    if drift.paths is not None and not re.search(drift.paths, path):
        return html
    for old, new in drift.rename.items():
        html = re.sub(rf">(\s*){re.escape(old)}(\s*)<", rf">\g<1>{new}\g<2><", html)
        html = html.replace(f'aria-label="{old}"', f'aria-label="{new}"')
        html = html.replace(f'value="{old}"', f'value="{new}"')
    for pattern, replacement in drift.replace.items():
        html = re.sub(pattern, replacement, html, flags=re.DOTALL)
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
            return old.rstrip("/") + path[len(new.rstrip("/")) :], False
    return path, False
