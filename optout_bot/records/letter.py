"""``optout-bot letter``: a complaint or follow-up letter written from an evidence bundle.

The letter is in the person's language (the bundle's ``locale``), names the law the bundle
records (``jurisdiction``) and is addressed to the competent authority or to the platform. Its
facts come only from the bundle (dates, form address, what was submitted, the platform's
answer, the proof level, the manifest's SHA-256), after the bundle was verified; a bundle that
does not verify is said to in the letter. The person reviews and sends it: nothing is sent.
Every outside text is escaped in HTML (autoescape) and shown escaped in plain text; known
secrets are scrubbed before anything is composed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import jinja2

from optout_bot.errors import ConfigError
from optout_bot.records.evidence import (
    MANIFEST,
    OK_OUTCOMES,
    Problem,
    manifest_sha256,
    proof_text,
    read_manifest,
)
from optout_bot.records.locales import Law, Wording, law, wording
from optout_bot.records.mail import DnsLookup
from optout_bot.records.proof import Proof
from optout_bot.records.verification import verify
from optout_bot.scrub import scrub_data
from optout_bot.shown import printable

Recipient = Literal["authority", "platform"]
Format = Literal["text", "html"]
WIDTH = 78


@dataclass(frozen=True)
class Checked:
    """A bundle read for a letter: its manifest, the manifest's hash, what verifying found,
    and its proof level (a verified late email's addendum, else the ledger's, else the
    manifest's)."""

    directory: Path
    manifest: dict[str, Any]
    manifest_sha256: str
    problems: list[Problem]
    proof: str | None = None


@dataclass(frozen=True)
class Letter:
    locale: str
    to: list[str]
    sender: list[str]
    date: str
    subject: str
    greeting: str
    paragraphs: list[str]
    facts_heading: str
    facts: list[tuple[str, list[str]]]
    request: str
    evidence: str
    attachments: list[str]
    verification: str
    verified: bool
    closing: str
    signature: list[str]
    labels: dict[str, str] = field(default_factory=dict)


def check_bundle(
    directory: Path,
    ledger_path: Path | None,
    mail_domains: tuple[str, ...] | None = None,
    dns_lookup: DnsLookup | None = None,
) -> Checked:
    """Read and verify a bundle as ``optout-bot evidence verify`` does (hashes, addenda and
    their emails' DKIM signatures, the ledger's record, the chain link). The proof the
    letter states is only what verification shows: ``email`` only when a confirmation
    email's signature verified again and nothing else failed; a claim of ``email`` that does
    not verify is stated as ``page only``."""
    manifest, _files, problem = read_manifest(directory)
    if manifest is None:
        reason = problem or Problem(MANIFEST, "unreadable")
        raise ConfigError(f"{printable(directory)} is not an evidence bundle: {reason}")
    verified = verify(directory, ledger_path, mail_domains, dns_lookup)
    digest = manifest_sha256(directory) or ""
    recorded = manifest.get("proof")
    claimed = verified.ledger_proof or (recorded if isinstance(recorded, str) else None)
    if verified.email_verified:
        proof: str | None = Proof.EMAIL.value
    elif claimed == Proof.EMAIL.value:
        proof = Proof.PAGE_ONLY.value
    else:
        proof = claimed
    return Checked(directory, manifest, digest, verified.problems, proof)


def compose(bundle: Checked, to: Recipient, today: datetime, secrets: Iterable[str] = ()) -> Letter:
    """The letter's parts, in the bundle's language, from the bundle's facts only."""
    scrubbed = scrub_data(bundle.manifest, list(secrets))
    m: dict[str, Any] = scrubbed if isinstance(scrubbed, dict) else {}
    words = wording(_text(m.get("locale")) or None)
    platform = _text(m.get("platform")) or "?"
    applies = law(
        words,
        _text(m.get("jurisdiction")) or None,
        _text(m.get("jurisdiction_country")) or None,
        platform=platform,
    )
    started = _moment(m.get("started_utc"))
    when = {
        "date": words.date(started) if started else "?",
        "time": started.strftime("%H:%M") if started else "?",
    }
    outcome = _text(m.get("outcome"))
    common = {
        "platform": platform,
        "right": applies.own_right,
        "law": applies.short or applies.name,
        "complaint_basis": applies.complaint_basis,
        **when,
        "description": _text(m.get("description")),
        "form_url": _text(m.get("form_url")),
        "outcome": words.first([f"outcome.{outcome}"]) or outcome or "?",
        "message": _text(m.get("message")),
    }
    paragraphs = [
        words.text(f"letter.{to}_intro", **common),
        words.text("letter.done" if outcome in OK_OUTCOMES else "letter.not_done", **common),
    ]
    answer = _text(m.get("confirmation"))
    if answer:
        paragraphs.append(words.text("letter.answer", answer=answer))
    submitted = m.get("submitted")
    email = _text(submitted.get("email")) if isinstance(submitted, dict) else ""
    shots = sorted(name for name in _files(m) if name.endswith(".png"))
    return Letter(
        locale=words.locale,
        to=_addressee(words, applies, to, platform, _text(m.get("form_url"))),
        sender=[
            words.text("letter.sender"),
            *([words.text("letter.account", email=email)] if email else []),
        ],
        date=words.date(today),
        subject=words.text(f"letter.{to}_subject", **common),
        greeting=words.text("letter.greeting"),
        paragraphs=paragraphs,
        facts_heading=words.text("letter.facts_heading"),
        facts=_facts(words, m, bundle, submitted),
        request=applies.authority_request if to == "authority" else applies.platform_request,
        evidence=words.text("letter.evidence"),
        attachments=[
            words.text("letter.attach_receipt"),
            words.text("letter.attach_manifest", sha256=bundle.manifest_sha256),
            *([words.text("letter.attach_shots", files=", ".join(shots))] if shots else []),
        ],
        verification=(
            words.text("letter.verified")
            if not bundle.problems
            else words.text(
                "letter.not_verified", problems="; ".join(str(p) for p in bundle.problems)
            )
        ),
        verified=not bundle.problems,
        closing=words.text("letter.closing"),
        signature=[words.text("letter.signature")],
        labels={k: words.text(f"letter.{k}") for k in ("to", "from", "date", "subject")},
    )


def _addressee(
    words: Wording, applies: Law, to: Recipient, platform: str, form_url: str
) -> list[str]:
    if to == "platform":
        return [
            words.text("letter.platform_to", platform=platform),
            *([form_url] if form_url else []),
        ]
    return [applies.addressee, *([applies.contact] if applies.contact else []), *applies.links]


def _facts(
    words: Wording, m: dict[str, Any], bundle: Checked, submitted: object
) -> list[tuple[str, list[str]]]:
    none = words.text("letter.none_recorded")
    description = _text(m.get("description"))
    platform = _text(m.get("platform"))
    span = " – ".join(t for t in (_text(m.get("started_utc")), _text(m.get("ended_utc"))) if t)
    sent = (
        [f"{_text(k)}: {_text(v)}" for k, v in submitted.items()]
        if isinstance(submitted, dict) and submitted
        else [none]
    )
    proof = proof_text(words, bundle.proof) or words.text("proof.unknown")
    outcome = _text(m.get("outcome"))
    return [
        (
            words.text("letter.fact_platform"),
            [f"{platform} — {description}" if description else platform],
        ),
        (words.text("letter.fact_when"), [span or none]),
        (words.text("letter.fact_form"), [_text(m.get("form_url")) or none]),
        (words.text("letter.fact_submitted"), sent),
        (words.text("letter.fact_answer"), [_text(m.get("confirmation")) or none]),
        (words.text("letter.fact_proof"), [proof]),
        (
            words.text("letter.fact_outcome"),
            [words.first([f"outcome.{outcome}"]) or outcome or none],
        ),
        (words.text("letter.fact_hash"), [bundle.manifest_sha256]),
    ]


def _files(m: dict[str, Any]) -> list[str]:
    files = m.get("files")
    return [_text(name) for name in files] if isinstance(files, dict) else []


def _text(value: object) -> str:
    """Outside text as one printable line: line breaks become spaces, control characters
    escapes (a terminal or mail client never acts on them)."""
    if value is None or isinstance(value, dict | list):
        return ""
    return printable(" ".join(str(value).split()))


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("optout_bot.records", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(letter: Letter, form: Format) -> str:
    """The letter as plain text (wrapped for a mail) or as one HTML page."""
    if form == "html":
        return _templates.get_template("letter.html").render(letter=letter)
    return render_text(letter)


def render_text(letter: Letter) -> str:
    label_width = max(_columns(v) for v in letter.labels.values()) + 2
    lines: list[str] = []

    def block(label: str, values: Sequence[str]) -> None:
        for index, value in enumerate(values):
            head = f"{label}:" if index == 0 else ""
            lines.append(head + " " * (label_width - _columns(head)) + value)

    block(letter.labels["to"], letter.to)
    block(letter.labels["from"], letter.sender)
    block(letter.labels["date"], [letter.date])
    block(letter.labels["subject"], [letter.subject])
    lines += ["", letter.greeting, ""]
    for paragraph in letter.paragraphs:
        lines += [_wrap(paragraph), ""]
    lines += [letter.facts_heading]
    for label, values in letter.facts:
        if len(values) == 1:
            lines.append(_wrap(f"- {label}: {values[0]}", indent="  "))
        else:
            lines.append(f"- {label}:")
            lines += [_wrap(value, indent="    ", first="  ") for value in values]
    lines += ["", _wrap(letter.request), "", _wrap(letter.evidence)]
    lines += [_wrap(f"- {item}", indent="  ") for item in letter.attachments]
    lines += ["", _wrap(letter.verification), "", letter.closing, "", *letter.signature]
    return "\n".join(lines) + "\n"


def _wrap(text: str, indent: str = "", first: str = "") -> str:
    """``text`` in lines of at most WIDTH columns, as a terminal or mail client shows them
    (Hangul and other wide characters take two); a word longer than a line (an address, a
    hash) keeps its own line whole."""
    lines: list[str] = []
    current = first
    for word in text.split(" "):
        candidate = f"{current} {word}" if current.strip() else current + word
        if current.strip() and _columns(candidate) > WIDTH:
            lines.append(current)
            current = indent + word
        else:
            current = candidate
    return "\n".join([*lines, current])


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
