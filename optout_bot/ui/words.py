"""The page's language: the person's choice (a cookie set by the switcher), else the first
language of the browser's ``Accept-Language`` the locale files have, else English. The words
come from the same locale files as receipts and letters (their ``[ui]`` tables)."""

from __future__ import annotations

from optout_bot.records.locales import REFERENCE_LOCALE, Wording, available_locales, wording

LANGUAGE_COOKIE = "optout_ui_lang"


def page_languages() -> list[str]:
    """Languages whose locale file has the page's words, English first."""
    return [loc for loc in available_locales() if wording(loc).texts.get("ui.nav_run")]


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    known = page_languages()
    if cookie in known:
        return str(cookie)
    for wanted in _ranked(accept_language or ""):
        base = wanted.split("-")[0].lower()
        if base in known:
            return base
    return REFERENCE_LOCALE


def _ranked(header: str) -> list[str]:
    """The header's languages, highest quality first (ties keep the header's order)."""
    found: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if name and quality > 0:
            found.append((-quality, position, name.strip()))
    return [name for _, _, name in sorted(found)]


class PageWords:
    """``t("run.start")`` → the text of ``ui.run.start`` in the page's language."""

    def __init__(self, locale: str) -> None:
        self.words: Wording = wording(locale)
        self.locale = self.words.locale

    def __call__(self, key: str, **values: object) -> str:
        return self.words.text(f"ui.{key}", **values)

    def outcome(self, value: str) -> str:
        return self.words.text(f"outcome.{value}") if value else ""

    def proof(self, value: str) -> str:
        return self.words.text(f"proof.{value}") if value else ""

    def language_name(self, locale: str) -> str:
        return wording(locale).text("language")
