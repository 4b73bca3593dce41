"""The yardstick for one flow: a bare Playwright script doing one Facebook objection.

It launches the browser, logs in, fills the objection form, waits for the confirmation and
takes three full-page screenshots, with the pages served by ``route`` from a recording of
the replica's answers. It imports nothing from optout-bot: no settings, logging, evidence,
ledger, retries or replica code, so ``bench/run.py`` can set a whole ``optout-bot demo
facebook`` process beside the least a script doing the same job costs.

    python bench/bare_script.py JOB.json OUT_DIR

JOB.json (written by bench/run.py): the browser's path and arguments, the made-up account,
and ``answers``: for each "METHOD URL", the recorded answers in the order they were given.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from playwright.sync_api import Route, sync_playwright


def main(job_file: Path, out: Path) -> None:
    job: dict[str, Any] = json.loads(job_file.read_text(encoding="utf-8"))
    answers: dict[str, list[dict[str, Any]]] = job["answers"]
    served: Counter[str] = Counter()

    def serve(route: Route) -> None:
        key = f"{route.request.method} {route.request.url}"
        recorded = answers.get(key, [])
        if not recorded:
            route.abort("blockedbyclient")
            return
        answer = recorded[min(served[key], len(recorded) - 1)]
        served[key] += 1
        route.fulfill(status=answer["status"], headers=answer["headers"], body=answer["body"])

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=job["executable"], args=job["args"], headless=True
        )
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        context.route("**/*", serve)
        page = context.new_page()
        page.goto(job["login_url"])
        cookies = page.locator("button[name=choice][value=all]")  # EU visitors only
        login = page.locator("input[name=email]")
        cookies.or_(login).first.wait_for()
        if cookies.is_visible():
            cookies.click()
        login.fill(job["login"])
        page.locator("input[name=pass]").fill(job["password"])
        page.locator("button[name=login]").click()
        page.get_by_role("navigation").first.wait_for()
        page.screenshot(path=out / "1-logged-in.png", full_page=True)
        page.goto(job["form_url"])
        page.locator("#objection_form input[name=email]").fill(job["email"])
        page.locator("#objection_form textarea[name=reason]").fill(job["reason"])
        page.screenshot(path=out / "2-filled.png", full_page=True)
        page.locator("#objection_form button[type=submit]").click()
        page.get_by_role("heading", name=job["confirmation"]).wait_for()
        page.screenshot(path=out / "3-confirmation.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
