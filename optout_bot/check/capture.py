"""Captures of a page a flow reached, made to be shared: what the page is built of, never what
anybody typed or is called.

A capture keeps the address without query values, the ARIA snapshot, the structure of every
form and control (roles, accessible names, input types, names, autocomplete, test ids — never
values), the visible strings and a screenshot with every input masked. The account's own
identifiers, known secrets and long numbers (codes, ids) are replaced before anything is
written, so a volunteer can attach the folder to an issue as it is.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from optout_bot import labels, log
from optout_bot.check.aria import aria_snapshot, normalise

PAGE_FILE = "page.json"
ARIA_FILE = "aria.yml"
SCREENSHOT_FILE = "screenshot.png"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
INPUTS = "input, textarea, select, [contenteditable=''], [contenteditable='true']"

# What a page is built of, in document order; a control's value is never read.
_OUTLINE_JS = """() => {
  const path = (href) => { try { return new URL(href, location.href).pathname; }
                           catch (e) { return ""; } };
  const text = (el) => (el.innerText || el.textContent || "").replace(/\\s+/g, " ").trim();
  const named = (el) => {
    const label = el.getAttribute("aria-label");
    if (label) return label.trim();
    const by = el.getAttribute("aria-labelledby");
    if (by) return by.split(/\\s+/).map((id) => document.getElementById(id))
                     .filter(Boolean).map(text).join(" ");
    if (el.labels && el.labels.length) return text(el.labels[0]);
    if (["BUTTON", "A"].includes(el.tagName) || WIDGETS.includes(el.getAttribute("role")))
      return text(el);
    return el.getAttribute("placeholder") || "";
  };
  const forms = [...document.forms];
  const WIDGETS = ["button", "link", "switch", "checkbox", "radio", "tab", "menuitem",
                   "option", "combobox", "textbox", "menuitemcheckbox", "menuitemradio"];
  const shown = (el) => !el.closest("[hidden]") && el.getClientRects().length > 0;
  const items = [];
  const selector = "h1,h2,h3,h4,h5,h6,p,form,input,textarea,select,button,a[href],[role]";
  for (const el of document.body.querySelectorAll(selector)) {
    const tag = el.tagName.toLowerCase();
    const item = {tag, role: el.getAttribute("role") || "", shown: shown(el)};
    if (tag === "form") {
      item.index = forms.indexOf(el);
      item.action = path(el.getAttribute("action") || location.href);
      item.method = (el.getAttribute("method") || "get").toLowerCase();
    } else if (/^h[1-6]$/.test(tag) || tag === "p") {
      // a paragraph around links keeps its own words; the links follow it as items
      item.text = el.querySelector(selector) ? [...el.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent)
        .join(" ").replace(/\\s+/g, " ").replace(/[\\s·|]+$/, "").trim() : text(el);
      if (!item.text) continue;
    } else {
      item.name = named(el);
      item.type = el.getAttribute("type") || "";
      item.field = el.getAttribute("name") || "";
      item.autocomplete = el.getAttribute("autocomplete") || "";
      item.inputmode = el.getAttribute("inputmode") || "";
      item.testid = el.getAttribute("data-testid") || "";
      item.form = el.form ? forms.indexOf(el.form) : (el.closest("form") ?
                  forms.indexOf(el.closest("form")) : -1);
      if (["checkbox", "radio"].includes(item.type)) item.checked = el.defaultChecked;
      if (tag === "a") item.href = path(el.getAttribute("href"));
      if (tag === "select") item.options = [...el.options].map((o) => text(o));
    }
    items.push(item);
  }
  return {title: document.title, lang: document.documentElement.lang || "", items};
}"""


@dataclass(frozen=True)
class Capture:
    """One page as captured: where, when, for which flow, and what it was built of."""

    folder: Path
    platform: str
    locale: str
    step: str
    date: str
    address: str
    title: str
    outline: list[dict[str, Any]]
    strings: list[str]
    replica: bool = False
    """Captured from a replica: it shows what the project already knows, so it confirms
    nothing."""

    @property
    def source(self) -> str:
        """As a label file's ``source`` names it (it counts as confirmed, as a public source
        does: it is what a real page showed)."""
        return f"capture {self.platform}/{self.locale} {self.date}"


def address_without_values(url: str) -> str:
    """Origin and path, and the query's names only: values can hold tokens and codes."""
    parts = urlsplit(url)
    names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    query = "?" + "&".join(dict.fromkeys(names)) if names else ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}{query}"


class Redactor:
    """Replaces the account's identifiers, known secrets, email addresses and long numbers."""

    def __init__(self, personal: list[str]) -> None:
        self.personal = [p for p in personal if p]

    def text(self, value: str) -> str:
        value = log.redactor.scrub(value)
        value = normalise(value, self.personal).rstrip("\n")
        return EMAIL.sub("<email>", value)

    def deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        return value


def take(
    page: Page,
    folder: Path,
    *,
    platform: str,
    locale: str,
    step: str,
    personal: list[str],
    today: datetime.date | None = None,
    replica: bool = False,
) -> Capture:
    """Capture ``page`` into ``folder`` (created), redacted before anything is written."""
    redact = Redactor(personal)
    folder.mkdir(parents=True, exist_ok=True)
    raw = page.evaluate(_OUTLINE_JS)
    outline = [redact.deep(item) for item in raw["items"]]
    strings = list(
        dict.fromkeys(
            s
            for item in outline
            if item.get("shown")
            for s in (item.get("text", ""), item.get("name", ""))
            if s
        )
    )
    capture = Capture(
        folder=folder,
        platform=platform,
        locale=locale,
        step=step,
        date=(today or datetime.date.today()).isoformat(),
        address=redact.text(address_without_values(page.url)),
        title=redact.text(raw.get("title", "")),
        outline=outline,
        strings=strings,
        replica=replica,
    )
    payload = {
        "platform": platform,
        "locale": locale,
        "page_lang": redact.text(raw.get("lang", "")),
        "step": step,
        "date": capture.date,
        "address": capture.address,
        "title": capture.title,
        "outline": outline,
        "strings": strings,
        "replica": replica,
    }
    (folder / PAGE_FILE).write_text(
        json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    snapshot = aria_snapshot(page, personal)
    if snapshot is not None:
        (folder / ARIA_FILE).write_text(redact.text(snapshot) + "\n", encoding="utf-8")
    try:
        page.screenshot(
            path=str(folder / SCREENSHOT_FILE), full_page=True, mask=[page.locator(INPUTS)]
        )
    except PlaywrightError as error:
        log.get_logger().warning("capture.screenshot_failed", error=str(error).splitlines()[0])
    return capture


def load(folder: Path) -> Capture:
    """Read a capture back; it is data from a stranger, so its shape is checked."""
    data = json.loads((folder / PAGE_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("outline"), list):
        raise ValueError(f"{folder / PAGE_FILE} is not a capture")
    return Capture(
        folder=folder,
        platform=str(data.get("platform", "")),
        locale=str(data.get("locale", "")),
        step=str(data.get("step", "")),
        date=str(data.get("date", "")),
        address=str(data.get("address", "")),
        title=str(data.get("title", "")),
        outline=[item for item in data["outline"] if isinstance(item, dict)],
        strings=[s for s in data.get("strings", []) if isinstance(s, str)],
        replica=data.get("replica") is not False,  # only a capture saying it is not counts
    )


def label_lines(capture: Capture, book: labels.LabelBook) -> tuple[list[str], list[str]]:
    """(label-file lines this capture confirms, strings it shows that no label holds). The
    lines are a label file's (``[[key]]``, text, source and date), ready to paste; from a
    replica's page they are marked ``unconfirmed``: a replica only shows what we wrote."""
    seen = {labels.normalise(s): s for s in capture.strings}
    confirmed: list[str] = []
    known: set[str] = set()
    for key in book.flow_keys(capture.locale):
        for variant in book.variants(key, capture.locale):
            wording = labels.normalise(variant.text)
            known.add(wording)
            if wording in seen:
                confirmed += [
                    f"[[{key}]]",
                    f"text = {json.dumps(seen[wording], ensure_ascii=False)}",
                    *(
                        ["unconfirmed = true  # seen on a replica, which confirms nothing"]
                        if capture.replica
                        else [
                            f"source = {json.dumps(capture.source)}",
                            f"date = {json.dumps(capture.date)}",
                        ]
                    ),
                    "",
                ]
    unknown = [s for n, s in seen.items() if n not in known]
    return confirmed, unknown


def issue_text(capture: Capture, confirmed: list[str], unknown: list[str]) -> str:
    """A prefilled issue: what was captured, what it confirms, what is new."""
    controls = [
        f"- {i['tag']}"
        + "".join(
            f" {k}={i[k]!r}"
            for k in ("role", "type", "field", "autocomplete", "inputmode", "testid", "name")
            if i.get(k)
        )
        for i in capture.outline
        if i["tag"] not in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "a")
    ]
    lines = [
        f"# {capture.platform} ({capture.locale}): page at step `{capture.step}` as seen "
        f"on {capture.date}",
        "",
        f"Address (query values removed): `{capture.address}`",
        "",
        "## Controls (structure only, no values)",
        *controls,
        "",
        "## Label lines this capture confirms",
        "```toml",
        *confirmed,
        "```",
        "",
        "## Strings shown that no label file holds",
        *(f"- {json.dumps(s, ensure_ascii=False)}" for s in unknown),
        "",
        "Attached: the capture folder (page.json, aria.yml, screenshot.png with inputs masked).",
    ]
    return "\n".join(lines) + "\n"
