"""Receipts in the account's language, naming the right exercised, its legal basis, where to
complain and what to attach; the law follows the account's country unless set; a language is
added with files only."""

from __future__ import annotations

import html
import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from optout_bot.records.evidence import EvidenceBundle, render_receipt
from optout_bot.records.locales import LOCALES_PATH_ENV, PROJECT_DIR, jurisdiction_for, wording
from optout_bot.settings import Account

EDPB = "https://www.edpb.europa.eu/about-edpb/about-edpb/members_en"


def manifest(**facts: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "tool": "optout-bot",
        "tool_version": "0",
        "platform": "facebook",
        "account": "me",
        "mode": "replica",
        "flow": "flows.facebook.flow",
        "flow_version": "1",
        "description": "objection form",
        "started_utc": "2026-03-04T05:06:07.000Z",
        "started_local": "2026-03-04T06:06:07+01:00",
        "ended_utc": "2026-03-04T05:07:00.000Z",
        "form_url": "https://example.org/form",
        "outcome": "submitted",
        "message": "received",
        "confirmation": "received",
        "steps": [],
        "files": {},
    }
    return {**base, **facts}


def visible(page: str) -> str:
    """The receipt's text as a reader sees it (tags removed, entities decoded)."""
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    return " ".join(html.unescape(text).split())


@pytest.mark.parametrize(
    ("locale", "jurisdiction", "country", "expected", "absent"),
    [
        (
            "ko",
            "pipa",
            "KR",
            [
                "AI 학습 이의 제기 확인서",
                "개인정보 보호법 제37조에 따른 개인정보의 처리정지 요구권",
                "개인정보보호위원회",
                "개인정보침해 신고센터",
                "privacy.kisa.or.kr",
                "국번없이 118",
                "https://www.law.go.kr/법령/개인정보보호법/제37조",
                "manifest.json",
            ],
            ["Art. 21", "DSGVO"],
        ),
        (
            "de",
            "gdpr",
            "DE",
            [
                "Quittung",
                "Widerspruchsrecht nach Art. 21 DSGVO",
                "Art. 77 DSGVO",
                "Datenschutz-Aufsichtsbehörde Ihres Bundeslandes",
                "BfDI",
                EDPB,
                "https://dsgvo-gesetz.de/art-21-dsgvo/",
                "manifest.json",
                "Bildschirmfotos",
            ],
            ["개인정보", "Art. 21 GDPR"],
        ),
        (
            "en",
            "gdpr",
            "FR",
            [
                "your right to object under Art. 21 GDPR",
                "Art. 77 GDPR",
                "within one month",
                EDPB,
                "https://gdpr-info.eu/art-21-gdpr/",
            ],
            ["BfDI", "개인정보"],
        ),
        (
            "en",
            "pipa",
            "KR",
            ["개인정보 보호법 제37조 개인정보의 처리정지 요구권", "privacy.kisa.or.kr", "118"],
            ["GDPR"],
        ),
        (
            "de",
            "none",
            None,
            ["soweit das Recht Ihres Staates es Ihnen gibt", "jurisdiction"],
            ["Art. 21", "개인정보 보호법"],
        ),
    ],
)
def test_the_receipt_names_the_right_its_basis_and_where_to_complain(
    locale: str, jurisdiction: str, country: str | None, expected: list[str], absent: list[str]
) -> None:
    page = render_receipt(
        manifest(locale=locale, jurisdiction=jurisdiction, jurisdiction_country=country)
    )
    assert f'<html lang="{locale}">' in page
    text = visible(page)
    for phrase in expected:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("en", "optout-bot 0.9.1, flow LinkedIn v3"),
        ("de", "optout-bot 0.9.1, Ablauf LinkedIn v3"),
        ("ko", "optout-bot 0.9.1, LinkedIn 절차 v3"),
    ],
)
def test_the_tool_line_names_the_tool_its_version_and_the_platform_not_a_module(
    locale: str, shown: str
) -> None:
    page = render_receipt(
        manifest(
            locale=locale,
            platform="linkedin",
            tool_version="0.9.1",
            flow="optout_bot._platforms.flows.linkedin.flow",
            flow_version="3",
        )
    )
    text = visible(page)
    assert shown in text
    assert "flows." not in text and "optout_bot" not in text  # a module is no one's word


def test_a_receipt_of_a_run_that_did_not_finish_says_the_right_is_still_open() -> None:
    text = visible(
        render_receipt(
            manifest(
                locale="de", jurisdiction="gdpr", outcome="failed", message="Seite nicht erreichbar"
            )
        )
    )
    assert "nicht abgeschlossen (fehlgeschlagen)" in text
    assert "Mit diesem Widerspruch haben Sie" not in text


@pytest.mark.parametrize(
    ("proof", "locale", "shown"),
    [
        ("page only", "de", "nur die Seite"),
        ("email", "ko", "DKIM 서명 검증됨"),
        ("reread", "en", "re-read: the platform, asked again, shows the change"),
    ],
)
def test_the_receipt_shows_the_proof_level(proof: str, locale: str, shown: str) -> None:
    assert shown in visible(render_receipt(manifest(locale=locale, proof=proof)))


def test_no_proof_row_when_the_run_recorded_none() -> None:
    assert "<th>Proof</th>" not in render_receipt(manifest(locale="en"))
    assert "<th>Proof</th>" in render_receipt(manifest(locale="en", proof="reread"))


def test_outside_text_in_a_receipt_is_escaped() -> None:
    page = render_receipt(
        manifest(
            locale="ko",
            jurisdiction="pipa",
            confirmation="<script>alert(1)</script>",
            via="<b>x</b>",
        )
    )
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<b>x</b>" not in page


def test_a_bundle_writes_its_receipt_in_the_manifest_s_language(tmp_path: Path) -> None:
    bundle = EvidenceBundle.create(
        tmp_path,
        "facebook",
        "me",
        {"mode": "replica", "locale": "ko", "jurisdiction": "pipa", "jurisdiction_country": "KR"},
    )
    bundle.finish("submitted", "접수됨")
    receipt = visible((bundle.directory / "receipt.html").read_text(encoding="utf-8"))
    assert "개인정보 보호법 제37조" in receipt and "제출됨" in receipt


def test_a_language_is_added_with_files_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "more-locales"
    folder.mkdir()
    (folder / "xx.toml").write_text(
        'date_format = "{day}/{month}/{year}"\n'
        '[receipt]\ntitle = "Xreceipt"\n'
        '[law.gdpr]\nright = "xright-21"\n'
        '[countries]\nDE = ["Xland"]\n',
        encoding="utf-8",
    )
    (folder / "ko.toml").write_text('[receipt]\ntitle = "새 제목"\n', encoding="utf-8")
    monkeypatch.setenv(LOCALES_PATH_ENV, str(folder))
    page = render_receipt(manifest(locale="xx", jurisdiction="gdpr"))
    assert '<html lang="xx">' in page
    text = visible(page)
    assert "Xreceipt" in text and "xright-21" in text
    assert "Art. 77 GDPR" in text  # keys the new file lacks: English
    assert "새 제목" in visible(render_receipt(manifest(locale="ko")))  # overlay wins by key
    assert "개인정보" in visible(render_receipt(manifest(locale="ko")))  # the rest stays
    assert jurisdiction_for("Xland") == "gdpr"  # its country names count too
    assert wording("xx").date(datetime(2026, 3, 4)) == "4/3/2026"


def test_shipped_languages_translate_every_receipt_and_letter_text() -> None:
    def keys(locale: str) -> set[str]:
        def flat(data: dict[str, Any], prefix: str = "") -> set[str]:
            found: set[str] = set()
            for key, value in data.items():
                found |= (
                    flat(value, f"{prefix}{key}.")
                    if isinstance(value, dict)
                    else {f"{prefix}{key}"}
                )
            return found

        return flat(tomllib.loads((PROJECT_DIR / f"{locale}.toml").read_text("utf-8")))

    english = keys("en")
    wanted = {
        k
        for k in english
        if k.split(".")[0] in {"receipt", "rights", "letter", "outcome", "proof", "mode", "problem"}
    }
    wanted |= {
        k
        for k in english
        if k.startswith("law.")
        and k.rsplit(".", 1)[1]
        in {
            "name",
            "right",
            "own_right",
            "basis",
            "complain",
            "authority",
            "addressee",
            "authority_request",
            "platform_request",
        }
    }
    for locale in ("de", "ko"):
        own = keys(locale)
        assert own - english == set(), f"{locale}: keys English does not have (typos?)"
        assert wanted - own == set(), f"{locale}: untranslated"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"country": "Deutschland"}, ("gdpr", "DE")),
        ({"country": "Germany"}, ("gdpr", "DE")),
        ({"country": "대한민국"}, ("pipa", "KR")),
        ({"country": "kr"}, ("pipa", "KR")),
        ({"country": "Norwegen"}, ("gdpr", "NO")),
        ({"country": "United States"}, ("none", None)),
        ({}, ("none", None)),
        ({"country": "대한민국", "jurisdiction": "none"}, ("none", "KR")),
        ({"country": "Brazil", "jurisdiction": "gdpr"}, ("gdpr", None)),
    ],
)
def test_the_law_follows_the_country_unless_set(
    settings: dict[str, str], expected: tuple[str, str | None]
) -> None:
    account = Account.model_validate({"login": "me@example.org", **settings})
    assert account.applicable_law() == expected


def test_an_unknown_jurisdiction_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="gdpr, pipa, none"):
        Account.model_validate({"login": "me@example.org", "jurisdiction": "ccpa"})


def test_a_locale_file_edited_between_two_receipts_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Locale files are parsed once per text, not once per process: an edit of the same
    length, made at once, shows in the next receipt."""
    folder = tmp_path / "more-locales"
    folder.mkdir()
    monkeypatch.setenv(LOCALES_PATH_ENV, str(folder))
    overlay = folder / "de.toml"
    overlay.write_text('[receipt]\ntitle = "Titel eins"\n', encoding="utf-8")
    assert "Titel eins" in visible(render_receipt(manifest(locale="de")))
    overlay.write_text('[receipt]\ntitle = "Titel zwei"\n', encoding="utf-8")
    page = visible(render_receipt(manifest(locale="de")))
    assert "Titel zwei" in page and "Titel eins" not in page
