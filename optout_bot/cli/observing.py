"""What ``check`` and ``run`` add around their jobs: a capture of the page where a step found
the UI changed (``--capture``), and the record of what passed on the real site (kept in the
user's own record; ``--report FILE`` writes it to share)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from optout_bot.cli.base import out

if TYPE_CHECKING:
    from optout_bot.check.verifying import Verifying
    from optout_bot.run.job import Job

CaptureOption = Annotated[
    bool,
    typer.Option(
        "--capture",
        help="when a step finds the UI changed, capture that page (redacted) and write a "
        "prefilled issue text beside it",
    ),
]
CaptureDirOption = Annotated[Path, typer.Option(help="with --capture: where the captures go")]
ReportOption = Annotated[
    Path | None,
    typer.Option(
        "--report",
        help="write what this run verified on the real site (the date each step passed) to "
        "FILE, to attach to an issue; a replica never counts",
    ),
]
DEFAULT_CAPTURE_DIR = Path("optout-captures")


def observed(
    jobs: list[Job], *, capture_dir: Path | None, record: bool
) -> tuple[list[Job], Verifying | None]:
    """``jobs`` with the observers asked for; the ``Verifying`` that gathers what passed on
    the real site when ``record`` (it decides per step whether the page was real)."""
    from optout_bot.check.capturing import capture_on_ui_changed
    from optout_bot.check.verifying import Verifying
    from optout_bot.labels import verified

    verifying = Verifying(verified.user_file()) if record else None
    extra = (
        *((capture_on_ui_changed(capture_dir),) if capture_dir is not None else ()),
        *((verifying.observer(),) if verifying is not None else ()),
    )
    return [dataclasses.replace(job, observe=(*job.observe, *extra)) for job in jobs], verifying


def report(verifying: Verifying | None, capture_dir: Path | None, to: Path | None) -> None:
    """Say what was captured and verified; write the ``--report`` file."""
    from optout_bot.labels import verified

    if capture_dir is not None:
        report_captures(capture_dir)
    if verifying is None:
        return
    found = verifying.found
    if found:
        where = verifying.user_file or "no file (no home folder)"
        out.print(
            f"Verified on the real site: {len(found.passes)} step(s) passed, "
            f"{len(found.seen)} label wording(s) seen; kept in {where}",
            markup=False,
        )
    else:
        out.print("Verified on the real site: nothing (a replica or the demo never counts).")
    if to is not None:
        verified.write(to, found)
        out.print(f"Report of what was verified: {to}", markup=False)


def report_captures(out_dir: Path) -> None:
    """For every capture under ``out_dir``: where it is, the label lines it confirms, and a
    prefilled issue text written beside it (its path printed)."""
    from optout_bot.check import capture
    from optout_bot.check.capturing import captures_in
    from optout_bot.flow import registry

    taken = captures_in(out_dir)
    if not taken:
        typer.echo("No page was captured.")
    for folder in taken:
        page = capture.load(folder)
        book = registry.get_flow(page.platform).label_book()
        confirmed, unknown = capture.label_lines(page, book)
        typer.echo(f"== {folder} ({page.step}, {page.address})")
        typer.echo("\n".join(confirmed) if confirmed else "# no label line confirmed")
        (folder / "issue.md").write_text(
            capture.issue_text(page, confirmed, unknown), encoding="utf-8"
        )
        typer.echo(f"Issue text: {folder / 'issue.md'}")
