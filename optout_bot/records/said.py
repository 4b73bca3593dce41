"""What was said, as documents show it: the platform's own words quoted in their language,
the tool's finding as the tool's own sentence in the person's language, and submitted fields
and states named in that language. Receipts and letters both write facts this way."""

from __future__ import annotations

from typing import Any

from optout_bot.records.locales import Wording
from optout_bot.shown import printable


def shown_by_platform(words: Wording, m: dict[str, Any], platform: str) -> list[str]:
    """What the platform showed, as a quotation in its own words and language; what the tool
    concluded from it, as the tool's own sentence in the person's language."""
    conclusion = m.get("conclusion")
    if isinstance(conclusion, dict) and isinstance(conclusion.get("key"), str):
        quoted = conclusion.get("quoted")
        values = {
            as_text(k): quote(words, as_text(v))
            for k, v in (quoted.items() if isinstance(quoted, dict) else ())
        }
        said = words.text(f"conclusion.{as_text(conclusion['key'])}", platform=platform, **values)
        return [words.text("letter.tool_concluded", conclusion=said, platform=platform)]
    answer = as_text(m.get("confirmation"))
    if not answer:
        return []
    return [words.text("letter.platform_showed", platform=platform, answer=quote(words, answer))]


def quote(words: Wording, text: str) -> str:
    """``text`` marked as a quotation in its original language."""
    return words.text("quote", text=text)


def field_name(words: Wording, key: str) -> str:
    """A submitted field as the person's language names it; a platform's own label (a
    switch's name) is quoted as the platform wrote it."""
    return words.first([f"field.{key}"]) or quote(words, key)


def field_value(words: Wording, value: str) -> str:
    return words.first([f"state.{value}"]) or value


def as_text(value: object) -> str:
    """Outside text as one printable line: line breaks become spaces, control characters
    escapes (a terminal or mail client never acts on them)."""
    if value is None or isinstance(value, dict | list):
        return ""
    return printable(" ".join(str(value).split()))
