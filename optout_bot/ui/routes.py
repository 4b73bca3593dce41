"""The page's routes: accounts, run (with live progress and the hand-over), evidence, check.

Every answer is rendered on the server from ``templates/``; the guard (``guard.py``) stands in
front of all of them, so a handler can assume the request is the person's own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from optout_bot import keys
from optout_bot.errors import ConfigError
from optout_bot.flow import registry
from optout_bot.settings import Settings
from optout_bot.ui import evidence
from optout_bot.ui.accounts import AccountFile, AccountRow
from optout_bot.ui.desk import Action
from optout_bot.ui.guard import CSRF_FIELD, Guard, Keys
from optout_bot.ui.runs import Boards
from optout_bot.ui.shared import Ui, back, form_of
from optout_bot.ui.words import LANGUAGE_COOKIE, page_languages

HERE = Path(__file__).resolve().parent


def create_app(config: AccountFile, load_settings: Callable[[], Settings], keys: Keys) -> Guard:
    ui = Ui(config, load_settings, keys, Boards())
    routes = [
        Route("/", lambda r: RedirectResponse("/accounts", 303)),
        Route("/language", _language, methods=["POST"]),
        Route("/accounts", _bind(ui, _accounts)),
        Route("/accounts/edit", _bind(ui, _account_form)),
        Route("/accounts/save", _bind(ui, _account_save), methods=["POST"]),
        Route("/accounts/remove", _bind(ui, _account_remove), methods=["POST"]),
        Route("/signin", _bind(ui, _sign_in_form)),
        Route("/signin/start", _bind(ui, _sign_in_start), methods=["POST"]),
        Route("/run", _bind(ui, _run_form)),
        Route("/run/start", _bind(ui, _run_start), methods=["POST"]),
        Route("/board/{board}", _bind(ui, _board)),
        Route("/board/{board}/events", _bind(ui, _events)),
        Route("/board/{board}/screen.png", _bind(ui, _screen)),
        Route("/board/{board}/input", _bind(ui, _input), methods=["POST"]),
        Route("/board/{board}/report/{name:path}", _bind(ui, evidence.report_file)),
        Route("/evidence", _bind(ui, evidence.history)),
        Route("/evidence/{run:int}", _bind(ui, evidence.bundle)),
        Route("/evidence/{run:int}/file/{name}", _bind(ui, evidence.bundle_file)),
        Route("/evidence/{run:int}/receipt.pdf", _bind(ui, evidence.receipt_pdf)),
        Route("/evidence/{run:int}/letter/{to}.{form}", _bind(ui, evidence.letter)),
        Route("/check", _bind(ui, evidence.check_form)),
        Route("/check/start", _bind(ui, evidence.check_start), methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Guard(Starlette(routes=routes), keys)


def _bind(ui: Ui, handler: Callable[..., Any]) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Any:
        return await handler(ui, request)

    return endpoint


async def _language(request: Request) -> Response:
    form = await form_of(request)
    chosen = str(form.get("lang", ""))
    response = back(str(form.get("back", "/accounts")) if _local(form.get("back")) else "/")
    if chosen in page_languages():
        response.set_cookie(LANGUAGE_COOKIE, chosen, httponly=True, samesite="strict")
    return response


def _local(path: object) -> bool:
    return isinstance(path, str) and path.startswith("/") and not path.startswith("//")


# --- accounts ----------------------------------------------------------------------------------


async def _accounts(ui: Ui, request: Request, error: str = "", status: int = 200) -> Response:
    return ui.render(
        request,
        "accounts.html",
        status=status,
        rows=ui.config.rows(),
        file=str(ui.config.path),
        keyring_problem=keys.unusable_reason(),
        error=error,
    )


async def _account_form(ui: Ui, request: Request) -> Response:
    platform = request.query_params.get("platform", "")
    label = request.query_params.get("label", "")
    row = next((r for r in ui.config.rows() if (r.platform, r.label) == (platform, label)), None)
    return ui.render(request, "account_form.html", row=row, error="", **_choices())


def _choices() -> dict[str, Any]:
    """The platforms, and those whose flow lets the person sign in themselves."""
    flows = registry.discover()
    return {
        "platforms": sorted(flows),
        "yourself_platforms": sorted(p for p, f in flows.items() if f.SIGNED_IN is not None),
    }


async def _account_save(ui: Ui, request: Request) -> Response:
    form = {k: str(v) for k, v in (await form_of(request)).items()}
    platform, label = form.get("platform", ""), form.get("label", "").strip()
    previous = form.get("previous") or None
    try:
        if not label:
            raise ConfigError("a name for the account is needed")
        ui.config.save(platform, label, form, previous)
    except ConfigError as error:
        return ui.render(
            request,
            "account_form.html",
            status=400,
            row=None,
            error=str(error),
            **_choices(),
            typed={k: v for k, v in form.items() if k not in _SECRETS},
        )
    return back("/accounts", "saved")


_SECRETS = frozenset({"password", "mail_password", "totp_seed", CSRF_FIELD})


async def _account_remove(ui: Ui, request: Request) -> Response:
    form = await form_of(request)
    try:
        ui.config.remove(str(form.get("platform", "")), str(form.get("label", "")))
    except ConfigError as error:
        return await _accounts(ui, request, str(error), 400)
    return back("/accounts", "removed")


# --- run ---------------------------------------------------------------------------------------


async def _run_form(ui: Ui, request: Request, error: str = "", status: int = 200) -> Response:
    return ui.render(
        request, "run.html", status=status, rows=ui.config.rows(), error=error, busy=_busy(ui)
    )


def _busy(ui: Ui) -> str:
    running = next((b for b in ui.boards.boards.values() if not b.finished), None)
    return running.id if running else ""


async def _run_start(ui: Ui, request: Request) -> Response:
    from optout_bot.log import redactor
    from optout_bot.run.jobs import ensure_passwords, plan_from_settings
    from optout_bot.ui.runs import practice_two_factor

    form = await form_of(request)
    chosen = {str(v) for v in form.getlist("account")}
    replica = form.get("replica") == "on"
    try:
        if not chosen:
            raise ConfigError("choose at least one account")
        settings = ui.load_settings()
        plan = await asyncio.to_thread(plan_from_settings, settings, [], None, replica=replica)
        jobs = [j for j in plan.jobs if f"{j.flow.PLATFORM}/{j.label}" in chosen]
        if replica:
            jobs = [_on_kept_replica(ui, j) for j in jobs]
        ensure_passwords(jobs, interactive=False)
        redactor.add(j.account.password.get_secret_value() for j in jobs if j.account.password)
        seed = practice_two_factor(jobs) if replica and form.get("practice") == "on" else None
        board = ui.boards.start("run", settings, jobs, practice_seed=seed)
    except ConfigError as error:
        return await _run_form(ui, request, str(error), 400)
    return back(f"/board/{board.id}")


def _on_kept_replica(ui: Ui, job: Any) -> Any:
    """A practice run of an account signed in to on a replica goes to that same replica."""
    import dataclasses

    kept = ui.boards.replicas.get(f"{job.flow.PLATFORM}/{job.label}")
    return dataclasses.replace(job, replicas=[kept]) if kept is not None else job


# --- signing in yourself -----------------------------------------------------------------------


async def _sign_in_form(ui: Ui, request: Request, error: str = "", status: int = 200) -> Response:
    row = _row(ui, request.query_params.get("platform", ""), request.query_params.get("label", ""))
    if row is None:
        return Response("no such account", status_code=404)
    return ui.render(request, "signin.html", status=status, row=row, error=error, busy=_busy(ui))


def _row(ui: Ui, platform: str, label: str) -> AccountRow | None:
    return next((r for r in ui.config.rows() if (r.platform, r.label) == (platform, label)), None)


async def _sign_in_start(ui: Ui, request: Request) -> Response:
    from optout_bot.run.jobs import plan_from_settings
    from optout_bot.run.yourself import declared
    from optout_bot.ui import signin

    form = await form_of(request)
    platform, label = str(form.get("platform", "")), str(form.get("label", ""))
    replica = form.get("replica") == "on"
    try:
        settings = ui.load_settings()
        plan = await asyncio.to_thread(
            plan_from_settings, settings, [platform], label, replica=replica
        )
        jobs = [j for j in plan.jobs if (j.flow.PLATFORM, j.label) == (platform, label)]
        for job in jobs:
            declared(job.flow)
            if job.account.sign_in != "yourself":
                raise ConfigError(f"{platform}/{label}: choose “sign in yourself” for it first")
        made_up = signin.practice_password(jobs) if replica else None
        board = ui.boards.start(
            "login", settings, jobs, work=signin.sign_in, practice_password=made_up
        )
        if replica:
            ui.boards.replicas.update(signin.kept_replicas(jobs))
    except ConfigError as error:
        row = _row(ui, platform, label)
        if row is None:
            return Response("no such account", status_code=404)
        return ui.render(
            request, "signin.html", status=400, row=row, error=str(error), busy=_busy(ui)
        )
    return back(f"/board/{board.id}")


async def _board(ui: Ui, request: Request) -> Response:
    board = ui.boards.get(request.path_params["board"])
    if board is None:
        return Response("no such run", status_code=404)
    return ui.render(request, "board.html", board=board)


async def _events(ui: Ui, request: Request) -> Response:
    board = ui.boards.get(request.path_params["board"])
    if board is None:
        return Response("no such run", status_code=404)

    async def stream() -> AsyncIterator[str]:
        index = 0
        while True:
            events, finished = await asyncio.to_thread(board.since, index, 15.0)
            for event in events:
                yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n"
            index += len(events)
            if finished and index >= len(board.events):
                yield "event: end\ndata: {}\n\n"
                return
            if not events:
                yield ": still here\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")


async def _screen(ui: Ui, request: Request) -> Response:
    board = ui.boards.get(request.path_params["board"])
    if board is None or not board.desk.picture:
        return Response(status_code=404)
    return Response(board.desk.picture, media_type="image/png")


async def _input(ui: Ui, request: Request) -> Response:
    board = ui.boards.get(request.path_params["board"])
    form = await form_of(request)
    kind = str(form.get("kind", ""))
    try:
        action = Action(
            kind=kind,
            x=float(str(form.get("x", 0) or 0)),
            y=float(str(form.get("y", 0) or 0)),
            text=str(form.get("text", ""))[:200],
        )
    except ValueError:
        return Response(status_code=400)
    if board is None or kind not in ("click", "type", "press") or not board.desk.act(action):
        return Response(status_code=409)
    return Response(status_code=204)
