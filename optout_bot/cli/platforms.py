"""What the flows know: ``platforms`` and ``labels`` (label coverage)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from optout_bot.cli.base import app, out

if TYPE_CHECKING:
    pass


@app.command("platforms")
def list_platforms() -> None:
    """List the platforms, what each changes, its address, and per language how many of the
    strings its steps act on or wait for a public source confirms."""
    from optout_bot.flow import registry
    from optout_bot.labels import coverage as label_coverage

    for name, flow in registry.discover().items():
        status = "in service" if flow.WORKING else f"BROKEN: {flow.BROKEN_REASON}"
        address = flow.URLS.get("form") or flow.URLS.get("settings") or ""
        confirmed = " · ".join(
            f"{c.locale} {c.flow_confirmed}/{c.flow_keys} ({c.flow_share:.0%})"
            for c in label_coverage.coverage(name, flow.label_book())
        )
        out.print(f"{name:<10} {flow.DESCRIPTION} ({flow.KIND})", markup=False)
        out.print(f"{'':<10} {address}", markup=False)
        out.print(f"{'':<10} {status} · labels checked {flow.LAST_CHECKED}", markup=False)
        out.print(f"{'':<10} flow strings with a public source: {confirmed}", markup=False)
    out.print(
        "A language's share is of the strings the flow acts on or waits for; the rest are "
        "our guesses, tested only against the replicas (`optout-bot labels` has the counts)."
    )


@app.command("labels")
def labels_coverage(
    platform: Annotated[str | None, typer.Argument(help="only this platform")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    as_markdown: Annotated[
        bool, typer.Option("--markdown", help="print a Markdown table (the README's)")
    ] = False,
) -> None:
    """Count, per platform and language, the strings of the label files: confirmed by a
    public source, unconfirmed, taught by you in teach mode (these are listed by key) and
    missing (English shown instead)."""
    from optout_bot.flow import registry
    from optout_bot.labels import coverage as label_coverage

    flows = {platform: registry.get_flow(platform)} if platform else registry.discover()
    found = [
        c for name, flow in flows.items() for c in label_coverage.coverage(name, flow.label_book())
    ]
    if as_json:
        out.print(json.dumps([c.as_json() for c in found], indent=2, ensure_ascii=False))
    elif as_markdown:
        out.print(label_coverage.markdown(found))
    else:
        out.print(label_coverage.text_table(found))
        for line in label_coverage.taught_lines(found):
            out.print(line)
        out.print(
            "strings: label keys; confirmed: some wording has a public source; taught: "
            "you showed it in teach mode; missing: English has it, this language not; "
            "flow strings: the ones the flows act on or wait for."
        )
