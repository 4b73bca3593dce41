"""The records: ``history``, ``mail``, ``evidence verify``/``anchor`` and ``letter``."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from optout_bot.cli.base import _fail, app, err, evidence_app, out
from optout_bot.shown import printable

if TYPE_CHECKING:
    from optout_bot.settings import Settings


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
    from optout_bot import log
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
        line = f"run {late.run_id} {late.platform}/{late.account}: {late.result}"
        out.print(printable(log.redactor.scrub(line)), markup=False)


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
    from optout_bot.records.chain import verify_anchor
    from optout_bot.records.evidence import read_manifest
    from optout_bot.records.verification import verify
    from optout_bot.run.mail_domains import platform_mail_domains

    settings: Settings = ctx.obj.settings()
    if not directory.is_dir():
        _fail(f"{printable(directory)} is not a folder")
    checked = verify(directory, settings.output.ledger, platform_mail_domains(directory))
    expected, problems = checked.ledger_manifest_sha256, checked.problems
    if anchor is not None:
        problems += verify_anchor(directory, anchor)
    manifest, files, _problem = read_manifest(directory)
    if problems or manifest is None or files is None:
        for problem in problems:
            err.print(f"FAILED {problem}")
        raise typer.Exit(1)
    note = " and matches the ledger" if expected else ""
    out.print(f"OK: {len(files)} files unchanged{note}, chain intact ({printable(directory)})")
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
    from optout_bot.run.mail_domains import platform_mail_domains

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
    checked = letters.check_bundle(bundle, settings.output.ledger, platform_mail_domains(bundle))
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
        from optout_bot.files import write_private

        write_private(out_file, text.encode("utf-8"))
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
