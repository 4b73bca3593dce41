"""Documents for an authority tell the truth and can be sent as they are: a check is never a
submission, a rerun's letter carries the submission's facts, Korean and German letters hold no
English outside quotations and name the controller, the competent authority and the deadline,
and the proving files (the ``.eml``) are attached."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from optout_bot.records.evidence import EvidenceBundle, sha256_file
from optout_bot.records.jurisdiction import _data, add_one_month, deadline
from optout_bot.records.ledger import Ledger
from optout_bot.records.letter import check_bundle, compose, render
from optout_bot.records.mail import MailPattern, parse_message, verify_dkim
from optout_bot.records.proof import EmailProof
from optout_bot.replica.mail import SigningKey
from tests.support.cli import optout_here

TODAY = datetime(2027, 3, 1, 10, 0)
PLATFORMS = ("facebook", "instagram", "threads", "x", "linkedin")
CONTROLLERS = {
    ("facebook", "gdpr"): "Meta Platforms Ireland Limited",
    ("x", "gdpr"): "Twitter International Unlimited Company",
    ("linkedin", "gdpr"): "LinkedIn Ireland Unlimited Company",
    ("facebook", "pipa"): "Meta Platforms, Inc.",
    ("x", "pipa"): "X Corp.",
    ("linkedin", "pipa"): "LinkedIn Corporation",
}
ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "for",
        "with",
        "your",
        "you",
        "after",
        "reload",
        "shows",
        "off",
        "on",
        "sent",
        "submitted",
        "not",
        "page",
        "setting",
        "form",
        "check",
        "passed",
        "nothing",
        "already",
        "record",
        "answer",
        "step",
        "failed",
        "changed",
        "letter",
        "complaint",
        "objection",
        "platform",
        "controller",
        "address",
        "date",
        "please",
        "this",
        "that",
    ]
)
"""Common English words that a German or Korean letter never needs outside a quotation."""


def bundle(root: Path, platform: str, locale: str, *, mode: str = "live", **facts: Any) -> Path:
    law = "pipa" if locale == "ko" else "gdpr"
    made = EvidenceBundle.create(
        root,
        platform,
        "me",
        {
            "mode": mode,
            "locale": locale,
            "jurisdiction": law,
            "jurisdiction_country": "KR" if law == "pipa" else "DE",
            "description": "Turns off the AI training setting",
            "form_url": f"https://{platform}.example/settings",
            **facts,
        },
    )
    step = made.begin_step("verify")
    made.end_step(step, status="ok", url=f"https://{platform}.example/s", screenshot=b"\x89PNG")
    if platform in ("x", "linkedin"):
        made.note(
            "submitted", {"Gebrauch meiner Daten" if locale == "de" else "내 데이터 사용": "off"}
        )
        made.note("conclusion", {"key": "setting_off_after_reload", "quoted": {"setting": "Grok"}})
        made.note("confirmation", "After a reload the platform shows «Grok» off")
    else:
        made.note("submitted", {"email": "mina@example.org", "country": "DE", "reason": "Nein."})
        made.note("confirmation", "Wir haben deinen Widerspruch erhalten.")
    key = SigningKey.generate(f"mail.{platform}.example")
    raw = key.sign(
        sender=f"security@mail.{platform}.example", to="mina@example.org", subject="ok", body="ok"
    )
    pattern = MailPattern(domains=(f"mail.{platform}.example",))
    found = EmailProof(parse_message("1", raw), verify_dkim(raw, pattern, key.dns()))
    made.add_file("confirmation.eml", raw)  # the platform's own email, DKIM-signed
    made.note("confirmation_email", found.fact("confirmation.eml"))
    made.note("proof", "email")
    made.finish(facts.get("outcome", "submitted"), "done")
    return made.directory


def letter(folder: Path, region: str | None = None, **options: Any) -> str:
    composed = compose(check_bundle(folder, None), "authority", TODAY, region=region, **options)
    return render(composed, "text")


def outside_quotations(text: str) -> str:
    """The letter without what may be in another language: quotations, addresses, names the
    data files give (companies, authorities, their addresses), file names, hashes, code."""
    names = [
        str(v)
        for table in ("controllers.toml", "authorities.toml")
        for group in _data(table).values()
        for entry in (group.values() if isinstance(group, dict) else ())
        for key, v in (entry.items() if isinstance(entry, dict) else ())
        if key in ("name", "agent")
    ]
    names += [
        line
        for table in ("controllers.toml", "authorities.toml")
        for group in _data(table).values()
        for entry in (group.values() if isinstance(group, dict) else ())
        if isinstance(entry, dict)
        for line in entry.get("address", ())
    ]
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = " ".join(text.split())  # a quotation may wrap across lines
    for pattern in (
        r"„[^“]*“",
        r"“[^”]*”",
        r"«[^»]*»",
        r"https?://\S+",
        r"\S+@\S+",
        r"`[^`]*`",
        r"--[a-z-]+",
        r"\S+\.(?:png|json|html|eml|jsonl)\b",
        r"\b[0-9a-f]{64}\b",
    ):
        text = re.sub(pattern, " ", text)
    return text


@pytest.mark.parametrize("locale", ["de", "ko"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_letter_names_controller_authority_deadline_and_attaches_the_email(
    tmp_path: Path, platform: str, locale: str
) -> None:
    folder = bundle(tmp_path, platform, locale)
    text = letter(folder, region="Berlin")
    one_line = " ".join(text.split())
    law = "pipa" if locale == "ko" else "gdpr"
    key = "facebook" if platform in ("instagram", "threads") else platform
    assert CONTROLLERS[(key, law)] in one_line
    english = sorted(
        {w for w in re.findall(r"[A-Za-z]+", outside_quotations(text)) if w.lower() in ENGLISH}
    )
    assert english == [], english
    assert "confirmation.eml" in one_line  # the platform's own email, as received
    manifest_day = date.fromisoformat(
        json.loads((folder / "manifest.json").read_text())["started_utc"][:10]
    )
    due = deadline(law, manifest_day)
    assert due is not None
    shown = f"{due:%d.%m.%Y}" if locale == "de" else f"{due.year}년 {due.month}월 {due.day}일"
    assert shown in one_line
    if locale == "ko":
        assert "개인정보보호위원회 개인정보침해 신고센터" in one_line and "118" in one_line
    else:
        assert "Berliner Beauftragte für Datenschutz und Informationsfreiheit" in one_line
        assert "Alt-Moabit 59–61" in one_line


@pytest.mark.parametrize(
    ("locale", "changed"),
    [
        ("de", "seit dem Lauf verändert (die SHA-256-Prüfsumme weicht ab)"),
        ("ko", "실행 후 바뀜 (SHA-256이 다름)"),
    ],
)
def test_a_letter_from_a_changed_bundle_names_its_problems_in_the_person_s_language(
    tmp_path: Path, locale: str, changed: str
) -> None:
    folder = bundle(tmp_path, "x", locale)
    for name in ("01-verify.png", "confirmation.eml"):  # one changed byte each
        data = bytearray((folder / name).read_bytes())
        data[-2] ^= 0x01
        (folder / name).write_bytes(bytes(data))
    (folder / "added.txt").write_text("later")
    text = letter(folder, region="Berlin")
    one_line = " ".join(text.split())
    assert f"01-verify.png: {changed}" in one_line and f"confirmation.eml: {changed}" in one_line
    assert "added.txt:" in one_line
    english = sorted(
        {w for w in re.findall(r"[A-Za-z]+", outside_quotations(text)) if w.lower() in ENGLISH}
    )
    assert english == [], english
    assert "SHA-256 differs" not in one_line and "not listed" not in one_line


def test_a_bavarian_resident_complains_to_the_baylda_not_the_bfdi(tmp_path: Path) -> None:
    folder = bundle(tmp_path, "x", "de", residence_region="Bayern")
    one_line = " ".join(letter(folder).split())
    assert "Bayerisches Landesamt für Datenschutzaufsicht (BayLDA)" in one_line
    assert "91522 Ansbach" in one_line and "BfDI" not in one_line


def test_the_tool_s_conclusion_is_its_own_and_only_the_platform_is_quoted(tmp_path: Path) -> None:
    one_line = " ".join(letter(bundle(tmp_path, "x", "de")).split())
    assert "After a reload" not in one_line  # the tool's English log line stays out
    assert "(seine eigene Feststellung, nicht der Wortlaut von X)" in one_line
    assert "die Einstellung „Grok“ als ausgeschaltet" in one_line


def test_a_letter_written_before_the_deadline_warns(tmp_path: Path) -> None:
    folder = bundle(tmp_path, "linkedin", "de")
    early = compose(check_bundle(folder, None), "authority", datetime.now().astimezone())
    assert early.banner and early.banner[0].startswith("[Hinweis:")
    assert not compose(check_bundle(folder, None), "authority", TODAY).banner


def test_one_month_ends_on_the_same_day_or_the_month_s_last() -> None:
    assert add_one_month(date(2026, 1, 31)) == date(2026, 2, 28)
    assert add_one_month(date(2026, 12, 15)) == date(2027, 1, 15)
    assert deadline("pipa", date(2026, 12, 27)) == date(2027, 1, 6)


def test_a_check_bundle_gets_no_letter_and_its_receipt_says_nothing_was_sent(
    tmp_path: Path,
) -> None:
    folder = bundle(tmp_path, "x", "en", mode="check", outcome="checked")
    done = optout_here("letter", str(folder), cwd=tmp_path)
    assert done.returncode == 2 and not done.stdout
    assert done.stderr.count("\n") == 1 and "sends nothing" in done.stderr
    receipt = (folder / "receipt.html").read_text(encoding="utf-8")
    assert "Nothing was sent" in receipt and "you exercised" not in receipt


def test_a_rerun_s_letter_carries_the_first_submission_s_facts(tmp_path: Path) -> None:
    ledger_path = tmp_path / "l.sqlite3"
    first = bundle(tmp_path / "ev", "x", "de")
    ledger = Ledger(ledger_path)
    run = ledger.start_run("x", "me", "live", first)
    sent = ledger.begin_submission(run, "x", "me", "live", None, None, {})
    ledger.mark_submission(sent, "sent")
    ledger.finish_run(run, "submitted", "done", sha256_file(first / "manifest.json"))
    ledger.close()
    rerun = bundle(tmp_path / "ev", "x", "de", outcome="already_done")
    done = optout_here("--ledger", str(ledger_path), "letter", str(rerun), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert str(first) in done.stderr  # says which bundle it wrote from
    assert sha256_file(first / "manifest.json") in done.stdout
    assert sha256_file(rerun / "manifest.json") not in done.stdout


def test_headed_without_a_display_fails_in_one_line(tmp_path: Path) -> None:
    no_display = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
    done = optout_here("--out", "ev", "--headed", "demo", "x", cwd=tmp_path, env=no_display)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "xvfb-run" in done.stderr and "desktop" in done.stderr
    assert not (tmp_path / "ev").exists()


def test_run_without_configuration_names_where_it_looked_and_runs_nothing(tmp_path: Path) -> None:
    done = optout_here("--out", "ev", "run", "--account", "me", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert str(tmp_path / "optout-bot.toml") in done.stderr and "optout-bot init" in done.stderr
    assert not (tmp_path / "ev").exists()  # no demo ran in its place
