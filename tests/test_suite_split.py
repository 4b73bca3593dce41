"""What the default run leaves to the slow set (``tests/conftest.py``): a row repeated in
another language, page version or seed, and a browser test of an engine property on a second
platform of the same kind; never a row of another parameter, never a test that starts no
browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from optout_bot.flow import registry
from tests.conftest import matrix_repeat, platform_kind


@dataclass
class CallSpec:
    params: dict[str, Any]


@dataclass
class Item:
    """The parts of a collected test ``matrix_repeat`` reads."""

    params: dict[str, Any]
    browser: bool = True
    originalname: str = "test_property"
    name: str = "test_property[row]"  # read only when there is no originalname
    path: Path = Path("tests/engine/test_property.py")
    callspec: CallSpec = field(init=False)

    def __post_init__(self) -> None:
        self.callspec = CallSpec(self.params)

    def get_closest_marker(self, name: str) -> object | None:
        return pytest.mark.browser if name == "browser" and self.browser else None


def repeats(items: list[Item]) -> list[bool]:
    seen: set[str] = set()
    return [matrix_repeat(item, seen) for item in items]  # type: ignore[arg-type]


def test_a_browser_test_over_every_platform_runs_one_platform_of_each_kind_by_default() -> None:
    platforms = sorted(registry.discover())
    slow = repeats([Item({"platform": p}) for p in platforms])
    default = [p for p, repeated in zip(platforms, slow, strict=True) if not repeated]
    first_of_each_kind: dict[str, str] = {}
    for platform in platforms:
        first_of_each_kind.setdefault(platform_kind(platform), platform)
    assert set(first_of_each_kind) == {"form", "setting"}
    assert default == sorted(first_of_each_kind.values())


def test_other_parameters_keep_their_rows_and_a_browserless_test_keeps_every_platform() -> None:
    # The same drift on two platforms of a kind repeats; another drift does not.
    drifts = [
        Item({"platform": "facebook", "drift": "send_renamed"}),
        Item({"platform": "instagram", "drift": "send_renamed"}),
        Item({"platform": "instagram", "drift": "form_moved"}),
        Item({"platform": "linkedin", "drift": "send_renamed"}),
    ]
    assert repeats(drifts) == [False, True, False, False]
    # A test that starts no browser costs little: every platform runs by default.
    cheap = [Item({"platform": p}, browser=False) for p in ("facebook", "instagram", "threads")]
    assert repeats(cheap) == [False, False, False]
    # Along the language, one row per platform and kind; the other languages are repeats.
    languages = [Item({"platform": "x", "locale": loc}) for loc in ("en", "de")] + [
        Item({"platform": "facebook", "locale": "en"})
    ]
    assert repeats(languages) == [False, True, False]
