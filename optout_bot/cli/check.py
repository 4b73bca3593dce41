"""``check``: walk each flow up to, never through, the step that changes anything."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from optout_bot.cli.base import (
    JobsOption,
    LatencyOption,
    Options,
    TeachOption,
    _check_fault_rate,
    _check_locales,
    _check_teach,
    _fail,
    _jobs,
    _require_display,
    _show_progress,
    app,
    out,
)
from optout_bot.cli.observing import (
    DEFAULT_CAPTURE_DIR,
    CaptureDirOption,
    CaptureOption,
    ReportOption,
    observed,
    report,
)
from optout_bot.outcome import (
    EXIT_CHECK_NOT_RUN,
    EXIT_CODES,
    Outcome,
)
from optout_bot.shown import printable

if TYPE_CHECKING:
    from optout_bot.run.engine import RunResult


@app.command()
def check(
    ctx: typer.Context,
    jobs: JobsOption = None,
    platforms: Annotated[list[str] | None, typer.Argument(help="platforms (default: all)")] = None,
    replica: Annotated[
        bool, typer.Option(help="check against the built-in replicas (what our own CI runs)")
    ] = False,
    locale: Annotated[
        list[str] | None,
        typer.Option(
            help="with --replica: page language(s) to check (default: every one with labels)"
        ),
    ] = None,
    page_version: Annotated[
        str | None,
        typer.Option(
            help="replica page version, or 'all' (with --update-baselines: all by default)"
        ),
    ] = None,
    drift: Annotated[
        str | None,
        typer.Option(
            help="with --replica: serve a changed page ('cosmetic', or a replica's real change)"
        ),
    ] = None,
    update_baselines: Annotated[
        bool,
        typer.Option(
            help="rewrite the ARIA baselines from what is seen now (after a human has looked); "
            "with --replica: of every language and page version unless narrowed"
        ),
    ] = False,
    faults: Annotated[
        float,
        typer.Option(help="with --replica: share of requests that fail (5xx, timeout, cut), 0-1"),
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="seed of the injected faults and latency")] = 0,
    latency: LatencyOption = "none",
    report_dir: Annotated[Path, typer.Option(help="where screenshots and index.html go")] = Path(
        "optout-check-report"
    ),
    junit: Annotated[Path | None, typer.Option(help="also write a JUnit XML report")] = None,
    json_report: Annotated[Path | None, typer.Option("--json", help="also write JSON")] = None,
    teach: TeachOption = None,
    capture: CaptureOption = False,
    capture_dir: CaptureDirOption = DEFAULT_CAPTURE_DIR,
    report_file: ReportOption = None,
) -> None:
    """Walk each flow up to, never through, the step that changes anything; compare each page
    with its baseline. Against the real sites, each step that passes is recorded as verified
    (your own record; `--report FILE` to share it; `optout-bot labels` shows it). Exit 0: all
    work; 8: a UI changed; 10: a check could not run."""
    from optout_bot.check.pages import ALL_VERSIONS, plan_check_replica, plan_every_page
    from optout_bot.check.reports import write_html, write_json, write_junit
    from optout_bot.check.watcher import as_check
    from optout_bot.flow.registry import known_locales
    from optout_bot.replica.faults import TRANSIENT_KINDS, apply_faults
    from optout_bot.replica.latency import apply_latency
    from optout_bot.run.jobs import ensure_passwords, plan_from_settings, run_jobs

    options: Options = ctx.obj
    settings = options.settings(**_jobs(jobs))
    _check_teach(teach, settings)
    _require_display(settings)
    settings.output.evidence_dir = report_dir
    locales = list(locale or known_locales())
    _check_locales(locales)
    if replica:
        if page_version == ALL_VERSIONS or (update_baselines and not page_version):
            plan = plan_every_page(
                list(platforms or []),
                list(locale) if locale else None,
                drift=drift,
                update_baselines=update_baselines,
            )
        else:
            plan = plan_check_replica(
                list(platforms or []),
                locales,
                page_version=page_version,
                drift=drift,
                update_baselines=update_baselines,
            )
        _check_fault_rate(faults)
        apply_faults(plan.replicas.values(), faults, seed, kinds=TRANSIENT_KINDS)
        apply_latency(plan.replicas.values(), latency, seed)
    else:
        if drift:
            _fail("--drift needs --replica: only a replica can serve a changed page")
        if latency != "none":
            _fail("--latency needs --replica: the real sites bring their own")
        if not any(settings.accounts.values()):
            _fail(
                "could not run: no test accounts configured (see README: Check mode); "
                "use --replica to check against the built-in replicas",
                EXIT_CHECK_NOT_RUN,
            )
        plan = plan_from_settings(settings, list(platforms or []), None)
        ensure_passwords(plan.jobs)
        plan.jobs = [
            dataclasses.replace(
                as_check(job, update_baselines=update_baselines), trust_ledger=False
            )
            for job in plan.jobs
        ]
    plan.jobs = [dataclasses.replace(job, teach=teach) for job in plan.jobs]
    captures = capture_dir if capture else None
    plan.jobs, verifying = observed(plan.jobs, capture_dir=captures, record=True)
    results = run_jobs(settings, plan.jobs, progress=_show_progress)
    _check_summary(results)
    report(verifying, captures, report_file)
    report_dir.mkdir(parents=True, exist_ok=True)
    write_html(results, report_dir / "index.html")
    if junit:
        write_junit(results, junit)
    if json_report:
        write_json(results, json_report)
    out.print(f"Report: {report_dir / 'index.html'}", markup=False)
    verdicts = {r.check_verdict for r in results}
    code = (
        EXIT_CODES[Outcome.UI_CHANGED]
        if "ui_changed" in verdicts
        else EXIT_CHECK_NOT_RUN
        if "error" in verdicts
        else 0
    )
    raise typer.Exit(code)


def _check_summary(results: list[RunResult]) -> None:
    from rich.table import Table

    table = Table("platform", "account", "verdict", "steps", title="optout-bot check")
    for result in results:
        steps = ", ".join(f"{c.step} {c.status}" for c in result.checks)
        table.add_row(
            result.platform, printable(result.account), result.check_verdict, printable(steps)
        )
    out.print(table)
    for result in results:
        for c in result.checks:
            if c.status in ("ui_changed", "error"):
                out.print(
                    printable(
                        f"{result.platform}/{result.account} {c.step}: {c.status}: {c.detail}"
                    )
                )
                if c.diff and c.diff.breaking:
                    out.print("  breaking: " + printable("; ".join(c.diff.breaking)))
    guessed = sum(1 for r in results for c in r.checks if c.unconfirmed)
    if guessed:
        out.print(
            f"{guessed} step(s) relied on strings no source confirms yet (listed in the "
            "report): a failure there may be our guess, not the platform's change."
        )
    if any(r.check_verdict == "ui_changed" for r in results):
        out.print(
            "A UI changed: run `optout-bot check PLATFORM -v`, read the report, and open "
            "a broken-flow issue (see CONTRIBUTING.md)."
        )
