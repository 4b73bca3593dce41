"""Global options where users type them: ``optout-bot demo --out ev`` works as well as
``optout-bot --out ev demo``. The command line is rearranged before Click reads it: the
group's own options found after the command are moved in front of it."""

from __future__ import annotations

from typing import Any


def global_options_first(args: list[str], group: Any) -> list[str]:
    """``args`` with the options of ``group`` (a Click-style command group, as Typer builds
    it) that follow the command moved before it (``--`` ends the search; an option the
    command has itself, e.g. ``letter --out FILE``, stays; everything else keeps its
    order)."""
    commands = set(getattr(group, "commands", {}))
    valued: set[str] = set()
    flags: set[str] = set()
    for param in group.params:
        if getattr(param, "param_type_name", "") == "option":
            names = [*param.opts, *param.secondary_opts]
            (flags if param.is_flag else valued).update(names)
    index = 0
    while index < len(args) and args[index] not in commands:
        if args[index] == "--":
            return args
        index += 2 if args[index] in valued else 1
    if index >= len(args):
        return args
    own = _option_names(group.commands[args[index]])  # a command's own option wins
    flags, valued = flags - own, valued - own
    moved: list[str] = []
    kept: list[str] = []
    rest = args[index + 1 :]
    position = 0
    while position < len(rest):
        token = rest[position]
        name = token.split("=", 1)[0]
        if token == "--":
            kept += rest[position:]
            break
        if token in flags or (name in valued and "=" in token):
            moved.append(token)
            position += 1
        elif token in valued and position + 1 < len(rest):
            moved += rest[position : position + 2]
            position += 2
        else:
            kept.append(token)
            position += 1
    return [*args[:index], *moved, args[index], *kept]


def _option_names(command: Any) -> set[str]:
    return {
        name
        for param in getattr(command, "params", ())
        if getattr(param, "param_type_name", "") == "option"
        for name in (*param.opts, *param.secondary_opts)
    }
