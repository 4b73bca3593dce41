"""``optout-bot ui``: the local page's server on loopback (a free port unless one is asked
for), its first address printed and opened in the person's browser.

Uvicorn's access log is off: the first address holds the one-time key, and no address or
form the person sends is ever logged.
"""

from __future__ import annotations

import os
import socket
import sys
import webbrowser
from collections.abc import Callable
from pathlib import Path

from optout_bot.errors import ConfigError
from optout_bot.settings import Settings
from optout_bot.ui.accounts import AccountFile
from optout_bot.ui.guard import CONTAINER_ENV, Guard, Keys
from optout_bot.ui.routes import create_app

LOOPBACK = "127.0.0.1"
"""Set by the container image: there the server listens on all of the container's own
interfaces, and ``docker run -p 127.0.0.1:PORT:PORT`` keeps it on the host's loopback."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def listen_address() -> str:
    return "0.0.0.0" if os.environ.get(CONTAINER_ENV) == "1" else LOOPBACK


def quiet_access_log() -> None:
    """No request line is ever logged (the first one holds the key), whatever logging setup
    the process has."""
    import logging

    logging.getLogger("uvicorn.access").disabled = True


def build(config: Path, load_settings: Callable[[], Settings], port: int) -> tuple[Guard, Keys]:
    keys = Keys(port=port)
    quiet_access_log()
    return create_app(AccountFile(config), load_settings, keys), keys


def serve(
    config: Path, load_settings: Callable[[], Settings], *, port: int | None, open_page: bool
) -> None:
    import uvicorn

    port = port or free_port()
    if not 0 < port < 65536:
        raise ConfigError(f"--port: {port} is not a port")
    app, keys = build(config, load_settings, port)
    address = keys.first_address()
    print(f"optout-bot ui: open {address}", file=sys.stderr, flush=True)
    print("(the address holds a one-time key; press Ctrl+C to stop)", file=sys.stderr, flush=True)
    if open_page:
        webbrowser.open(address)
    uvicorn.run(
        app, host=listen_address(), port=port, access_log=False, log_level="warning", lifespan="off"
    )
