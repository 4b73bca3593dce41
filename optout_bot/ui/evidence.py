"""Evidence and check pages: history from the ledger, each bundle verified as
``optout-bot evidence verify`` does, its receipt and letters to download, and check runs
against the replicas with their report.

Files are served only when the ledger names the bundle and the bundle's manifest names the
file: a path from the address never reaches the disk unchecked.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from optout_bot.errors import ConfigError
from optout_bot.records.ledger import Ledger, RunRow
from optout_bot.ui.guard import DOCUMENT_POLICY

if TYPE_CHECKING:
    from optout_bot.records.letter import Checked
    from optout_bot.ui.shared import Ui

TYPES = {".png": "image/png", ".html": "text/html; charset=utf-8"}
PDF = "application/pdf"


def _rows(ui: Ui, limit: int = 500) -> list[RunRow]:
    path = ui.load_settings().output.ledger
    if not path.is_file():
        return []
    ledger = Ledger(path)
    try:
        return ledger.runs(None, limit)
    finally:
        ledger.close()


async def history(ui: Ui, request: Request) -> Response:
    rows = await asyncio.to_thread(_rows, ui)
    return ui.render(request, "evidence.html", rows=rows)


def _bundle_of(ui: Ui, run_id: int) -> tuple[RunRow, Checked] | None:
    from optout_bot.records.letter import check_bundle

    row = next((r for r in _rows(ui, 1_000_000) if r.id == run_id), None)
    if row is None or not row.evidence_dir or not Path(row.evidence_dir).is_dir():
        return None
    try:
        checked = check_bundle(Path(row.evidence_dir), ui.load_settings().output.ledger)
    except ConfigError:
        return None
    return row, checked


async def bundle(ui: Ui, request: Request) -> Response:
    found = await asyncio.to_thread(_bundle_of, ui, request.path_params["run"])
    if found is None:
        return Response("no such bundle", status_code=404)
    row, checked = found
    files = _listed(checked)
    return ui.render(
        request,
        "bundle.html",
        row=row,
        checked=checked,
        manifest=checked.manifest,
        screenshots=[n for n in files if n.endswith(".png")],
        files=files,
    )


def _listed(checked: Checked) -> list[str]:
    from optout_bot.records.proof import addendum_files

    names = checked.manifest.get("files")
    listed = list(names) if isinstance(names, dict) else []
    listed += list(addendum_files(checked.directory))
    return [n for n in listed if isinstance(n, str) and "/" not in n and n not in ("", ".", "..")]


async def bundle_file(ui: Ui, request: Request) -> Response:
    found = await asyncio.to_thread(_bundle_of, ui, request.path_params["run"])
    name = request.path_params["name"]
    if found is None or name not in _listed(found[1]):
        return Response("no such file", status_code=404)
    path = found[1].directory / name
    if not path.is_file() or path.is_symlink():
        return Response("no such file", status_code=404)
    return _document(path.read_bytes(), name, request.query_params.get("download") == "1")


def _document(data: bytes, name: str, download: bool) -> Response:
    suffix = Path(name).suffix
    headers = {"content-security-policy": DOCUMENT_POLICY}
    if suffix == ".pdf":
        return Response(data, media_type=PDF, headers=_attachment(name))
    if download or suffix not in TYPES:
        headers = _attachment(name)
    return Response(
        data, media_type=TYPES.get(suffix, "text/plain; charset=utf-8"), headers=headers
    )


def _attachment(name: str) -> dict[str, str]:
    # Never rendered, so no sandbox: Chromium refuses downloads from sandboxed answers.
    return {
        "content-security-policy": "default-src 'none'",
        "content-disposition": f'attachment; filename="{_ascii(name)}"',
    }


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)


async def letter(ui: Ui, request: Request) -> Response:
    """A complaint to the authority or a follow-up to the platform, in the account's language,
    as ``optout-bot letter`` writes it."""
    from optout_bot.log import redactor
    from optout_bot.records import letter as letters

    to, form = request.path_params["to"], request.path_params["form"]
    if to not in ("authority", "platform") or form not in ("html", "txt", "pdf"):
        return Response("no such letter", status_code=404)
    found = await asyncio.to_thread(_bundle_of, ui, request.path_params["run"])
    if found is None:
        return Response("no such bundle", status_code=404)
    row, checked = found
    # A replica or demo bundle reached no platform: its letter is for practice, and says so.
    practice = checked.manifest.get("mode") in letters.NOT_REAL_MODES
    try:
        composed = letters.compose(
            checked,
            "platform" if to == "platform" else "authority",
            datetime.now().astimezone(),
            redactor.secrets(),
            practice=practice,
        )
    except letters.LetterRefused as refused:
        return Response(str(refused), status_code=409, media_type="text/plain; charset=utf-8")
    text = letters.render(composed, "text" if form == "txt" else "html")
    name = f"letter-{to}-{row.platform}-{row.id}.{form}"
    if form == "pdf":
        data = await asyncio.to_thread(_printed, ui, text, composed.locale)
        return _document(data, name, True)
    return _document(text.encode("utf-8"), name, request.query_params.get("download") == "1")


async def receipt_pdf(ui: Ui, request: Request) -> Response:
    """The bundle's own receipt (the HTML the run wrote, as the manifest lists it) as a PDF."""
    found = await asyncio.to_thread(_bundle_of, ui, request.path_params["run"])
    if found is None or "receipt.html" not in _listed(found[1]):
        return Response("no such receipt", status_code=404)
    row, checked = found
    path = checked.directory / "receipt.html"
    if not path.is_file() or path.is_symlink():
        return Response("no such receipt", status_code=404)
    html = path.read_text(encoding="utf-8", errors="replace")
    locale = str(checked.manifest.get("locale") or "en")
    data = await asyncio.to_thread(_printed, ui, html, locale)
    return _document(data, f"receipt-{row.platform}-{row.id}.pdf", True)


def _printed(ui: Ui, html: str, locale: str) -> bytes:
    from optout_bot.ui.pdf import print_pdf

    return print_pdf(html, ui.load_settings().browser, locale)


# --- check -------------------------------------------------------------------------------------


async def check_form(ui: Ui, request: Request, error: str = "", status: int = 200) -> Response:
    from optout_bot.flow import registry

    return ui.render(
        request, "check.html", status=status, platforms=sorted(registry.discover()), error=error
    )


async def check_start(ui: Ui, request: Request) -> Response:
    from optout_bot.check.pages import plan_check_replica
    from optout_bot.ui.shared import back, form_of
    from optout_bot.ui.words import page_languages

    form = await form_of(request)
    platforms = [str(p) for p in form.getlist("platform")]
    locale = str(form.get("locale", "en"))
    try:
        if locale not in page_languages():
            raise ConfigError(f"unknown language {locale!r}")
        settings = ui.load_settings()
        plan = await asyncio.to_thread(plan_check_replica, platforms, [locale])
        board_dir = settings.output.evidence_dir.parent / "check-reports"
        output = settings.output.model_copy(update={"evidence_dir": board_dir})
        checking = settings.model_copy(update={"output": output})
        board = ui.boards.start("check", checking, plan.jobs, after=_write_report)
    except ConfigError as error:
        return await check_form(ui, request, str(error), 400)
    return back(f"/board/{board.id}")


def _write_report(board: Any) -> None:
    from optout_bot.check.reports import write_html

    root = board.results[0].evidence_dir if board.results else None
    if root is None:
        return
    folder = Path(root).parents[2] if len(Path(root).parents) > 2 else Path(root)
    board.report_dir = folder
    write_html(board.results, folder / f"index-{board.id}.html")


async def report_file(ui: Ui, request: Request) -> Response:
    board = ui.boards.get(request.path_params["board"])
    if board is None or board.report_dir is None:
        return Response("no report", status_code=404)
    root = board.report_dir.resolve()
    path = (root / request.path_params["name"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return Response("no such file", status_code=404)
    return _document(path.read_bytes(), path.name, False)
