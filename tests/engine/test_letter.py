"""``optout-bot letter``: a complaint or follow-up letter from an evidence bundle, in the
person's language, with the bundle's facts, verified first; outside text escaped, no secret."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from optout_bot.argv import global_options_first
from optout_bot.cli import app
from optout_bot.records.evidence import EvidenceBundle, sha256_file
from optout_bot.records.letter import check_bundle, compose, render
from optout_bot.records.locales import wording
from optout_bot.records.mail import MailPattern, parse_message, verify_dkim
from optout_bot.records.proof import EmailProof, write_addendum
from optout_bot.replica.mail import SigningKey
from tests.support.cli import evidence_folders, optout_here

TODAY = datetime(2026, 11, 27, 10, 0)


def make_bundle(root: Path, **facts: Any) -> Path:
    bundle = EvidenceBundle.create(
        root,
        "facebook",
        "me",
        {
            "mode": "live",
            "locale": "de",
            "jurisdiction": "gdpr",
            "jurisdiction_country": "DE",
            "description": "objection form",
            "form_url": "https://example.org/form/1",
            **facts,
        },
    )
    step = bundle.begin_step("fill")
    bundle.end_step(step, status="ok", url="https://example.org/form/1", screenshot=b"\x89PNG1")
    bundle.note("submitted", {"email": "mina@example.org", "reason": "Ich widerspreche."})
    bundle.note("confirmation", "Dein Widerspruch ist eingegangen.")
    bundle.finish("submitted", "Dein Widerspruch ist eingegangen.")
    return bundle.directory


def letter_of(
    folder: Path, to: str = "authority", form: str = "text", secrets: tuple[str, ...] = ()
) -> str:
    checked = check_bundle(folder, None)
    return render(
        compose(checked, "platform" if to == "platform" else "authority", TODAY, secrets),
        "html" if form == "html" else "text",
    )


def started_date(folder: Path, pattern: str) -> str:
    started = json.loads((folder / "manifest.json").read_text())["started_utc"]
    moment = datetime.fromisoformat(started.replace("Z", "+00:00"))
    return pattern.format(
        d=moment.day,
        m=moment.month,
        y=moment.year,
        dd=f"{moment.day:02d}",
        mm=f"{moment.month:02d}",
    )


def test_a_german_complaint_holds_the_bundle_s_facts(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path)
    text = letter_of(folder)
    one_line = " ".join(text.split())
    assert sha256_file(folder / "manifest.json") in text
    assert f"Am {started_date(folder, '{dd}.{mm}.{y}')} um" in one_line
    assert "Datum:   27.11.2026" in text  # the letter's own date
    for phrase in (
        "Sehr geehrte Damen und Herren,",
        "Beschwerde",
        "Art. 77 DSGVO",
        "mein Widerspruchsrecht nach Art. 21 DSGVO",
        "https://example.org/form/1",
        "„Dein Widerspruch ist eingegangen.“",
        "Begründung: Ich widerspreche.",
        "Datenschutz-Aufsichtsbehörde Ihres Bundeslandes",
        "01-fill.png",
        "Jede Datei stimmt noch",
        "Ergebnis: eingereicht",
        "Nachweis: nicht festgehalten",
    ):
        assert phrase in one_line, phrase


def test_a_follow_up_to_the_platform_asks_for_an_answer_within_the_legal_time(
    tmp_path: Path,
) -> None:
    folder = make_bundle(tmp_path, locale="en", jurisdiction="gdpr", jurisdiction_country="IE")
    text = " ".join(letter_of(folder, to="platform").split())
    assert "To: Meta Platforms Ireland Limited (controller of my data on Facebook)" in text
    assert "within one month" in text and "Art. 12(3) GDPR" in text
    assert "Landesdatenschutzbehörde" not in text


def test_a_korean_complaint_goes_to_the_pipc(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path, locale="ko", jurisdiction="pipa", jurisdiction_country="KR")
    text = letter_of(folder)
    one_line = " ".join(text.split())
    assert "개인정보보호위원회 개인정보침해 신고센터" in one_line
    assert "전화 118" in one_line and "개인정보 보호법 제62조" in one_line
    assert "개인정보 보호법 제37조에 따른 개인정보의 처리정지 요구권" in one_line
    assert started_date(folder, "{y}년 {m}월 {d}일") in one_line
    assert sha256_file(folder / "manifest.json") in text


def test_a_bundle_that_does_not_verify_is_said_to_in_the_letter(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path)
    (folder / "01-fill.png").write_bytes(b"\x89PNG-edited")
    text = " ".join(letter_of(folder).split())
    changed = "seit dem Lauf verändert (die SHA-256-Prüfsumme weicht ab)"
    assert f"Prüfung ist FEHLGESCHLAGEN: 01-fill.png: {changed}" in text
    assert "Jede Datei stimmt noch" not in text


def test_a_verified_late_email_raises_the_proof_and_is_no_problem(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path, proof="page only")
    digest = sha256_file(folder / "manifest.json")
    key = SigningKey.generate("facebookmail.com")
    raw = key.sign(
        sender="security@facebookmail.com", to="mina@example.org", subject="ok", body="ok"
    )
    pattern = MailPattern(domains=("facebookmail.com",))
    found = EmailProof(parse_message("1", raw), verify_dkim(raw, pattern, key.dns()))
    write_addendum(folder, digest, found, "2026-11-27T10:00:00.000Z")
    text = " ".join(letter_of(folder).split())
    assert "Nachweis: E-Mail: die Bestätigungs-E-Mail der Plattform" in text
    assert "Jede Datei stimmt noch" in text


def test_an_unsigned_late_email_claiming_the_proof_is_a_problem_not_a_proof(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path, proof="page only")
    digest = sha256_file(folder / "manifest.json")
    mail = b"From: platform\r\n\r\nconfirmed"
    name = "addendum-1-confirmation-email.eml"
    (folder / name).write_bytes(mail)
    sha = hashlib.sha256(mail).hexdigest()
    (folder / "addendum-1.json").write_text(
        json.dumps(
            {
                "manifest_sha256": digest,
                "proof": "email",
                "email": {"file": name, "sha256": sha, "dkim": {"domain": "facebookmail.com"}},
                "files": {name: sha},
            }
        )
    )
    text = " ".join(letter_of(folder).split())
    assert "Nachweis: E-Mail" not in text
    assert "Jede Datei stimmt noch" not in text


def test_outside_text_is_escaped_in_html_and_secrets_never_appear(tmp_path: Path) -> None:
    secret = "pw-Zq9!x"
    folder = make_bundle(
        tmp_path,
        form_url=f"https://example.org/f?note={secret}<img src=x onerror=alert(1)>",
    )
    manifest = folder / "manifest.json"
    data = json.loads(manifest.read_text())
    data["confirmation"] = f"<script>alert('{secret}')</script>"
    manifest.write_text(json.dumps(data))  # an edited manifest: the letter says it changed
    page = letter_of(folder, form="html", secrets=(secret,))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert secret not in page and secret not in letter_of(folder, secrets=(secret,))
    assert '<html lang="de">' in page


def test_the_letter_s_own_out_option_stays_with_it() -> None:
    from typer.main import get_command

    args = global_options_first(
        ["letter", "b", "--out", "l.txt", "--ledger", "x"], get_command(app)
    )
    assert args == ["--ledger", "x", "letter", "b", "--out", "l.txt"]
    assert global_options_first(["demo", "--out", "ev"], get_command(app)) == [
        "--out",
        "ev",
        "demo",
    ]


@pytest.mark.parametrize(("option", "value"), [("--to", "nobody"), ("--format", "pdf")])
def test_bad_letter_options_fail_in_one_line(tmp_path: Path, option: str, value: str) -> None:
    folder = make_bundle(tmp_path)
    done = optout_here("letter", str(folder), option, value, cwd=tmp_path)
    assert done.returncode == 2 and value in done.stderr and not done.stdout


@pytest.mark.browser  # the command starts a browser in this process
@pytest.mark.parametrize(
    ("locale", "receipt_says", "letter_says", "date_pattern"),
    [
        (
            "ko",
            ["개인정보 보호법 제37조", "개인정보의 처리정지 요구권", "개인정보침해 신고센터"],
            ["수신:", "개인정보보호위원회", "manifest.json의 SHA-256"],
            "{y}년 {m}월 {d}일",
        ),
        (
            "de",
            [
                "Widerspruchsrecht nach Art. 21 DSGVO",
                "Datenschutz-Aufsichtsbehörde Ihres Bundeslandes",
            ],
            ["An:", "Beschwerde", "Art. 77 DSGVO", "SHA-256 von manifest.json"],
            "{dd}.{mm}.{y}",
        ),
    ],
)
def test_demo_receipt_and_letter_in_the_account_s_language(
    tmp_path: Path, locale: str, receipt_says: list[str], letter_says: list[str], date_pattern: str
) -> None:
    done = optout_here(
        "--out", "ev", "--ledger", "l.sqlite3", "demo", "facebook", "--locale", locale, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    [folder] = evidence_folders(tmp_path / "ev")
    receipt = (folder / "receipt.html").read_text(encoding="utf-8")
    assert f'<html lang="{locale}">' in receipt
    for phrase in receipt_says:
        assert phrase in receipt, phrase

    refused = optout_here("--ledger", "l.sqlite3", "letter", str(folder), cwd=tmp_path)
    assert refused.returncode == 2 and "demo run" in refused.stderr  # nothing reached Facebook
    text = optout_here("--ledger", "l.sqlite3", "letter", str(folder), "--practice", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    words = wording(locale)
    practice = words.text("letter.practice", mode=words.text("mode.demo"), platform="Facebook")
    assert " ".join(text.stdout.split()).startswith(practice)  # its first line says so
    page = optout_here(
        "letter",
        str(folder),
        "--practice",
        "--format",
        "html",
        "--out",
        "letter.html",
        "--ledger",
        "l.sqlite3",
        cwd=tmp_path,
    )
    assert page.returncode == 0, page.stderr
    html_letter = (tmp_path / "letter.html").read_text(encoding="utf-8")
    digest = sha256_file(folder / "manifest.json")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for letter in (" ".join(text.stdout.split()), html_letter):
        assert digest in letter
        assert started_date(folder, date_pattern) in letter
        assert manifest["started_utc"] in letter and manifest["ended_utc"] in letter
        assert manifest["form_url"] in letter
        for phrase in letter_says:
            assert phrase.removesuffix(":") in letter, phrase
    assert re.search(r"^(수신|An|To):", text.stdout, re.M)
    note = wording(locale).text("letter.written")  # review it and send it yourself
    assert note in text.stderr and note not in text.stdout
