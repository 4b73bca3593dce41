"""The engine knows no platform; flows are found by discovery; duplicates fail loudly."""

from __future__ import annotations

import ast
import importlib.machinery
import pkgutil
import sys
import types
from pathlib import Path

import pytest

import optout_bot
from optout_bot import Flow, registry

ENGINE = Path(optout_bot.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_engine_never_imports_flows_or_fixtures() -> None:
    offenders = {str(p.relative_to(ENGINE)): sorted(m for m in imported_modules(p)
                                                    if m.split(".")[0] in {"flows", "fixtures"})
                 for p in ENGINE.rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_engine_names_no_platform() -> None:
    for path in ENGINE.rglob("*.py"):
        text = path.read_text(encoding="utf-8").lower()
        for name in ("facebook.com", "instagram.com", "linkedin.com", "x.com/"):
            assert name not in text, f"{path.name} mentions {name}"


def test_every_platform_folder_is_discovered() -> None:
    flows_dir = ENGINE.parent / "flows"
    folders = {p.parent.name for p in flows_dir.glob("*/flow.py")
               if not p.parent.name.startswith("_")}
    assert set(registry.discover()) == folders
    assert folders >= {"facebook", "instagram", "linkedin", "threads", "x"}


def test_two_flows_for_one_platform_fail_naming_both(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second folder whose flow claims "facebook" stops discovery, naming both modules."""
    package = types.ModuleType("flows.zz_duplicate")
    package.__path__ = []
    clone = types.ModuleType("flows.zz_duplicate.flow")

    class Duplicate(Flow):
        PLATFORM = "facebook"

    Duplicate.__module__ = clone.__name__
    clone.Duplicate = Duplicate  # type: ignore[attr-defined]
    clone.__spec__ = importlib.machinery.ModuleSpec(clone.__name__, None)
    monkeypatch.setitem(sys.modules, package.__name__, package)
    monkeypatch.setitem(sys.modules, clone.__name__, clone)
    real_iter = pkgutil.iter_modules

    def with_duplicate(path: list[str]) -> list[object]:
        return [*real_iter(path), types.SimpleNamespace(name="zz_duplicate", ispkg=True)]

    monkeypatch.setattr(pkgutil, "iter_modules", with_duplicate)
    registry.discover.cache_clear()
    try:
        with pytest.raises(registry.DuplicatePlatform,
                           match=r"flows\.facebook\.flow and flows\.zz_duplicate\.flow"):
            registry.discover()
    finally:
        registry.discover.cache_clear()
