"""The local page served for a test: everything it writes under one folder, the keyring a
file, and every byte it sends recorded, so a test can scan them all."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import keyring
import uvicorn

from optout_bot.settings import Settings, load_settings
from optout_bot.ui.server import build, free_port
from tests.engine.keyring_file import FileKeyring


class Recorder:
    """ASGI middleware keeping every body byte the server sent."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sent: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.sent.append(b"".join(k + b": " + v + b"\n" for k, v in message["headers"]))
            elif message["type"] == "http.response.body":
                self.sent.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, sending)


class UiServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "optout-bot.toml"
        self.port = free_port()
        guard, self.keys = build(self.config, self.settings, self.port)
        self.recorder = Recorder(guard)
        self.base = f"http://127.0.0.1:{self.port}"

    def settings(self) -> Settings:
        return load_settings(
            self.config if self.config.is_file() else None,
            output={
                "evidence_dir": self.root / "evidence",
                "ledger": self.root / "ledger.sqlite3",
                "sessions_dir": self.root / "sessions",
            },
            log={"file": self.root / "log.jsonl", "level": "debug"},
            browser={"timeout_ms": 15_000},
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: str = "",
    ) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        connection.request(method, path, body=body.encode() or None, headers=sent)
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    def cookie(self) -> str:
        return f"optout_ui={self.keys.session}"


@contextmanager
def serving(root: Path, monkeypatch: Any) -> Iterator[UiServer]:
    monkeypatch.setenv("TEST_KEYRING_FILE", str(root / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())  # type: ignore[no-untyped-call]
    ui = UiServer(root)
    config = uvicorn.Config(
        ui.recorder,
        host="127.0.0.1",
        port=ui.port,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # start-up, not an assertion: bounded
        assert thread.is_alive() and time.monotonic() < deadline, "the page did not start"
        time.sleep(0.01)
    try:
        yield ui
    finally:
        server.should_exit = True
        thread.join(30)
        keyring.set_keyring(previous)
