"""Account labels, as the user chose them, mapped to names for folders and the environment.

A label may be anything (``me``, ``me!``, ``민지``, ``Work FB``), but the names made from it must
never collide: two accounts sharing one evidence folder or one saved session would let the
second act as the first. A label that is already a plain name is used as it is; any other gets
a readable slug plus a short hash of the exact label, joined by a character no plain name has.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

MAX_LENGTH = 100
PLAIN_NAME = re.compile(r"\w[\w.-]{0,63}")  # \w is Unicode-aware: Korean labels stay readable
PLAIN_KEY = re.compile(r"\w+")


def short_hash(label: str) -> str:
    return hashlib.sha256(label.encode("utf-8")).hexdigest()[:10]


def folder_name(label: str) -> str:
    """The label's name on disk: the label itself when plain, else ``slug+hash``."""
    if PLAIN_NAME.fullmatch(label):
        return label
    slug = re.sub(r"[^\w.-]+", "_", label).strip("._-")[:40] or "account"
    return f"{slug}+{short_hash(label)}"


def env_key(label: str) -> str:
    """The label's part of an environment variable name, e.g. ``MY_FB_1A2B3C4D5E`` for
    ``my fb``. Plain labels (letters, digits, ``_``) are simply upper-cased; any other gets
    the hash of the exact label, so that ``me`` and ``me!`` never share a variable."""
    upper = label.upper()
    if PLAIN_KEY.fullmatch(label):
        return upper
    base = re.sub(r"\W+", "_", upper).strip("_")
    return f"{base}_{short_hash(label).upper()}".lstrip("_")


def env_keys(label: str) -> set[str]:
    """Every environment spelling that names ``label`` (case-insensitive): the exact key of
    :func:`env_key`, and the label itself."""
    return {env_key(label).casefold(), label.casefold()}


def same_account_key(label: str) -> str:
    """Labels equal under this key cannot be told apart (by a case-insensitive environment
    variable, file system or keyboard): they are true duplicates."""
    return unicodedata.normalize("NFKC", label).casefold()


def problems(platform: str, labels: Iterable[str]) -> list[str]:
    """What is wrong with a platform's labels, one readable phrase each (never the whole of a
    huge label)."""
    found: list[str] = []
    seen: dict[str, str] = {}
    keys: dict[str, str] = {}
    for label in labels:
        shown = _shown(label)
        if not label.strip():
            found.append(f"accounts.{platform}: an account label is empty")
            continue
        if len(label) > MAX_LENGTH:
            found.append(
                f"accounts.{platform}: the label {shown} is {len(label)} characters "
                f"long; use at most {MAX_LENGTH}"
            )
            continue
        if any(unicodedata.category(c).startswith("C") for c in label):
            found.append(f"accounts.{platform}: the label {shown} holds a control character")
            continue
        twin = seen.get(same_account_key(label)) or keys.get(env_key(label).casefold())
        if twin is not None:
            found.append(
                f"accounts.{platform}: the labels {_shown(twin)} and {shown} name the "
                "same account (they differ only in case or Unicode form); rename one"
            )
            continue
        seen[same_account_key(label)] = label
        keys[env_key(label).casefold()] = label
    return found


def _shown(label: str) -> str:
    text = label if len(label) <= 40 else label[:37] + "…"
    return ascii(text) if any(unicodedata.category(c).startswith("C") for c in text) else repr(text)
