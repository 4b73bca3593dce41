"""The command's root: the Typer app, its global options, the consoles, and the helpers
every command uses (progress lines, the results table, refusals in one line)."""

from __future__ import annotations

import platform as python_platform
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from optout_bot.outcome import (
    EXIT_CONFIG_ERROR,
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


def _run_and_report(
    settings: Settings, jobs: list[Any], after: Callable[[], None] | None = None
) -> None:
    """Run ``jobs``, show the results (then ``after``), exit with the worst outcome's code."""
    from optout_bot.run.jobs import run_jobs

    results = run_jobs(settings, jobs, progress=_show_progress)
    _summary(results)
    if after is not None:
        after()
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
    from optout_bot.flow.registry import is_known_locale, known_locales

    for name in locales:
        if not is_known_locale(name):
            _fail(f"--locale: {name!r} is not one of {', '.join(known_locales())}")


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
