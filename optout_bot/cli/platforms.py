"""What the flows know: ``platforms`` and ``labels`` (label coverage)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from optout_bot.cli.base import _fail, app, err, out

if TYPE_CHECKING:
    from optout_bot.flow import Flow
    from optout_bot.labels.coverage import Coverage
    from optout_bot.labels.verified import Record


@app.command("platforms")
def list_platforms() -> None:
    """List the platforms, what each changes, its address, and per language how many of the
    strings its steps act on or wait for a public source confirms."""
    from optout_bot.flow import registry

    for name, flow in registry.discover().items():
        status = "in service" if flow.WORKING else f"BROKEN: {flow.BROKEN_REASON}"
        address = flow.URLS.get("form") or flow.URLS.get("settings") or ""
        confirmed = " · ".join(
            f"{c.locale} {c.flow_confirmed}/{c.flow_keys} ({c.flow_share:.0%})"
            for c in coverage_of(name, flow)
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
        bool,
        typer.Option(
            "--markdown",
            help="print a Markdown table (the README's: the project's records only)",
        ),
    ] = False,
    add_verified: Annotated[
        list[Path] | None,
        typer.Option(
            help="merge a report of `check`/`run --report` into the project's "
            "flows/<platform>/verified.toml (for maintainers and the scheduled live check)"
        ),
    ] = None,
) -> None:
    """Count, per platform and language, the strings of the label files: confirmed by a
    public source (or seen on the real page by a live check), unconfirmed, taught by you in
    teach mode (these are listed by key) and missing (English shown instead); and the date a
    real page last passed every step a check walks (the project's records and your own)."""
    from optout_bot.flow import registry
    from optout_bot.labels import coverage as label_coverage

    if add_verified:
        _add_verified(add_verified)
        return
    flows = {platform: registry.get_flow(platform)} if platform else registry.discover()
    own = None if as_markdown else own_record()
    for problem in own.problems if own is not None else []:
        err.print(f"optout-bot: {problem}", markup=False)
    found: list[Coverage] = []
    for name, flow in flows.items():
        record = verified_record(name, flow, own)
        for problem in record.problems:
            err.print(f"optout-bot: {problem}", markup=False)
        found += coverage_of(name, flow, record)
    if as_json:
        out.print(json.dumps([c.as_json() for c in found], indent=2, ensure_ascii=False))
    elif as_markdown:
        out.print(label_coverage.markdown(found))
    else:
        out.print(label_coverage.text_table(found))
        for line in label_coverage.taught_lines(found):
            out.print(line)
        out.print(
            "strings: label keys; confirmed: some wording has a public source or a live check "
            "saw it; taught: you showed it in teach mode; missing: English has it, this "
            "language not; flow strings: the ones the flows act on or wait for; verified on "
            "the real site: the date by which every step a check walks last passed on a real "
            "page (a replica never counts)."
        )


def walked_steps(flow: type[Flow]) -> list[str]:
    """The steps a check walks: every one up to and including the state change (checked in
    its place), the steps after it only a run reaches."""
    names: list[str] = []
    for step in flow.STEPS:
        names.append(step.name)
        if step.changes_state:
            break
    return names


def own_record() -> Record:
    """The user's own record of what their checks and runs verified (empty when none)."""
    from optout_bot.labels import verified

    mine = verified.user_file()
    return verified.read(mine) if mine is not None else verified.Record()


def verified_record(name: str, flow: type[Flow], own: Record | None = None) -> Record:
    """What real pages showed ``name``'s flow: the project's record, with ``own`` (the
    user's, :func:`own_record`) merged in when given."""
    from optout_bot.labels import verified

    record = verified.read(verified.project_file(flow.label_folders()[-1]), platform=name)
    return record.merge(own.only(name)) if own is not None else record


def coverage_of(name: str, flow: type[Flow], record: Record | None = None) -> list[Coverage]:
    """``name``'s label coverage with what real pages showed: what ``labels`` prints (the
    README's table is this with the project's records only)."""
    from optout_bot.labels import coverage as label_coverage

    found = record if record is not None else verified_record(name, flow)
    return label_coverage.coverage(name, flow.label_book(), found, walked_steps(flow))


def _add_verified(reports: list[Path]) -> None:
    """Merge reports (strangers' files, read defensively) into the project's records."""
    from optout_bot.flow import registry
    from optout_bot.labels import verified

    found = verified.Record()
    for path in reports:
        if not path.is_file():
            _fail(f"no such report: {path}")
        found.merge(verified.read(path))
    for problem in found.problems:
        err.print(f"optout-bot: {problem}", markup=False)
    known = registry.discover()
    for name in found.platforms():
        if name not in known:
            err.print(f"optout-bot: ignored entries of unknown platform {name!r}", markup=False)
            continue
        target = verified.project_file(known[name].label_folders()[-1])
        merged = verified.add_to(target, found.only(name), private=False)
        out.print(
            f"{target}: {len(merged.passes)} step pass(es), {len(merged.seen)} wording(s)",
            markup=False,
        )
