"""The ``ui`` command, registered on the main command by ``optout_bot.cli`` (one line there).
Imports nothing heavy until it runs: ``optout-bot --help`` stays fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    @app.command("ui")
    def ui(
        ctx: typer.Context,
        port: Annotated[
            int | None, typer.Option(help="port on 127.0.0.1 (default: a free one)")
        ] = None,
        open_page: Annotated[
            bool, typer.Option("--open/--no-open", help="open the page in your browser")
        ] = True,
    ) -> None:
        """A local web page for all of this: accounts, runs, hand-over, evidence, check."""
        start(ctx.obj, port, open_page)


def start(options: Any, port: int | None, open_page: bool) -> None:
    from optout_bot.settings import DEFAULT_CONFIG_FILE, load_settings
    from optout_bot.ui.server import serve

    options.settings()  # configures logging and refuses a bad configuration up front
    config = Path(options.config or DEFAULT_CONFIG_FILE)

    def settings() -> Any:
        return load_settings(config if config.is_file() else None, **options.overrides)

    serve(config, settings, port=port, open_page=open_page)
