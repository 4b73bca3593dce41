"""The ``optout-bot`` command: demo, run, platforms, history, evidence verify, letter."""

from __future__ import annotations

import dataclasses
import getpass
import json
import platform as python_platform
import sys
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from optout_bot.argv import global_options_first
from optout_bot.errors import ConfigError
from optout_bot.outcome import (
    EXIT_CHECK_NOT_RUN,
    EXIT_CODES,
    EXIT_CONFIG_ERROR,
    EXIT_CRASH,
    Outcome,
    exit_code_table,
    worst,
)
from optout_bot.shown import printable

if TYPE_CHECKING:
    from optout_bot.run.engine import Progress, RunResult
    from optout_bot.settings import Account, Settings

# What a command needs is imported inside it: `optout-bot --help` loads neither Playwright,
# nor pydantic, nor structlog.

HELP = f"""Object, for you, to your posts and photos being used to train AI.

Outcomes and exit codes (the worst outcome of a run decides):

\b
{exit_code_table()}
"""

app = typer.Typer(
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
evidence_app = typer.Typer(help="Check evidence bundles.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")
replica_app = typer.Typer(help="The built-in replicas of the platforms.", no_args_is_help=True)
app.add_typer(replica_app, name="replica")
# No console ever reads markup or emoji codes: labels, file names and the platform's words are
# outside text, and "[/x]" in them must be shown as typed, not crash the command.
out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
LatencyOption = Annotated[
    str,
    typer.Option(
        help="replica answers arrive as late as real pages would: 'real' (estimated from public "
        "page-speed data, see optout_bot/replica/latency.py), 'none', or a page's median in ms"
    ),
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        min=1,
        help="flows run at once, each in a browser of its own (default: two per core, at most "
        "8, against real sites; one per two cores against the replicas)",
    ),
]
TeachOption = Annotated[
    bool | None,
    typer.Option(
        "--teach/--no-teach",
        help="when an element is not found, let you show it in the browser "
        "and remember it in your own label file (default: on with --headed; needs --headed)",
    ),
]


@dataclass
class Options:
    config: Path | None
    log_json: bool
    verbose: bool
    overrides: dict[str, Any]

    def settings(self, **more: Any) -> Settings:
        from optout_bot import log
        from optout_bot.settings import load_settings

        merged = _deep_merge(self.overrides, more)
        settings = load_settings(self.config, **merged)
        log.redactor.add(settings.secrets())
        json_lines = self.log_json or settings.log.json_lines
        # The console shows progress lines; log lines add to them only when asked for.
        level = (
            "debug"
            if self.verbose
            else (settings.log.level if json_lines or settings.log.level != "info" else "warning")
        )
        log.configure(json_lines=json_lines, level=level, file=settings.log.file)
        if self.verbose:
            _debug_header(settings, merged)
        return settings


def _deep_merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = dict(a)
    for key, value in b.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML settings file (default: ./optout-bot.toml if present)"),
    ] = None,
    log_json: Annotated[bool, typer.Option("--log-json", help="log JSON lines")] = False,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="debug log and a header for bug reports")
    ] = False,
    out_dir: Annotated[Path | None, typer.Option("--out", help="evidence folder")] = None,
    ledger: Annotated[Path | None, typer.Option("--ledger", help="SQLite ledger file")] = None,
    browser: Annotated[Path | None, typer.Option("--browser", help="browser binary")] = None,
    headed: Annotated[bool, typer.Option("--headed", help="show the browser window")] = False,
    browser_endpoint: Annotated[
        str | None,
        typer.Option(
            "--browser-endpoint",
            help="use a running browser: ws:// Playwright server or "
            "http(s):// Chrome DevTools endpoint",
        ),
    ] = None,
    unmasked: Annotated[
        bool, typer.Option("--unmasked-evidence", help="do not mask emails and password fields")
    ] = False,
) -> None:
    overrides: dict[str, Any] = {}
    output: dict[str, Any] = {}
    if out_dir:
        output["evidence_dir"] = out_dir
    if ledger:
        output["ledger"] = ledger
    if unmasked:
        output["unmasked_evidence"] = True
    if verbose:  # a failure's trace, for the bug report -v is asked for
        output["keep_trace"] = True
    if output:
        overrides["output"] = output
    browser_options: dict[str, Any] = {}
    if browser:
        browser_options["executable"] = browser
    if headed:
        browser_options["headless"] = False
    if browser_endpoint:
        browser_options["endpoint"] = browser_endpoint
    if browser_options:
        overrides["browser"] = browser_options
    ctx.obj = Options(config=config, log_json=log_json, verbose=verbose, overrides=overrides)


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
) -> None:
    """Object on every configured account (or the ones named)."""
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
    _run_and_report(settings, plan.jobs)


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
) -> None:
    """Walk each flow up to, never through, the step that changes anything; compare each page
    with its baseline. Exit 0: all work; 8: a UI changed; 10: a check could not run."""
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
    results = run_jobs(settings, plan.jobs, progress=_show_progress)
    _check_summary(results)
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


@app.command()
def logout(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="the account label, e.g. me")],
    platform: Annotated[str | None, typer.Option(help="only on this platform")] = None,
) -> None:
    """Delete the saved login of an account, so the next run logs in afresh."""
    from optout_bot.browser.sessions import delete_sessions

    settings: Settings = ctx.obj.settings()
    removed = delete_sessions(settings.output.sessions_dir, account, platform)
    if not removed:
        out.print(f"no saved session for {printable(repr(account))}")
    for path in removed:
        out.print(
            f"deleted the saved session of {path.parent.name}/{printable(account)} "
            f"({path.parent.parent.name})"
        )


@app.command()
def login(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="the account label, e.g. me")],
    platform: Annotated[str | None, typer.Option(help="only on this platform")] = None,
) -> None:
    """Sign in yourself, once, in a window: optout-bot waits until you are signed in and
    keeps that session (0600, outside the evidence) for later runs. Set
    sign_in = "yourself" on the account; no password is stored for it."""
    from optout_bot.browser import open_browser
    from optout_bot.run.jobs import plan_from_settings
    from optout_bot.run.yourself import log_in_yourself

    settings: Settings = ctx.obj.settings()
    plan = plan_from_settings(settings, [platform] if platform else [], account)
    if not plan.jobs:
        _fail(f"no configured account {printable(repr(account))}")
    headed = settings.browser.model_copy(update={"headless": False})
    with open_browser(headed) as browser:
        for job in plan.jobs:
            kept = log_in_yourself(settings, job, browser)
            out.print(
                f"kept the session of {job.flow.PLATFORM}/{printable(job.label)} "
                f"({kept.parent.parent.name}); runs now use it. When it expires, a run says "
                f"so: then run `optout-bot login {printable(job.label)}` again.",
                markup=False,
            )


@app.command()
def init(ctx: typer.Context) -> None:
    """Store each configured account's password in the system keyring (asked at a hidden
    prompt), so runs need neither a prompt nor a password in a file."""
    from optout_bot import keys, log

    settings: Settings = ctx.obj.settings()
    _fail_unless_keyring()
    accounts = [
        (p, label, a) for p, by_label in settings.accounts.items() for label, a in by_label.items()
    ]
    if not accounts:
        _fail(
            "no account is configured: add [accounts.<platform>.<label>] with a login to "
            "optout-bot.toml first"
        )
    for platform, label, account in accounts:
        typed = getpass.getpass(
            f"Password for {platform} account {printable(repr(label))} "
            f"({printable(account.login)}), empty to skip: "
        )
        if not typed:
            out.print(f"{platform}/{printable(label)}: skipped")
            continue
        log.redactor.add([typed])
        keys.store_password(platform, label, typed)
        out.print(f"{platform}/{printable(label)}: stored in the system keyring")


def _fail_unless_keyring() -> None:
    from optout_bot import keys

    reason = keys.unusable_reason()
    if reason is not None:
        _fail(
            f"cannot store passwords: {reason}; set OPTOUT_BOT_ACCOUNTS__<PLATFORM>__<LABEL>"
            "__PASSWORD or type them when asked instead"
        )


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


@app.command()
def history(
    ctx: typer.Context,
    platform: Annotated[str | None, typer.Option(help="only this platform")] = None,
    limit: Annotated[int, typer.Option(help="how many runs")] = 50,
) -> None:
    """Show the ledger: past runs, their outcomes and evidence, interrupted ones marked."""
    from rich.table import Table

    from optout_bot.records.ledger import Ledger

    settings: Settings = ctx.obj.settings()
    if not settings.output.ledger.exists():
        out.print(f"No runs yet (ledger: {printable(settings.output.ledger)}).")
        return
    ledger = Ledger(settings.output.ledger)
    try:
        rows = ledger.runs(platform, limit)
    finally:
        ledger.close()
    table = Table(
        "run", "started (UTC)", "platform", "account", "mode", "outcome (proof)", "evidence"
    )
    for row in rows:
        outcome = (row.outcome if row.state == "finished" else row.state) or ""
        if row.proof:
            outcome = f"{outcome} ({row.proof})"
        table.add_row(
            *(
                printable(cell)
                for cell in (
                    row.id,
                    row.started_utc,
                    row.platform,
                    row.account,
                    row.mode,
                    outcome,
                    row.evidence_dir or "",
                )
            )
        )
    out.print(table)


@app.command("mail")
def mail(
    ctx: typer.Context,
    platform: Annotated[str | None, typer.Option(help="only this platform")] = None,
    account: Annotated[str | None, typer.Option(help="only this account label")] = None,
) -> None:
    """Collect confirmation emails that arrived after a run; verified ones upgrade the run's
    proof from "page only" to "email" in the ledger and are added to its evidence."""
    from optout_bot.records.ledger import Ledger
    from optout_bot.run.late_mail import collect_late_mail

    settings: Settings = ctx.obj.settings()
    if not settings.output.ledger.exists():
        out.print(f"No runs yet (ledger: {settings.output.ledger}).")
        return
    ledger = Ledger(settings.output.ledger)
    try:
        found = collect_late_mail(settings, ledger, platform=platform, account=account)
    finally:
        ledger.close()
    if not found:
        out.print("No run is waiting for a confirmation email.")
    for late in found:
        out.print(f"run {late.run_id} {late.platform}/{late.account}: {late.result}", markup=False)


@evidence_app.command("verify")
def evidence_verify(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="an evidence folder (with manifest.json)")],
    anchor: Annotated[
        str | None,
        typer.Option(
            help="a manifest hash you kept (from `evidence anchor`): prove this bundle is in the "
            "chain that ends there"
        ),
    ] = None,
) -> None:
    """Recompute every hash and check the link to the account's previous bundle; exit 1
    naming each file that changed, is missing or was added and each broken link."""
    from optout_bot.records.chain import verify_anchor, verify_chain
    from optout_bot.records.evidence import verify_bundle
    from optout_bot.records.ledger import Ledger

    settings: Settings = ctx.obj.settings()
    expected = None
    if not directory.is_dir():
        _fail(f"{printable(directory)} is not a folder")
    ledger = Ledger(settings.output.ledger) if settings.output.ledger.exists() else None
    try:
        if ledger is not None:
            expected = ledger.manifest_hash_for(directory.resolve())
        problems = verify_bundle(directory, expected) + verify_chain(directory, ledger)
    finally:
        if ledger is not None:
            ledger.close()
    if anchor is not None:
        problems += verify_anchor(directory, anchor)
    if problems:
        for problem in problems:
            err.print(f"FAILED {problem}")
        raise typer.Exit(1)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    note = " and matches the ledger" if expected else ""
    out.print(
        f"OK: {len(manifest['files'])} files unchanged{note}, chain intact ({printable(directory)})"
    )
    if anchor is not None:
        out.print(
            f"Anchored: this bundle is in the chain that ends at the manifest you kept "
            f"({anchor.strip()[:12]}…)."
        )
    elif not expected:
        out.print(UNANCHORED_NOTE)
    if "outcome" not in manifest:
        steps = manifest.get("steps") or [{}]
        step = steps[-1].get("name", "its start") if isinstance(steps[-1], dict) else "?"
        out.print(
            f"This run was interrupted during {printable(step)}: the bundle holds what "
            "happened until then."
        )


@app.command("letter")
def letter(
    ctx: typer.Context,
    bundle: Annotated[Path, typer.Argument(help="an evidence folder (with manifest.json)")],
    to: Annotated[
        str,
        typer.Option(
            help="authority (a complaint to the data-protection authority) or platform (a "
            "follow-up letter)"
        ),
    ] = "authority",
    form: Annotated[str, typer.Option("--format", help="text or html")] = "text",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write the letter to this file (default: print it)")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help="where you live within your country (in Germany: your federal state)"),
    ] = None,
    practice: Annotated[
        bool,
        typer.Option(help="write a letter from a demo or replica bundle, marked as practice"),
    ] = False,
) -> None:
    """Write a complaint or follow-up letter from an evidence folder, in the account's
    language, with the bundle's facts. You review it and send it; nothing is sent."""
    from optout_bot import log
    from optout_bot.records import letter as letters
    from optout_bot.records.locales import wording

    if to not in ("authority", "platform"):
        _fail(f"--to: {to!r} is neither authority nor platform")
    if form not in ("text", "html"):
        _fail(f"--format: {form!r} is neither text nor html")
    settings: Settings = ctx.obj.settings()
    if not bundle.is_dir():
        _fail(f"{printable(bundle)} is not a folder")
    submission = letters.submission_bundle(bundle, settings.output.ledger)
    if submission is not None:
        err.print(
            f"This bundle only says the objection was already on record; the letter is written "
            f"from the submission's bundle: {printable(submission)}"
        )
        bundle = submission
    checked = letters.check_bundle(bundle, settings.output.ledger)
    composed = letters.compose(
        checked,
        "platform" if to == "platform" else "authority",
        datetime.now().astimezone(),
        log.redactor.secrets(),
        region=region,
        practice=practice,
    )
    for line in composed.banner:
        err.print(line)
    text = letters.render(composed, "html" if form == "html" else "text")
    for problem in checked.problems:
        err.print(f"FAILED {problem}")
    if out_file is None:
        sys.stdout.write(text)
    else:
        out_file.write_text(text, encoding="utf-8")
        err.print(f"wrote {printable(out_file)}")
    if checked.problems:
        err.print("The evidence did not verify; the letter says so.")
    err.print(wording(composed.locale).text("letter.written"))


UNANCHORED_NOTE = (
    "Note: checked without the ledger's record or an anchor, so a newest bundle forged whole "
    "(files, hashes and manifest made anew) would pass too. Keep the hash `optout-bot evidence "
    "anchor` prints, and check with `evidence verify FOLDER --anchor HASH`."
)


@evidence_app.command("anchor")
def evidence_anchor(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Argument(help="an evidence folder, or one account's (default: the configured one)"),
    ] = None,
) -> None:
    """Print the manifest hash of each account's newest bundle, to keep where this machine
    cannot change it: later, `evidence verify FOLDER --anchor HASH` proves any older bundle of
    the account unchanged through the chain of links."""
    from optout_bot.records.chain import latest_bundles

    root = folder if folder is not None else ctx.obj.settings().output.evidence_dir
    if not root.is_dir():
        _fail(f"{printable(root)} is not a folder")
    found = latest_bundles(root)
    if not found:
        out.print(f"No finished bundle under {printable(root)}.")
        return
    for digest, bundle, mode in found:
        out.print(f"{digest}  {printable(bundle)}  ({printable(mode)})")
    out.print(
        "Keep these lines where this machine cannot change them (print them, mail them "
        "to yourself)."
    )


def _run_and_report(settings: Settings, jobs: list[Any]) -> None:
    from optout_bot.run.jobs import run_jobs

    results = run_jobs(settings, jobs, progress=_show_progress)
    _summary(results)
    raise typer.Exit(worst([r.outcome for r in results]).exit_code)


def _show_progress(event: Progress) -> None:
    from optout_bot import log

    who = printable(f"{event.platform}/{event.account}")
    detail = printable(log.redactor.scrub(event.detail))
    if event.event == "step":
        err.print(f"  {who}: {event.step} {detail}".rstrip())
    elif event.event == "retry":
        err.print(f"  {who}: {event.step}: transient fault, retrying ({detail})")
    elif event.event == "done":
        err.print(f"  {who}: {detail}")


def _summary(results: list[RunResult]) -> None:
    from rich.table import Table

    from optout_bot import log
    from optout_bot.scrub import scrub_text

    table = Table(
        "platform",
        "account",
        "outcome",
        "proof",
        "seconds",
        "what happened",
        title="optout-bot results",
    )
    for result in results:
        message = scrub_text(result.message, log.redactor.secrets())
        table.add_row(
            result.platform,
            printable(result.account),
            result.outcome.value,
            result.proof or "",
            f"{result.seconds:.1f}",
            printable(_shorten(message)),
        )
    out.print(table)
    out.print("Evidence (check with `optout-bot evidence verify FOLDER`):")
    for result in results:
        out.print(
            f"  {result.platform}/{printable(result.account)}: {printable(result.evidence_dir)}"
        )


def _shorten(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _debug_header(settings: Settings, overrides: dict[str, Any]) -> None:
    from optout_bot.browser import resolve_executable
    from optout_bot.flow import registry
    from optout_bot.records.evidence import tool_version
    from optout_bot.settings import value_sources

    lines = [
        f"optout-bot {tool_version()}",
        f"Python {python_platform.python_version()}",
        f"Playwright {package_version('playwright')}",
    ]
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            lines.append(f"browser {resolve_executable(settings.browser, playwright) or 'bundled'}")
    except Exception as error:  # a header must never stop the run
        lines.append(f"browser: {error}")
    for name, flow in registry.discover().items():
        lines.append(
            f"flow {name} v{flow.FLOW_VERSION}, labels checked {flow.LAST_CHECKED}, "
            f"working={flow.WORKING}"
        )
    lines.append("settings (precedence: cli > env > .env > toml > default; secrets masked):")
    lines += [
        f"  {name} = {value}  [{source}]"
        for name, value, source in value_sources(settings, overrides)
    ]
    for line in lines:
        err.print(f"# {printable(line)}")


def _law_line(platform: str, label: str, account: Account) -> str:
    """The jurisdiction an account's receipts and letters name, and where it came from."""
    law, country = account.applicable_law()
    source = (
        "setting `jurisdiction`"
        if account.jurisdiction
        else "the account's language (no country set)"
        if account.law_from_language()
        else "setting `country`"
        if account.country
        else "default (no country set)"
    )
    return f"{platform}/{label}: jurisdiction {law}, country {country or '-'}  [{source}]"


def _require_display(settings: Settings) -> None:
    from optout_bot.run.display import require_display

    require_display(settings.browser.headless, remote=bool(settings.browser.endpoint))


def no_accounts_message(config: Path | None) -> str:
    """Where ``run`` looked for accounts, and how to add one (never a silent demo: a cron job
    would take five "submitted" rows for done)."""
    where = printable(config) if config else f"{Path.cwd() / 'optout-bot.toml'} (no --config)"
    return (
        f"no account is configured: looked in {where}, in OPTOUT_BOT_ACCOUNTS__… variables "
        "and in ./.env. Add [accounts.<platform>.<label>] with a login (README: Configuring "
        "your accounts), then `optout-bot init` stores the passwords; `optout-bot demo` shows "
        "the flows against the built-in replicas"
    )


def _check_locales(locales: list[str]) -> None:
    from optout_bot.flow.registry import known_locales

    known = known_locales()
    for name in locales:
        if name not in known:
            _fail(f"--locale: {name!r} is not one of {', '.join(known)}")


def _check_teach(teach: bool | None, settings: Settings) -> None:
    if teach and settings.browser.headless:
        _fail("--teach needs --headed: you show the missing element in the browser window")


def _check_fault_rate(rate: float) -> None:
    if not 0 <= rate <= 1:
        _fail(f"--faults: {rate} is not a share between 0 and 1")


def _jobs(jobs: int | None) -> dict[str, Any]:
    return {"browser": {"jobs": jobs}} if jobs else {}


def _fail(message: str, code: int = EXIT_CONFIG_ERROR) -> None:
    from optout_bot import log

    err.print(f"optout-bot: {printable(log.redactor.scrub(message))}")
    raise typer.Exit(code)


def main() -> None:
    """Console entry point: expected failures print one line; crashes say what to do."""
    _robust_streams()
    try:
        app(args=global_options_first(sys.argv[1:], typer.main.get_command(app)))
    except Exception as error:
        from optout_bot.log import redactor

        registry = sys.modules.get("optout_bot.flow.registry")  # loaded if it raised
        if isinstance(error, ConfigError) or (
            registry is not None and isinstance(error, registry.DuplicatePlatform)
        ):
            err.print(f"optout-bot: {printable(redactor.scrub(str(error)))}")
            sys.exit(EXIT_CONFIG_ERROR)
        # last resort: one readable line, no traceback
        err.print(
            f"optout-bot crashed: {type(error).__name__}: {printable(redactor.scrub(str(error)))}"
        )
        err.print("Please run again with -v and open a bug report with that output.")
        sys.exit(EXIT_CRASH)


def _robust_streams() -> None:
    """An output that cannot encode a character (``LANG=C``, an ASCII pipe) shows it as an
    escape instead of crashing after the work is done."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


from optout_bot.ui.command import register as _register_ui  # noqa: E402

_register_ui(app)

from optout_bot.cli.capture import register as _register_capture  # noqa: E402

_register_capture(app)
