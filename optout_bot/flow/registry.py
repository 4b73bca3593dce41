"""Finding flows by discovery, never by a hand-kept list.

Every folder of the ``flows`` package with a ``flow.py`` (``flows/<name>/flow.py``; folders
starting with ``_`` are shared pieces, not platforms) and every entry point in the
``optout_bot.flows`` group (third-party flows) is imported, and each ``Flow`` subclass with a
``PLATFORM`` is one platform. Two flows claiming one platform fail loudly, naming both modules.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from functools import cache
from importlib.metadata import entry_points

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
    flows = discover()
    if platform not in flows:
        known = ", ".join(flows) or "none"
        raise ConfigError(f"unknown platform {platform!r} (known: {known})")
    return flows[platform]


def known_locales() -> tuple[str, ...]:
    """Every language some platform has labels for (project, user and extra folders), the
    reference language first: what ``--locale`` and an account's ``locale`` may be."""
    found = {
        loc
        for flow in discover().values()
        for loc in labels.locales_in(labels.layer_dirs(flow.label_folders()))
    }  # names: no parsing
    return tuple(sorted(found, key=lambda loc: (loc != labels.REFERENCE_LOCALE, loc)))
