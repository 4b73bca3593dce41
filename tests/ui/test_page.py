"""The local page in a real browser (the project's Chromium, headless), as a person uses it:
add a made-up account, run it against the replicas, watch it reach ``submitted``, open and
download the receipt and the letter in the account's language; solve a two-step login through
the page; and afterwards find the password in the keyring and in no byte written or sent."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from optout_bot.browser import secret_spellings
from optout_bot.browser.tracing import spellings
from tests.ui.server import UiServer, serving

PASSWORD = "pw-Ui7!canary-PAGE-5531"
LONG = 90_000  # a whole run against a replica, on a busy machine

# What each language's page says, and what its receipt and letter must hold.
CASES = {
    "ko": {
        "accept": "ko-KR,ko;q=0.9",
        "heading": "내 계정",
        "country": "대한민국",
        "outcome": "제출됨",
        "receipt": "AI 학습 이의 제기 확인서",
        "letter": "개인정보",
    },
    "de": {
        "accept": "de-DE,de;q=0.9",
        "heading": "Ihre Konten",
        "country": "Deutschland",
        "outcome": "eingereicht",
        "receipt": "Widerspruch",
        "letter": "DSGVO",
    },
}


@pytest.fixture
def ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiServer]:
    with serving(tmp_path, monkeypatch) as server:
        yield server


def person(browser: Browser, ui: UiServer, accept: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(
        accept_downloads=True, extra_http_headers={"Accept-Language": accept}
    )
    page = context.new_page()
    page.goto(ui.keys.first_address())
    return context, page


def add_account(page: Page, t: dict[str, str], platform: str, country: str) -> None:
    page.get_by_role("link", name=t["add"]).click()
    page.get_by_label(t["platform"]).select_option(platform)
    page.get_by_label(t["label"]).fill("demo")
    page.get_by_label(t["login"]).fill("demo@example.org")
    page.get_by_label(t["password"], exact=True).fill(PASSWORD)
    page.get_by_label(t["country"]).fill(country)
    page.get_by_role("button", name=t["save"]).click()


def words(locale: str) -> dict[str, str]:
    from optout_bot.ui.words import PageWords

    t = PageWords(locale)
    return {
        "add": t("accounts.add"),
        "platform": t("accounts.platform"),
        "label": t("accounts.label"),
        "login": t("accounts.login"),
        "password": t("accounts.password"),
        "country": t("accounts.country"),
        "locale": t("accounts.locale"),
        "save": t("save"),
        "run": t("nav_run"),
        "replica": t("run.replica"),
        "practice": t("run.practice_2fa"),
        "start": t("run.start"),
        "evidence": t("nav_evidence"),
        "open_receipt": t("evidence.open_receipt"),
        "download_receipt": t("evidence.download_receipt"),
        "download_receipt_pdf": t("evidence.download_receipt_pdf"),
        "verified": t("evidence.verified"),
        "letter_authority": t("evidence.letter_authority"),
        "type": t("hand_over.type"),
        "send": t("hand_over.send"),
        "language": t("language"),
        "switch": t("switch"),
    }


@pytest.mark.parametrize("locale", ["ko", "de"])
def test_a_demo_account_runs_and_its_receipt_and_letter_come_in_its_language(
    browser: Browser, ui: UiServer, locale: str, tmp_path: Path
) -> None:
    case = CASES[locale]
    t = words(locale)
    context, page = person(browser, ui, case["accept"])
    expect(page.get_by_role("heading", level=1)).to_have_text(case["heading"])
    expect(page.locator("html")).to_have_attribute("lang", locale)
    add_account(page, t, "facebook", case["country"])
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_role("cell", name="demo@example.org")).to_be_visible()
    assert f'locale = "{locale}"' in ui.config.read_text(encoding="utf-8")

    page.get_by_role("navigation").get_by_role("link", name=t["run"]).click()
    page.get_by_label(t["replica"]).check()
    page.get_by_role("button", name=t["start"]).click()
    outcome = page.locator("tr[data-who='facebook/demo'] td.outcome")
    expect(outcome).to_have_attribute("data-outcome", "submitted", timeout=LONG)
    expect(outcome).to_contain_text(case["outcome"])

    page.get_by_role("navigation").get_by_role("link", name=t["evidence"]).click()
    page.get_by_role("link", name=re.compile(r"^#\d+$")).first.click()
    expect(page.locator("#verification")).to_have_text(t["verified"])
    with page.expect_download() as receipt_download:
        page.get_by_role("link", name=t["download_receipt"]).click()
    receipt = Path(receipt_download.value.path()).read_text(encoding="utf-8")
    assert f'<html lang="{locale}">' in receipt and case["receipt"] in receipt
    with page.expect_download() as letter_download:
        page.get_by_role("link", name=f"↓ HTML — {t['letter_authority']}").click()
    letter = Path(letter_download.value.path()).read_text(encoding="utf-8")
    assert case["letter"] in letter
    with page.expect_download() as letter_pdf:
        page.get_by_role("link", name=f"↓ PDF — {t['letter_authority']}").click()
    assert case["letter"] in pdf_text(Path(letter_pdf.value.path()))
    with page.expect_download() as receipt_pdf:
        page.get_by_role("link", name=t["download_receipt_pdf"]).click()
    assert case["receipt"] in pdf_text(Path(receipt_pdf.value.path()))
    page.get_by_role("link", name=t["open_receipt"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case["receipt"])
    context.close()

    # what "the platform" received: one objection, from this account
    requests = [
        json.loads(line)
        for bundle in (tmp_path / "evidence").rglob("replica-requests.jsonl")
        for line in bundle.read_text(encoding="utf-8").splitlines()
    ]
    assert sum(1 for r in requests if r.get("event") == "objection_received") == 1
    assert_password_only_in_keyring(ui)


def test_a_two_step_login_is_solved_by_the_person_through_the_page(
    browser: Browser, ui: UiServer
) -> None:
    t = words("en")
    context, page = person(browser, ui, "en-US,en;q=0.9")
    add_account(page, t, "facebook", "Germany")
    page.get_by_role("navigation").get_by_role("link", name=t["run"]).click()
    page.get_by_label(t["replica"]).check()
    page.get_by_label(t["practice"]).check()
    page.get_by_role("button", name=t["start"]).click()

    desk = page.get_by_role("region", name="Your turn")
    expect(desk).to_be_visible(timeout=LONG)
    expect(page.locator("#screen")).to_have_attribute("src", re.compile("screen.png"))
    desk.get_by_role("button", name="Login code").click()
    code = re.search(r"\d{6}", page.locator(".practice").inner_text())
    assert code is not None
    desk.get_by_label(t["type"]).fill(code.group(0))
    desk.get_by_role("button", name=t["send"]).click()
    desk.get_by_role("button", name="Continue").first.click()
    outcome = page.locator("tr[data-who='facebook/demo'] td.outcome")
    expect(outcome).to_have_attribute("data-outcome", "submitted", timeout=LONG)
    expect(desk).to_be_hidden()
    context.close()
    assert_password_only_in_keyring(ui)


def pdf_text(path: Path) -> str:
    """The text of a downloaded PDF, which must be one (its header) and readable (pypdf);
    spaces collapsed, as a PDF keeps glyph positions, not the document's spacing."""
    from pypdf import PdfReader

    data = path.read_bytes()
    assert data.startswith(b"%PDF-"), data[:20]
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def assert_password_only_in_keyring(ui: UiServer) -> None:
    stored = json.loads((ui.root / "keyring.json").read_text())
    assert stored == {"optout-bot:facebook/demo": PASSWORD}
    written = [
        (str(p), p.read_bytes())
        for p in ui.root.rglob("*")
        if p.is_file() and p.name != "keyring.json"
    ]
    sent = [("sent", b"".join(ui.recorder.sent))]
    leaks = [
        name for name, data in written + sent for s in spellings(PASSWORD) if s.encode() in data
    ]
    assert leaks == []
    anyhow = secret_spellings.matcher([PASSWORD])
    assert anyhow is not None
    texts = [(n, d.decode("utf-8", "replace")) for n, d in written + sent]
    assert [n for n, text in texts if anyhow.search(text)] == []
