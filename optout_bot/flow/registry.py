"""Finding flows by discovery, never by a hand-kept list.

Every folder of the ``flows`` package with a ``flow.py`` (``flows/<name>/flow.py``; folders
starting with ``_`` are shared pieces, not platforms) and every entry point in the
``optout_bot.flows`` group (third-party flows) is imported, and each ``Flow`` subclass with a
``PLATFORM`` is one platform. Two flows claiming one platform fail loudly, naming both modules.
"""

from __future__ import annotations

import glob
import importlib
import importlib.util
import pkgutil
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path

from optout_bot import labels
from optout_bot.errors import ConfigError
from optout_bot.flow import Flow
from optout_bot.layout import platform_package

FLOW_FOLDER = "flows"
FLOW_MODULE = "flow"
ENTRY_POINT_GROUP = "optout_bot.flows"


class DuplicatePlatform(RuntimeError):
    pass


@cache
def discover() -> dict[str, type[Flow]]:
    """Platform name → flow class, sorted by name."""
    found: dict[str, type[Flow]] = {}
    flow_package = platform_package(FLOW_FOLDER)
    package = importlib.import_module(flow_package)
    folders = [
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if info.ispkg and not info.name.startswith("_")
    ]
    modules = [
        importlib.import_module(f"{flow_package}.{name}.{FLOW_MODULE}")
        for name in folders
        if importlib.util.find_spec(f"{flow_package}.{name}.{FLOW_MODULE}") is not None
    ]
    candidates: list[type[Flow]] = []
    for module in modules:
        candidates += [
            v for v in vars(module).values() if _is_flow(v) and v.__module__ == module.__name__
        ]
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        if _is_flow(loaded):
            candidates.append(loaded)
    for flow in candidates:
        if flow.PLATFORM in found and found[flow.PLATFORM] is not flow:
            raise DuplicatePlatform(
                f"two flows for platform {flow.PLATFORM!r}: "
                f"{found[flow.PLATFORM].__module__} and {flow.__module__}"
            )
        found[flow.PLATFORM] = flow
    return dict(sorted(found.items()))


def _is_flow(value: object) -> bool:
    return (
        isinstance(value, type)
        and issubclass(value, Flow)
        and value is not Flow
        and isinstance(getattr(value, "PLATFORM", None), str)
    )


def get_flow(platform: str) -> type[Flow]:
    """The flow of ``platform``: only its own module is imported when that settles it (a run
    of one platform then loads one flow, not every flow); else every flow is discovered."""
    alone = _only_its_own(platform)
    if alone is not None:
        return alone
    flows = discover()
    if platform not in flows:
        known = ", ".join(flows) or "none"
        raise ConfigError(f"unknown platform {platform!r} (known: {known})")
    return flows[platform]


@cache
def _only_its_own(platform: str) -> type[Flow] | None:
    """The one flow ``flows/<platform>/flow.py`` defines for ``platform``, when no third-party
    flow is installed (one might claim the same platform); None: discover them all. Two
    folders claiming one platform are still caught by :func:`discover` (every listing)."""
    if not platform.isidentifier() or entry_points(group=ENTRY_POINT_GROUP):
        return None
    name = f"{platform_package(FLOW_FOLDER)}.{platform}.{FLOW_MODULE}"
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:
        return None
    module = importlib.import_module(name)
    mine = [
        v
        for v in vars(module).values()
        if _is_flow(v) and v.__module__ == module.__name__ and platform == v.PLATFORM
    ]
    return mine[0] if len(mine) == 1 else None


def is_known_locale(locale: str) -> bool:
    """Whether some platform has labels in ``locale``: the project's own label folders answer
    without importing a flow; any other language is looked up in every flow's layers."""
    package = importlib.import_module(platform_package(FLOW_FOLDER))
    for root in package.__path__:
        if any(Path(root).glob(f"*/labels/{glob.escape(locale)}.toml")):
            return True
    return locale in known_locales()


def known_locales() -> tuple[str, ...]:
    """Every language some platform has labels for (project, user and extra folders), the
    reference language first: what ``--locale`` and an account's ``locale`` may be."""
    found = {
        loc
        for flow in discover().values()
        for loc in labels.locales_in(labels.layer_dirs(flow.label_folders()))
    }  # names: no parsing
    return tuple(sorted(found, key=lambda loc: (loc != labels.REFERENCE_LOCALE, loc)))
