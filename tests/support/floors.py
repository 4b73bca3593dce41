"""The floors of the engine as data, and a checker that reads imports from the source (AST).

A package may import only from the floors below its own (and from itself); the few imports
between two packages of one floor are listed by name. Every import counts: at module level,
inside functions, and under ``TYPE_CHECKING``. ``from optout_bot import labels`` is an import
of the module ``optout_bot.labels``; any other ``from optout_bot import X`` is one of the
public face (``optout_bot/__init__.py``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ENGINE = "optout_bot"
FACE = "(face)"
"""``optout_bot/__init__.py``: the names flows import, lazily re-exported from below it."""

FLOORS: tuple[tuple[str, frozenset[str]], ...] = (
    ("ground", frozenset({"errors", "outcome", "log", "files", "scrub", "imap", "account_names",
                          "shown", "argv", "layout", "_platforms", "utf8_mode",
                          "others_can_change"})),
    ("labels", frozenset({"labels"})),
    ("flow, records, replica", frozenset({"flow", "records", "replica"})),
    ("public face", frozenset({FACE})),
    ("settings", frozenset({"settings", "keys", "origins"})),
    ("browser", frozenset({"browser"})),
    ("run", frozenset({"run"})),
    ("check", frozenset({"check"})),
    ("contrib", frozenset({"contrib"})),
    ("ui", frozenset({"ui"})),
    ("cli", frozenset({"cli", "__main__"})),
)  # fmt: skip
OPEN_FLOORS = frozenset({"ground", "settings", "cli"})
"""Floors of small modules that work as one piece: they may import one another (never in a
cycle). On the other floors, packages stand apart unless ``SIDEWAYS`` lists the pair."""
SIDEWAYS: frozenset[tuple[str, str]] = frozenset(
    {("flow", "records")}  # a flow declares its confirmation mail (records.mail.MailPattern)
)
NEVER_REACHES: Mapping[str, frozenset[str]] = {
    "flow": frozenset({"run", "check", "replica"}),  # the engine lends; a flow never retries
    "replica": frozenset({"flow", "run", "check"}),  # handed its label book by the planner
    "records": frozenset({"flow", "run", "check", "replica"}),
    "run": frozenset({"check"}),  # check mode is a layer on top of the run
}
CYCLES_ALLOWED: frozenset[str] = frozenset({"replica"})
"""Packages whose modules may import each other in a cycle (the replica kit's server and its
parts, which import the server back inside functions)."""


def floor_of(unit: str) -> int:
    for index, (_name, units) in enumerate(FLOORS):
        if unit in units:
            return index
    raise LookupError(f"{ENGINE}.{unit} is on no floor: add it to FLOORS in {__name__}")


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(root: Path, path: Path) -> Iterator[str]:
    """Every module ``path`` imports from the engine, resolved as Python would."""
    here = module_name(root, path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == ENGINE)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            if base.split(".")[0] != ENGINE:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield sub if _is_module(root, sub) else base


def _is_module(root: Path, name: str) -> bool:
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def unit_of(module: str) -> str:
    parts = module.split(".")
    return FACE if len(parts) == 1 else parts[1]


def module_graph(root: Path) -> dict[str, set[str]]:
    """Engine module → the engine modules it imports (anywhere in it)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((root / ENGINE).rglob("*.py")):
        me = module_name(root, path)
        graph[me] = {m for m in imports(root, path) if m != me}
    return graph


def reach(graph: Mapping[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), set()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def floor_breaks(root: Path) -> list[str]:
    """Every import that goes up a floor or sideways without being listed, every package that
    reaches (through any chain of imports) one it must never reach, and every import cycle
    outside ``CYCLES_ALLOWED``; empty when the engine's floors hold."""
    graph = module_graph(root)
    breaks: list[str] = []
    for module, targets in graph.items():
        mine = unit_of(module)
        for target in sorted(targets):
            theirs = unit_of(target)
            if theirs == mine or (mine, theirs) in SIDEWAYS:
                continue
            if floor_of(theirs) == floor_of(mine) and FLOORS[floor_of(mine)][0] in OPEN_FLOORS:
                continue
            if floor_of(theirs) >= floor_of(mine):
                breaks.append(
                    f"{module} imports {target}: {theirs} is not below {mine} "
                    f"({FLOORS[floor_of(mine)][0]} floor)"
                )
    for module in graph:
        reached = reach(graph, module)
        unit = unit_of(module)
        far = sorted(t for t in reached if unit_of(t) in NEVER_REACHES.get(unit, ()))
        if far:
            breaks.append(f"{module} reaches {', '.join(far)}, which {unit} must never reach")
        if module in reached and unit not in CYCLES_ALLOWED:
            breaks.append(f"{module} is in an import cycle")
    return breaks


def face_breaks(root: Path, folder: str, face: str) -> list[str]:
    """Imports of the engine in ``folder`` (flows or fixtures) other than its public ``face``,
    and imports of the other folder (a replica never reaches its flow, nor a flow its replica)."""
    other = {"flows": "fixtures", "fixtures": "flows"}[folder]
    breaks: list[str] = []
    for path in sorted((root / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if (top == ENGINE and name != face) or top == other:
                    where = path.relative_to(root)
                    breaks.append(f"{where}:{node.lineno} imports {name} (only {face})")
    return breaks
