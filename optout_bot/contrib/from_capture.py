"""A replica page rebuilt from a capture: the real page's structure and words, nothing else.

The page gets exactly what the capture recorded — headings, paragraphs, forms posting to the
captured action, controls with their type, name, autocomplete, input mode, test id and
accessible name — so a replica never gains an attribute the real page was not seen with. A
replica serves such a page in place of its own at the captured path (``serve``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from optout_bot.check.capture import Capture
from optout_bot.replica import Replica, ReplicaRequest, ReplicaResponse

HEADER = re.compile(r"<!-- captured page: (GET|POST) (/[^\s]*) -->")
VOID_INPUT_TYPES = {"submit", "button", "reset"}
WIDGETS = {"button", "link", "switch", "checkbox", "radio", "tab", "menuitem", "option"}


def _attr(name: str, value: Any) -> str:
    return f' {name}="{html.escape(str(value), quote=True)}"' if value else ""


def _control(item: dict[str, Any]) -> str:
    tag = item["tag"]
    attrs = (
        _attr("role", item.get("role"))
        + _attr("data-testid", item.get("testid"))
        + _attr("autocomplete", item.get("autocomplete"))
        + _attr("inputmode", item.get("inputmode"))
    )
    name = str(item.get("name", ""))
    hidden = "" if item.get("shown", True) else " hidden"
    if tag == "input":
        kind = str(item.get("type") or "text")
        field = _attr("name", item.get("field"))
        if kind == "hidden":
            return f'<input type="hidden"{field}>'
        if kind in VOID_INPUT_TYPES:
            return f'<input type="{kind}"{field}{attrs}{_attr("value", name)}{hidden}>'
        checked = " checked" if item.get("checked") is True else ""
        return (
            f"<label{hidden}>{html.escape(name)} "
            f'<input type="{html.escape(kind)}"{field}{attrs}{checked}></label>'
        )
    if tag == "textarea":
        field = _attr("name", item.get("field"))
        return f"<label{hidden}>{html.escape(name)} <textarea{field}{attrs}></textarea></label>"
    if tag == "select":
        options = "".join(
            f"<option>{html.escape(str(o))}</option>" for o in item.get("options", [])
        )
        field = _attr("name", item.get("field"))
        return (
            f"<label{hidden}>{html.escape(name)} <select{field}{attrs}>{options}</select></label>"
        )
    if tag == "button":
        kind = _attr("type", item.get("type") or "submit")
        field = _attr("name", item.get("field"))
        return f"<button{kind}{field}{attrs}{hidden}>{html.escape(name)}</button>"
    if tag == "a":
        return f"<a{_attr('href', item.get('href') or '#')}{attrs}{hidden}>{html.escape(name)}</a>"
    if item.get("role") in WIDGETS:
        return f'<span{attrs} tabindex="0"{hidden}>{html.escape(name)}</span>'
    # a container (region, dialog, navigation …): its name, not its content, which follows
    return f"<div{attrs}{_attr('aria-label', name)}{hidden}></div>"


def page_html(capture: Capture) -> str:
    """The captured page as a self-contained HTML document (no script, no styles)."""
    forms: dict[int, dict[str, Any]] = {}
    body: list[str] = []  # top-level pieces; a form is a placeholder filled below
    members: dict[int, list[str]] = {}
    for item in capture.outline:
        tag = item.get("tag")
        if tag == "form":
            index = int(item.get("index", len(forms)))
            forms[index] = item
            members[index] = []
            body.append(f"\0form{index}\0")
            continue
        if isinstance(tag, str) and re.fullmatch(r"h[1-6]|p", tag):
            piece = f"<{tag}>{html.escape(str(item.get('text', '')))}</{tag}>"
            if not item.get("shown", True):
                piece = piece.replace(f"<{tag}>", f"<{tag} hidden>", 1)
        elif tag in ("input", "textarea", "select", "button", "a") or item.get("role"):
            piece = _control(item)
        else:
            continue
        members.get(int(item.get("form", -1)), body).append(piece)
    text = "\n".join(body)
    for index, found in forms.items():
        opening = f'<form method="{html.escape(str(found.get("method", "get")))}"'
        opening += _attr("action", found.get("action")) + ">"
        text = text.replace(
            f"\0form{index}\0", opening + "\n" + "\n".join(members[index]) + "\n</form>"
        )
    path = urlsplit(capture.address).path or "/"
    return (
        f"<!-- captured page: GET {path} -->\n"
        f"<!-- source: {html.escape(capture.source)}, step {html.escape(capture.step)} -->\n"
        f'<!doctype html>\n<html lang="{html.escape(capture.locale)}">\n<head>'
        f'<meta charset="utf-8"><title>{html.escape(capture.title)}</title></head>\n'
        f"<body>\n<main>\n{text}\n</main>\n</body>\n</html>\n"
    )


def write(capture: Capture, out: Path) -> Path:
    """Write the page variant to ``out`` (a file, or a folder: ``<step>.html`` inside)."""
    target = out / f"{capture.step or 'page'}.html" if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page_html(capture), encoding="utf-8")
    return target


def read(path: Path) -> tuple[str, str]:
    """(the path the variant stands in for, its HTML)."""
    text = path.read_text(encoding="utf-8")
    found = HEADER.match(text)
    if found is None:
        raise ValueError(f"{path} is not a page made from a capture")
    return found.group(2), text


def serve(replica: Replica, pages: list[Path]) -> None:
    """Make ``replica`` answer a GET of each captured path with the page rebuilt from the
    capture; everything else (posts, other pages, its state) stays the replica's own."""
    by_path = dict(read(p) for p in pages)
    own = replica.handle

    def handle(request: ReplicaRequest) -> ReplicaResponse:
        if request.method == "GET" and request.path.rstrip("/") in {p.rstrip("/") for p in by_path}:
            key = next(p for p in by_path if p.rstrip("/") == request.path.rstrip("/"))
            return ReplicaResponse(body=by_path[key])
        return own(request)

    replica.handle = handle  # type: ignore[method-assign]
