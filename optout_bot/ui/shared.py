"""What every page handler shares: the ``Ui`` (configuration, settings, runs, rendering)
and the two small helpers for forms and redirects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jinja2
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from optout_bot.settings import Settings
from optout_bot.ui.accounts import AccountFile
from optout_bot.ui.guard import CSRF_FIELD, Keys
from optout_bot.ui.runs import Boards
from optout_bot.ui.words import LANGUAGE_COOKIE, PageWords, choose_language, page_languages

HERE = Path(__file__).resolve().parent
_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass
class Ui:
    """What the routes share: the configuration file, how settings are loaded, the runs."""

    config: AccountFile
    load_settings: Callable[[], Settings]
    keys: Keys
    boards: Boards

    def render(self, request: Request, name: str, status: int = 200, **values: Any) -> Response:
        t = PageWords(
            choose_language(
                request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
            )
        )
        html = _templates.get_template(name).render(
            t=t,
            csrf=self.keys.csrf,
            csrf_field=CSRF_FIELD,
            languages=page_languages(),
            path=request.url.path,
            notice=request.query_params.get("notice", ""),
            error=values.pop("error", ""),
            **values,
        )
        return HTMLResponse(html, status_code=status)


async def form_of(request: Request) -> FormData:
    """The posted form (every form here is URL-encoded; no upload, no multipart parser)."""
    body = (await request.body()).decode("utf-8", "replace")
    fields: list[tuple[str, str | UploadFile]] = list(parse_qsl(body, keep_blank_values=True))
    return FormData(fields)


def back(path: str, notice: str = "") -> RedirectResponse:
    return RedirectResponse(f"{path}?notice={notice}" if notice else path, status_code=303)
