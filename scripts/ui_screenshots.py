"""Screenshots of the local page for the README (docs/ui-<lang>.png): a made-up account run
against the replicas, shown in each language, taken with headless Chromium.

    .venv/bin/python scripts/ui_screenshots.py
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import expect

from optout_bot.browser import open_browser
from optout_bot.settings import BrowserSettings, load_settings
from optout_bot.ui.server import build, free_port

DOCS = Path(__file__).resolve().parent.parent / "docs"
COUNTRY = {"en": "Germany", "de": "Deutschland", "ko": "대한민국"}


def shoot(locale: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix="optout-ui-"))
    config = root / "optout-bot.toml"
    config.write_text(
        f'[accounts.facebook.demo]\nlogin = "demo@example.org"\nlocale = "{locale}"\n'
        f'country = "{COUNTRY[locale]}"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    os.environ["OPTOUT_BOT_ACCOUNTS__FACEBOOK__DEMO__PASSWORD"] = "made-up-demo-password"
    port = free_port()
    app, keys = build(
        config,
        lambda: load_settings(
            config,
            output={"evidence_dir": root / "evidence", "ledger": root / "ledger.sqlite3"},
        ),
        port,
    )
    server = uvicorn.Server(uvicorn.Config(app, port=port, lifespan="off", log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    target = DOCS / f"ui-{locale}.png"
    with open_browser(BrowserSettings()) as browser:
        context = browser.new_context(
            extra_http_headers={"Accept-Language": locale},
            viewport={"width": 1100, "height": 640},
        )
        page = context.new_page()
        page.goto(keys.first_address())
        page.goto(f"http://127.0.0.1:{port}/run")
        page.locator("#replica").check()
        page.locator("form[action='/run/start'] button[type=submit]").click()
        outcome = page.locator("td.outcome")
        expect(outcome).to_have_attribute("data-outcome", "submitted", timeout=120_000)
        page.screenshot(path=target, full_page=True)
        context.close()
    server.should_exit = True
    return target


if __name__ == "__main__":
    for language in ("en", "de", "ko"):
        print(shoot(language))
