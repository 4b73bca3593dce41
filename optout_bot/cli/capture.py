"""The ``capture`` and ``replica from-capture`` commands, registered on the main command by
``optout_bot.cli`` (one line there). Imports nothing heavy until they run."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    @app.command("capture")
    def capture_command(
        ctx: typer.Context,
        platforms: Annotated[
            list[str] | None, typer.Argument(help="platforms (default: all)")
        ] = None,
        replica: Annotated[
            bool, typer.Option(help="capture the built-in replicas instead of the real sites")
        ] = False,
        locale: Annotated[str, typer.Option(help="with --replica: the page language")] = "en",
        page_version: Annotated[
            str | None, typer.Option(help="with --replica: the replica's page version")
        ] = None,
        drift: Annotated[
            str | None, typer.Option(help="with --replica: serve a changed page")
        ] = None,
        only_ui_changed: Annotated[
            bool, typer.Option(help="capture only the pages where a step found the UI changed")
        ] = False,
        out_dir: Annotated[Path, typer.Option("--out", help="where the captures go")] = Path(
            "optout-captures"
        ),
    ) -> None:
        """Walk each flow as a check does (nothing is sent) and capture every page it reached,
        redacted: address without query values, ARIA snapshot, structure, visible strings,
        screenshot with inputs masked. Prints the label lines each capture confirms and an
        issue text to file."""
        run_capture(
            ctx.obj,
            list(platforms or []),
            replica=replica,
            locale=locale,
            page_version=page_version,
            drift=drift,
            only_ui_changed=only_ui_changed,
            out_dir=out_dir,
        )

    replica_app = next(
        (g.typer_instance for g in app.registered_groups if g.name == "replica"), None
    )
    if replica_app is None:  # pragma: no cover - the main command always has the group
        raise RuntimeError("no 'replica' command group to register 'from-capture' on")

    @replica_app.command("from-capture")
    def from_capture_command(
        capture_dir: Annotated[Path, typer.Argument(help="a capture folder (with page.json)")],
        out: Annotated[
            Path | None,
            typer.Option(
                "--to", help="the page file to write (default: <capture>/replica-page.html)"
            ),
        ] = None,
    ) -> None:
        """Write a replica page variant rebuilt from a capture (structure and words only)."""
        from optout_bot.check import capture
        from optout_bot.contrib import from_capture

        try:
            taken = capture.load(capture_dir)
        except (OSError, ValueError) as error:
            typer.echo(f"optout-bot: cannot read the capture: {error}", err=True)
            raise typer.Exit(2) from None
        target = from_capture.write(taken, out or capture_dir / "replica-page.html")
        path, _ = from_capture.read(target)
        typer.echo(f"Wrote {target}: the page at {path} as captured on {taken.date}.")
        typer.echo(
            "Serve it with optout_bot.contrib.from_capture.serve(replica, [page]) in a "
            "replica test."
        )


def run_capture(
    options: Any,
    platforms: list[str],
    *,
    replica: bool,
    locale: str,
    page_version: str | None,
    drift: str | None,
    only_ui_changed: bool,
    out_dir: Path,
) -> None:
    from optout_bot.check.capturing import capturing
    from optout_bot.check.pages import plan_check_replica
    from optout_bot.check.watcher import as_check
    from optout_bot.cli.observing import observed, report
    from optout_bot.outcome import EXIT_CODES, Outcome
    from optout_bot.run.jobs import ensure_passwords, plan_from_settings, run_jobs

    settings = options.settings()
    settings.output.evidence_dir = out_dir / "evidence"
    if replica:
        plan = plan_check_replica(platforms, [locale], page_version=page_version, drift=drift)
    else:
        if drift:
            typer.echo("optout-bot: --drift needs --replica", err=True)
            raise typer.Exit(2)
        plan = plan_from_settings(settings, platforms, None)
        ensure_passwords(plan.jobs)
        plan.jobs = [dataclasses.replace(as_check(job), trust_ledger=False) for job in plan.jobs]
    plan.jobs = [capturing(job, out_dir, only_ui_changed=only_ui_changed) for job in plan.jobs]
    plan.jobs, verifying = observed(plan.jobs, capture_dir=None, record=True)
    results = run_jobs(settings, plan.jobs, progress=None)
    from optout_bot.cli.observing import report_captures

    report_captures(out_dir)
    report(verifying, None, None)
    if any(r.check_verdict == "ui_changed" for r in results):
        raise typer.Exit(EXIT_CODES[Outcome.UI_CHANGED])
