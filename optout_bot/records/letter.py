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
from optout_bot.records.bundle_files import Problem
from optout_bot.records.evidence import (
    MANIFEST,
    OK_OUTCOMES,
    manifest_sha256,
    proof_text,
    read_manifest,
)
from optout_bot.records.jurisdiction import (
    Party,
    authority,
    controller,
    deadline,
    platform_name,
    regions,
)
from optout_bot.records.ledger import Ledger
from optout_bot.records.locales import Law, Wording, law, wording
from optout_bot.records.mail import DnsLookup
from optout_bot.records.proof import Proof, addendum_files
from optout_bot.records.said import as_text as _text
from optout_bot.records.said import field_name, field_value, shown_by_platform
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
    banner: list[str]
    to: list[str]
    sender: list[str]
    date: str
    subject: str
    greeting: str
    paragraphs: list[str]
    allegations_heading: str
    allegations: list[str]
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
        reason = problem or Problem(MANIFEST, "unreadable", "unreadable")
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


class LetterRefused(ConfigError):
    """A bundle no letter may be written from (a check, demo or replica run), in one line."""


NOT_REAL_MODES = ("demo", "replica")


def refuse_unless_real(manifest: dict[str, Any], practice: bool) -> None:
    """A check sends nothing and a demo or replica run reaches no platform: a letter from
    them would allege what never happened. ``--practice`` writes one marked as such."""
    mode, outcome = _text(manifest.get("mode")), _text(manifest.get("outcome"))
    if mode == "check" or outcome in ("checked", "check_failed"):
        raise LetterRefused(
            "this bundle is from `optout-bot check`, which sends nothing: there is no objection "
            "to write a letter about"
        )
    if mode in NOT_REAL_MODES and not practice:
        raise LetterRefused(
            f"this bundle is from a {mode} run against a local replica: nothing reached the "
            "platform, so no letter is written (--practice writes one marked as practice)"
        )


def submission_bundle(directory: Path, ledger_path: Path | None) -> Path | None:
    """For an "already on record" bundle: the bundle of the submission on record (through the
    ledger, else the newest earlier bundle of the account that ended ``submitted``); None when
    ``directory`` is not such a bundle. Raises when the submission's bundle cannot be found."""
    manifest, _files, _problem = read_manifest(directory)
    if manifest is None or _text(manifest.get("outcome")) != "already_done":
        return None
    platform, account = _text(manifest.get("platform")), str(manifest.get("account") or "")
    mode = _text(manifest.get("mode")) or "live"
    if ledger_path is not None and ledger_path.is_file():
        ledger = Ledger(ledger_path)
        try:
            record = ledger.on_record(platform, account, mode)
            rows = ledger.runs(platform, limit=1_000_000)
        finally:
            ledger.close()
        if record is not None:
            row = next((r for r in rows if r.id == record["run_id"]), None)
            if row is not None and row.evidence_dir and Path(row.evidence_dir).is_dir():
                return Path(row.evidence_dir)
    for sibling in sorted(directory.resolve().parent.iterdir(), reverse=True):
        if sibling.name >= directory.resolve().name or not sibling.is_dir():
            continue
        earlier, _f, _p = read_manifest(sibling)
        if earlier is not None and _text(earlier.get("outcome")) == "submitted":
            return sibling
    raise LetterRefused(
        "this bundle only records that the objection was already on record; the bundle of the "
        "submission itself was not found (neither through the ledger nor beside this one): "
        "pass that bundle to `optout-bot letter`"
    )


def compose(
    bundle: Checked,
    to: Recipient,
    today: datetime,
    secrets: Iterable[str] = (),
    *,
    region: str | None = None,
    practice: bool = False,
) -> Letter:
    """The letter's parts, in the bundle's language, from the bundle's facts only; the
    controller, the authority and the deadline from the data files with sources."""
    scrubbed = scrub_data(bundle.manifest, list(secrets))
    m: dict[str, Any] = scrubbed if isinstance(scrubbed, dict) else {}
    refuse_unless_real(m, practice)
    words = wording(_text(m.get("locale")) or None)
    platform_key = _text(m.get("platform")) or "?"
    platform = platform_name(platform_key)
    jurisdiction = _text(m.get("jurisdiction")) or None
    country = _text(m.get("jurisdiction_country")) or None
    applies = law(words, jurisdiction, country, platform=platform)
    owner = controller(platform_key, applies.jurisdiction)
    competent = authority(
        applies.jurisdiction, country, region or _text(m.get("residence_region")) or None
    )
    started = _moment(m.get("started_utc"))
    due = deadline(applies.jurisdiction, started.date()) if started else None
    when = {
        "date": words.date(started) if started else "?",
        "time": started.strftime("%H:%M") if started else "?",
    }
    outcome = _text(m.get("outcome"))
    common = {
        "platform": platform,
        "controller": owner.name if owner else platform,
        "right": applies.own_right,
        "law": applies.short or applies.name,
        "complaint_basis": applies.complaint_basis,
        **when,
        "form_url": _text(m.get("form_url")),
        "outcome": words.first([f"outcome.{outcome}"]) or outcome or "?",
        "due": words.date(due) if due else "?",
        "deadline_basis": applies.deadline_basis,
        "mode": words.first([f"mode.{_text(m.get('mode'))}"]) or _text(m.get("mode")),
    }
    paragraphs = [
        words.text(f"letter.{to}_intro", **common),
        words.text("letter.done" if outcome in OK_OUTCOMES else "letter.not_done", **common),
        *shown_by_platform(words, m, platform),
    ]
    if due and applies.deadline_basis:
        paragraphs.append(words.text("letter.deadline", **common))
    banner = []
    if _text(m.get("mode")) in NOT_REAL_MODES:
        banner.append(words.text("letter.practice", **common))
    if due and today.date() <= due:
        banner.append(words.text("letter.too_early", **common))
    submitted = m.get("submitted")
    email = _text(submitted.get("email")) if isinstance(submitted, dict) else ""
    return Letter(
        locale=words.locale,
        banner=banner,
        to=(
            _authority_lines(words, applies, competent, country)
            if to == "authority"
            else _controller_lines(words, owner, platform)
        ),
        sender=[
            words.text("letter.sender"),
            *([words.text("letter.account", email=email)] if email else []),
        ],
        date=words.date(today),
        subject=words.text(f"letter.{to}_subject", **common),
        greeting=words.text("letter.greeting"),
        paragraphs=paragraphs,
        allegations_heading=words.text("letter.allegations_heading") if to == "authority" else "",
        allegations=(
            [
                *([words.text("letter.allege_no_answer", **common)] if due else []),
                words.text("letter.allege_continued", **common),
                words.text("letter.allege_refused", **common),
                words.text("letter.allege_other", **common),
            ]
            if to == "authority"
            else []
        ),
        facts_heading=words.text("letter.facts_heading"),
        facts=_facts(words, m, bundle, submitted, platform, owner),
        request=(applies.authority_request if to == "authority" else applies.platform_request),
        evidence=words.text("letter.evidence"),
        attachments=_attachments(words, m, bundle),
        verification=(
            words.text("letter.verified")
            if not bundle.problems
            else words.text(
                "letter.not_verified",
                problems="; ".join(problem_text(words, p) for p in bundle.problems),
            )
        ),
        verified=not bundle.problems,
        closing=words.text("letter.closing"),
        signature=[words.text("letter.signature")],
        labels={k: words.text(f"letter.{k}") for k in ("to", "from", "date", "subject")},
    )


def problem_text(words: Wording, problem: Problem) -> str:
    """One verification problem in the letter's language: the file, then its kind
    (``problem.<key>``); the English details stay with ``evidence verify``."""
    key = f"problem.{problem.key}"
    return f"{printable(problem.file)}: {words.text(key if words.has(key) else 'problem.other')}"


def _authority_lines(
    words: Wording, applies: Law, competent: Party | None, country: str | None
) -> list[str]:
    if competent is None:
        if applies.jurisdiction == "gdpr" and country == "DE":
            return [words.text("letter.choose_state", states=", ".join(regions("DE")))]
        return [applies.addressee, *([applies.contact] if applies.contact else []), *applies.links]
    return _party_lines(words, competent)


def _controller_lines(words: Wording, owner: Party | None, platform: str) -> list[str]:
    if owner is None:
        return [words.text("letter.platform_to", platform=platform)]
    lines = [words.text("letter.controller_to", controller=owner.name, platform=platform)]
    lines += _party_lines(words, owner)[1:]
    if owner.agent or not owner.agent_confirmed:
        agent = (
            owner.agent
            if owner.agent_confirmed and owner.agent
            else words.text("letter.agent_unknown")
        )
        lines.append(words.text("letter.agent", agent=agent))
    return lines


def _party_lines(words: Wording, party: Party) -> list[str]:
    address = list(party.address)
    if not party.address_confirmed:
        address = [f"[{line}]" for line in address] + [words.text("letter.check_address")]
    elif not address:
        address = [words.text("letter.address_unknown")]
    return [
        party.name,
        *address,
        *([party.website] if party.website else []),
        *([words.text("letter.phone", phone=party.phone)] if party.phone else []),
    ]


def _attachments(words: Wording, m: dict[str, Any], bundle: Checked) -> list[str]:
    """Every file of the bundle that proves something: the receipt, the manifest, the
    screenshots, and the platform's confirmation email as received (``.eml``)."""
    names = set(_files(m)) | set(addendum_files(bundle.directory))
    shots = sorted(name for name in names if name.endswith(".png"))
    mails = sorted(name for name in names if name.endswith(".eml"))
    return [
        words.text("letter.attach_receipt"),
        words.text("letter.attach_manifest", sha256=bundle.manifest_sha256),
        *([words.text("letter.attach_shots", files=", ".join(shots))] if shots else []),
        *(words.text("letter.attach_email", file=name) for name in mails),
    ]


def _facts(
    words: Wording,
    m: dict[str, Any],
    bundle: Checked,
    submitted: object,
    platform: str,
    owner: Party | None,
) -> list[tuple[str, list[str]]]:
    none = words.text("letter.none_recorded")
    span = " – ".join(t for t in (_text(m.get("started_utc")), _text(m.get("ended_utc"))) if t)
    sent = (
        [
            f"{field_name(words, _text(k))}: {field_value(words, _text(v))}"
            for k, v in submitted.items()
        ]
        if isinstance(submitted, dict) and submitted
        else [none]
    )
    proof = proof_text(words, bundle.proof) or words.text("proof.unknown")
    outcome = _text(m.get("outcome"))
    shown = shown_by_platform(words, m, platform)
    return [
        (words.text("letter.fact_platform"), [platform]),
        *([(words.text("letter.fact_controller"), [owner.name])] if owner else []),
        (words.text("letter.fact_when"), [span or none]),
        (words.text("letter.fact_form"), [_text(m.get("form_url")) or none]),
        (words.text("letter.fact_submitted"), sent),
        (words.text(_answer_key(m, "letter.fact")), shown or [none]),
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
    lines: list[str] = [*(_wrap(line) for line in letter.banner)]
    if letter.banner:
        lines.append("")

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
    if letter.allegations:
        lines += [_wrap(letter.allegations_heading)]
        lines += [_wrap(item, indent="    ") for item in letter.allegations]
        lines.append("")
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


def _answer_key(m: dict[str, Any], prefix: str) -> str:
    """``…_finding`` where what follows is the tool's own finding, ``…_answer`` where it is
    the platform's words: a document never heads the tool's sentence "the platform's answer"."""
    return f"{prefix}_finding" if isinstance(m.get("conclusion"), dict) else f"{prefix}_answer"
