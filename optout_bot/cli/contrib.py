"""For contributors: ``new-platform`` and ``replica open``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from optout_bot.cli.base import (
    _check_locales,
    _fail,
    _require_display,
    _show_progress,
    app,
    out,
    replica_app,
)
from optout_bot.cli.check import _check_summary

if TYPE_CHECKING:
    pass


@app.command("new-platform")
def new_platform(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="the platform's name, e.g. mastodon")],
    root: Annotated[Path, typer.Option(help="your clone of optout-bot")] = Path("."),
    baselines: Annotated[
        bool,
        typer.Option(
            "--baselines/--no-baselines", help="record its ARIA baselines from its replica"
        ),
    ] = True,
) -> None:
    """Write flows/NAME/, fixtures/NAME/ and tests/flows/test_NAME.py: a working flow against
    a small replica, with TODOs where the real pages go."""
    from optout_bot.contrib import scaffold

    for path in scaffold.new_platform(name, scaffold.project_root(root.resolve())):
        out.print(f"wrote {path}", markup=False)
    if baselines:
        results = scaffold.record_baselines(ctx.obj.settings(), name, _show_progress)
        if any(r.check_verdict != "ok" for r in results):
            _check_summary(results)
            _fail("the new platform's check did not pass; see above")
        out.print(f"recorded its baselines in flows/{name}/baselines/", markup=False)
    out.print(
        f"Next: fill in the TODOs, then `.venv/bin/python -m pytest -k {name}`.", markup=False
    )


@replica_app.command("open")
def replica_open(
    ctx: typer.Context,
    platform: Annotated[str, typer.Argument(help="e.g. facebook")],
    locale: Annotated[str, typer.Option(help="page language")] = "en",
    page_version: Annotated[str | None, typer.Option(help="page version, e.g. 2024")] = None,
    drift: Annotated[
        str | None,
        typer.Option(help="serve a changed page ('cosmetic', or a replica's real change)"),
    ] = None,
    headless: Annotated[bool, typer.Option(help="no window (for tests)")] = False,
    print_and_exit: Annotated[
        bool,
        typer.Option(
            help="print what the first page shows and exit instead of waiting (for tests)"
        ),
    ] = False,
) -> None:
    """Open a browser on a platform's replica, served as a flow meets it, with a made-up
    account; waits until you close the browser."""
    from optout_bot.contrib.replica_open import open_replica
    from optout_bot.flow import registry

    registry.get_flow(platform)
    _check_locales([locale])
    settings = ctx.obj.settings(browser={"headless": headless})
    _require_display(settings)
    opened = open_replica(
        settings,
        platform,
        locale=locale,
        page_version=page_version,
        drift=drift,
        say=lambda line: out.print(line, markup=False),
        wait=not print_and_exit,
    )
    if print_and_exit:
        out.print(f"title: {opened.title}", markup=False)
        for heading in opened.headings:
            out.print(f"heading: {heading}", markup=False)
