"""``run`` and ``demo``: object on the configured accounts, or show it on the replicas."""

from __future__ import annotations

import dataclasses
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
    _law_line,
    _require_display,
    _run_and_report,
    app,
    err,
    no_accounts_message,
)
from optout_bot.cli.observing import (
    DEFAULT_CAPTURE_DIR,
    CaptureDirOption,
    CaptureOption,
    ReportOption,
    observed,
    report,
)
from optout_bot.shown import printable

if TYPE_CHECKING:
    pass


@app.command()
def demo(
    ctx: typer.Context,
    jobs: JobsOption = None,
    platforms: Annotated[list[str] | None, typer.Argument(help="platforms (default: all)")] = None,
    locale: Annotated[
        str, typer.Option(help="page language: any the label files have (`platforms` lists them)")
    ] = "en",
    page_version: Annotated[
        str | None, typer.Option(help="replica page version, e.g. 2024 (default: the current one)")
    ] = None,
    faults: Annotated[
        float,
        typer.Option(
            help="share of replica requests that fail (5xx, timeout, cut, lost answer), 0-1"
        ),
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="seed of the injected faults and latency")] = 0,
    latency: LatencyOption = "none",
) -> None:
    """Run every flow against the built-in replicas with a made-up account (nothing is sent
    to any real platform)."""
    from optout_bot.replica.faults import apply_faults
    from optout_bot.replica.latency import apply_latency
    from optout_bot.run.jobs import plan_demo

    options: Options = ctx.obj
    _check_locales([locale])
    _check_fault_rate(faults)
    settings = options.settings(**_jobs(jobs))
    _require_display(settings)
    plan = plan_demo(list(platforms or []), locale=locale, page_version=page_version)
    if not plan.jobs:
        _fail("no replica has page version " + repr(page_version) + ": " + "; ".join(plan.skipped))
    for reason in plan.skipped:
        err.print(f"Skipped {reason}.")
    apply_faults(plan.replicas.values(), faults, seed)
    apply_latency(plan.replicas.values(), latency, seed)
    err.print(
        f"Demo: {len(plan.jobs)} platform(s) against local replicas; nothing leaves this machine."
    )
    _run_and_report(settings, plan.jobs)


@app.command()
def run(
    ctx: typer.Context,
    jobs: JobsOption = None,
    platforms: Annotated[
        list[str] | None, typer.Argument(help="platforms (default: every configured one)")
    ] = None,
    account: Annotated[str | None, typer.Option(help="only the account with this label")] = None,
    force: Annotated[
        bool, typer.Option(help="check the platform even when the ledger has it on record")
    ] = False,
    replica: Annotated[
        bool, typer.Option(help="run against the built-in replicas instead of the real sites")
    ] = False,
    page_version: Annotated[str | None, typer.Option(help="replica page version")] = None,
    teach: TeachOption = None,
    capture: CaptureOption = False,
    capture_dir: CaptureDirOption = DEFAULT_CAPTURE_DIR,
    report_file: ReportOption = None,
) -> None:
    """Object on every configured account (or the ones named). With `--report FILE`, each
    step that passes on the real site is recorded as verified (your own record, and FILE to
    share)."""
    from optout_bot import log
    from optout_bot.flow import registry
    from optout_bot.run.jobs import ensure_passwords, plan_from_settings

    options: Options = ctx.obj
    settings = options.settings(**_jobs(jobs))
    _check_teach(teach, settings)
    _require_display(settings)
    for name in platforms or []:
        registry.get_flow(name)
    if not any(settings.accounts.values()):
        _fail(no_accounts_message(options.config))
    else:
        if replica:
            err.print(
                "Against the built-in replicas (--replica): nothing is sent to any real platform."
            )
        plan = plan_from_settings(
            settings,
            list(platforms or []),
            account,
            replica=replica,
            page_version=page_version,
            force=force,
        )
        ensure_passwords(plan.jobs)
        log.redactor.add(
            j.account.password.get_secret_value() for j in plan.jobs if j.account.password
        )
        for job in plan.jobs:
            if options.verbose:
                err.print(f"# {printable(_law_line(job.flow.PLATFORM, job.label, job.account))}")
            if job.account.law_from_language():
                err.print(
                    f"{job.flow.PLATFORM}/{printable(job.label)}: no country set; the account's "
                    "language is Korean, so receipts and letters name Korea's law (PIPA). Set "
                    "`country` (or `jurisdiction`) to change it."
                )
    plan.jobs = [dataclasses.replace(job, teach=teach) for job in plan.jobs]
    captures = capture_dir if capture else None
    plan.jobs, verifying = observed(plan.jobs, capture_dir=captures, record=report_file is not None)
    _run_and_report(settings, plan.jobs, after=lambda: report(verifying, captures, report_file))
