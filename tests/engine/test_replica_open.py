"""``optout-bot replica open``: a person's browser on a replica, tested without a window."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Browser

from fixtures.linkedin import LinkedInReplica
from optout_bot.contrib.replica_open import _wait_until_closed


def replica_open(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "optout_bot",
            "replica",
            "open",
            *args,
            "--headless",
            "--print-and-exit",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_opens_the_login_page_in_the_language_and_version_asked_for(tmp_path: Path) -> None:
    shown = replica_open(tmp_path, "linkedin", "--locale", "de")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    newest = LinkedInReplica.VERSIONS[-1]  # the default: the page LinkedIn shows today
    assert (
        f"linkedin replica, page version {newest}, language de: "
        "https://www.linkedin.com/login" in shown.stdout
    )
    assert "title: LinkedIn Login, Einloggen | LinkedIn" in shown.stdout
    assert "heading: Einloggen" in shown.stdout
    assert "Log in as demo.linkedin@example.org with password " in shown.stdout


def test_serves_a_drift_variant_and_page_version(tmp_path: Path) -> None:
    shown = replica_open(
        tmp_path, "facebook", "--locale", "ko", "--page-version", "2024", "--drift", "cosmetic"
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "page version 2024, language ko, drift cosmetic" in shown.stdout
    assert "title: Facebook - 로그인 또는 가입" in shown.stdout  # the real ko_KR title
    # the tagline of the saved ko_KR page; a Korean browser gets no cookie dialog
    assert (
        "heading: Facebook에서 전세계에 있는 친구, 가족, 지인들과 함께 이야기를 나눠보세요."
        in shown.stdout
    )
    assert "쿠키" not in shown.stdout


def test_an_unknown_drift_or_language_is_one_line_and_exit_2(tmp_path: Path) -> None:
    drift = replica_open(tmp_path, "x", "--drift", "nonsense")
    assert drift.returncode == 2 and "the x replica has no drift 'nonsense'" in drift.stderr
    language = replica_open(tmp_path, "x", "--locale", "fr")
    assert language.returncode == 2 and "--locale: 'fr' is not one of" in language.stderr


def test_waits_until_the_person_closes_the_window(browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<p>replica</p><script>setTimeout(() => window.close(), 50)</script>")
    _wait_until_closed(context)  # returns because the page closed, not after a time
    assert page.is_closed() and context.pages == []
    context.close()
