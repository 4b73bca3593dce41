"""Evidence bundles: what a person shows a regulator to prove when and what they objected.

``<out>/<platform>/<account>/<UTC timestamp>/`` holds a PNG per step, ``manifest.json`` (every
fact and the SHA-256 of every file) and ``receipt.html``. Every file is written under a
temporary name and renamed, and the manifest is rewritten after each step, so a crash leaves a
readable bundle of what happened so far.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import jinja2

from optout_bot.account_names import folder_name
from optout_bot.files import FOLDER_MODE, open_private, private_dir
from optout_bot.log import redactor
from optout_bot.records.bundle_files import (
    MAX_MANIFEST_BYTES,
    NotReadable,
    Problem,
    is_bundle_file_name,
    kind,
    read_regular,
    sha256_regular,
)
from optout_bot.records.jurisdiction import controller
from optout_bot.records.locales import REFERENCE_LOCALE, Wording, law, wording
from optout_bot.records.mail import DnsLookup
from optout_bot.scrub import scrub_data

MANIFEST = "manifest.json"
RECEIPT = "receipt.html"
TOOL = "optout-bot"
OK_OUTCOMES = ("submitted", "already_done")
"""Outcomes after which the objection is on record (as ``Outcome.ok`` says)."""


def tool_version() -> str:
    try:
        return version(TOOL)
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary name (mode 0600), flush to disk, then rename: never a half-written
    file, never one other users can read, whatever the umask."""
    temporary = path.with_name(f".{path.name}.partial")
    temporary.unlink(missing_ok=True)
    with os.fdopen(open_private(temporary, os.O_WRONLY | os.O_EXCL), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "account"


@dataclass
class StepRecord:
    name: str
    started_utc: str
    ended_utc: str | None = None
    url: str | None = None
    status: str = "running"
    attempt: int = 1
    screenshot: str | None = None
    error: str | None = None


@dataclass
class EvidenceBundle:
    """One run's evidence folder, filled step by step by the engine."""

    directory: Path
    facts: dict[str, Any]
    steps: list[StepRecord] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(
        cls, root: Path, platform: str, account: str, facts: dict[str, Any]
    ) -> EvidenceBundle:
        started = utc_now()
        base = root.resolve() / safe_name(platform) / folder_name(account)
        stamp = started.strftime("%Y%m%dT%H%M%S.%fZ")[:-4] + "Z"
        directory = base / stamp
        private_dir(base)
        os.mkdir(directory, FOLDER_MODE)
        os.chmod(directory, FOLDER_MODE)
        local = started.astimezone()
        facts = {
            "tool": TOOL,
            "tool_version": tool_version(),
            "platform": platform,
            "account": account,
            "started_utc": iso(started),
            "started_local": local.isoformat(timespec="seconds"),
            **facts,
        }
        bundle = cls(directory=directory, facts=facts)
        bundle.write_manifest()
        return bundle

    def begin_step(self, name: str, attempt: int = 1) -> StepRecord:
        """Record the step as running at once, so a bundle cut off by a crash says where."""
        record = StepRecord(name=name, started_utc=iso(utc_now()), attempt=attempt)
        self.steps.append(record)
        self.write_manifest()
        return record

    def end_step(
        self,
        record: StepRecord,
        *,
        status: str,
        url: str | None,
        screenshot: bytes | None,
        error: str | None = None,
        same_screenshot_as: str | None = None,
    ) -> None:
        """``same_screenshot_as``: the page has not changed since that earlier file was
        taken, so the step names it instead of a new, identical file."""
        record.ended_utc = iso(utc_now())
        record.status = status
        record.url = url
        record.error = error
        written = None
        if screenshot is not None:
            suffix = f"-retry{record.attempt}" if record.attempt > 1 else ""
            written = f"{len(self.steps):02d}-{record.name}{suffix}.png"
            self.add_file(written, screenshot)
            record.screenshot = written
        elif same_screenshot_as in self.files:
            record.screenshot = same_screenshot_as
        try:
            self.write_manifest()
        except OSError:  # (disk full) no file may lie in the folder that the manifest omits
            if written is not None:
                self.files.pop(written, None)
                (self.directory / written).unlink(missing_ok=True)
            record.screenshot = None
            raise

    def add_file(self, name: str, data: bytes) -> None:
        path = self.directory / name
        write_atomically(path, data)
        self.files[name] = hashlib.sha256(data).hexdigest()

    def note(self, key: str, value: Any) -> None:
        self.facts[key] = value

    def manifest(self) -> dict[str, Any]:
        """What the manifest and receipt say: no secret in any address or text (a page that
        sent the password by GET put it in its address)."""
        facts = scrub_data(
            {**self.facts, "steps": [asdict(s) for s in self.steps]}, redactor.secrets()
        )
        assert isinstance(facts, dict)
        return {**facts, "files": dict(sorted(self.files.items()))}

    def write_manifest(self) -> str:
        """Write ``manifest.json``; returns its SHA-256 (kept in the ledger)."""
        data = json.dumps(self.manifest(), indent=2, ensure_ascii=False).encode("utf-8")
        write_atomically(self.directory / MANIFEST, data + b"\n")
        return hashlib.sha256(data + b"\n").hexdigest()

    def finish(self, outcome: str, message: str) -> str:
        """Record the outcome, write the receipt, then the final manifest; returns its hash."""
        ended = utc_now()
        self.facts.update(
            outcome=outcome,
            message=message,
            ended_utc=iso(ended),
            ended_local=ended.astimezone().isoformat(timespec="seconds"),
        )
        self.add_file(RECEIPT, render_receipt(self.manifest()).encode("utf-8"))
        return self.write_manifest()


_receipts = jinja2.Environment(
    loader=jinja2.PackageLoader("optout_bot.records", "templates"), autoescape=True
)


def render_receipt(manifest: dict[str, Any]) -> str:
    """The one-page human-readable receipt in the account's language: what a person reads,
    never an internal key (step names, states and fields in their language; the platform's
    own words quoted as such; the tool's finding as its own sentence), the controller of the
    account's data (an address no source confirmed in [brackets]), each thumbnail a link to
    its PNG, printing on one A4 page."""
    from optout_bot.records.jurisdiction import platform_name
    from optout_bot.records.said import field_name, field_value, shown_by_platform

    words = wording(manifest.get("locale"))
    platform = platform_name(str(manifest.get("platform") or ""))
    steps = [s for s in manifest.get("steps") or [] if isinstance(s, dict)]
    outcome = str(manifest.get("outcome") or "")
    submitted = manifest.get("submitted")
    applies = law(
        words, manifest.get("jurisdiction"), manifest.get("jurisdiction_country"), platform=platform
    )
    return _receipts.get_template("receipt.html").render(
        m=manifest,
        w=words,
        platform=platform,
        via=platform_name(str(manifest.get("via") or "")),
        steps=[_step_line(words, s) for s in steps],
        shots=_key_shots(words, steps),
        submitted=[
            (field_name(words, str(k)), field_value(words, str(v)))
            for k, v in (submitted.items() if isinstance(submitted, dict) else ())
            if not isinstance(v, dict | list)
        ],
        answer=shown_by_platform(words, manifest, platform),
        english=words.locale == REFERENCE_LOCALE,
        law=applies,
        controller=controller(str(manifest.get("platform") or ""), applies.jurisdiction),
        ok=outcome in OK_OUTCOMES,
        outcome=words.first([f"outcome.{outcome}"]) or outcome,
        mode=words.first([f"mode.{manifest.get('mode')}"]) or manifest.get("mode"),
        proof=proof_text(words, manifest.get("proof")),
    )


def _step_name(words: Wording, name: str) -> str:
    """A step as the person's language names it; a flow's own step without a translation
    reads as words, never as an identifier."""
    return words.first([f"step.{name}"]) or name.replace("_", " ")


def _step_line(words: Wording, step: dict[str, Any]) -> dict[str, Any]:
    status = str(step.get("status") or "")
    return {
        "name": _step_name(words, str(step.get("name") or "")),
        "attempt": step.get("attempt") if isinstance(step.get("attempt"), int) else 1,
        "time": _time_of_day(step.get("started_utc")),
        "status": words.first([f"status.{status}"]) or status.replace("_", " "),
    }


def _time_of_day(moment: object) -> str:
    """``10:34:28`` of ``2026-12-07T10:34:28.623Z`` (the run's date and zone head the receipt;
    the manifest keeps every full timestamp)."""
    text = str(moment or "")
    found = re.search(r"T(\d\d:\d\d:\d\d)", text)
    return found.group(1) if found else text


def _key_shots(words: Wording, steps: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The screenshots worth a thumbnail: each file once, named by the step that took it (a
    step that left the page as it was shares the previous step's file), the last four."""
    by_file: dict[str, dict[str, str]] = {}
    for step in steps:
        shot = step.get("screenshot")
        if isinstance(shot, str) and is_bundle_file_name(shot) and shot not in by_file:
            by_file[shot] = {
                "file": shot,
                "name": _step_name(words, str(step.get("name") or "")),
                "ended_utc": str(step.get("ended_utc") or ""),
                "url": str(step.get("url") or ""),
            }
    return list(by_file.values())[-4:]


def proof_text(words: Wording, proof: object) -> str | None:
    """The proof level (``email``, ``reread``, ``page only``; see ``records/proof.py``) as
    the receipt's language explains it; None when the run recorded none."""
    if not isinstance(proof, str) or not proof:
        return None
    return words.first([f"proof.{proof}"]) or proof


def read_manifest(
    directory: Path,
) -> tuple[dict[str, Any] | None, dict[str, str] | None, Problem | None]:
    """(manifest, files) of a bundle, or the one problem that stops reading it. Only a
    regular file is read (never a link, a FIFO or a device), and only up to a size limit."""
    try:
        raw = read_regular(directory / MANIFEST, MAX_MANIFEST_BYTES)
    except NotReadable as error:
        return None, None, Problem(MANIFEST, str(error), error.key)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:
        return None, None, Problem(MANIFEST, f"unreadable ({type(error).__name__})", "manifest_bad")
    if not isinstance(manifest, dict):
        return None, None, Problem(MANIFEST, "unreadable: not a JSON object", "manifest_bad")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        return (
            manifest,
            None,
            Problem(
                MANIFEST, "'files' is not a mapping of file names to SHA-256 hashes", "manifest_bad"
            ),
        )
    return manifest, files, None


def manifest_sha256(directory: Path) -> str | None:
    """The SHA-256 of the bundle's manifest when it is a regular file; else None."""
    try:
        return sha256_regular(directory / MANIFEST)
    except NotReadable:
        return None


def verify_bundle(
    directory: Path,
    expected_manifest_sha256: str | None = None,
    *,
    recorded_addenda: set[str] | None = None,
    mail_domains: tuple[str, ...] | None = None,
    dns_lookup: DnsLookup | None = None,
) -> list[Problem]:
    """Recompute every hash in the manifest; each missing, changed or unlisted file (hidden
    ones and folders too) is a problem, and so is a listed name outside the bundle, which is
    never read. ``expected_manifest_sha256`` (from the ledger) also catches an edited
    manifest. Addenda (``optout-bot mail``) count only when bound to this manifest, recorded
    in the ledger (``recorded_addenda``, when there is one) and their email's DKIM signature
    checks out again (see :mod:`optout_bot.records.addenda`). Only regular files are read."""
    return check_bundle_files(
        directory,
        expected_manifest_sha256,
        recorded_addenda=recorded_addenda,
        mail_domains=mail_domains,
        dns_lookup=dns_lookup,
    ).problems


@dataclass(frozen=True)
class BundleCheck:
    problems: list[Problem]
    email_verified: bool  # a confirmation email's signature verified again, now


def check_bundle_files(
    directory: Path,
    expected_manifest_sha256: str | None = None,
    *,
    recorded_addenda: set[str] | None = None,
    mail_domains: tuple[str, ...] | None = None,
    dns_lookup: DnsLookup | None = None,
) -> BundleCheck:
    """:func:`verify_bundle`, also saying whether a confirmation email verified."""
    from optout_bot.records.addenda import check_addenda, check_run_emails

    manifest, files, problem = read_manifest(directory)
    if problem is not None or files is None or manifest is None:
        return BundleCheck([problem or Problem(MANIFEST, "unreadable", "unreadable")], False)
    digest = manifest_sha256(directory)
    problems: list[Problem] = []
    if expected_manifest_sha256 and digest != expected_manifest_sha256:
        problems.append(
            Problem(
                MANIFEST, "changed since the run (hash differs from the ledger)", "manifest_changed"
            )
        )
    listed: set[str] = set()
    for name, expected in sorted(files.items()):
        if not is_bundle_file_name(name):
            problems.append(
                Problem(name, "refused: not a file name inside the bundle (not read)", "refused")
            )
            continue
        listed.add(name)
        try:
            actual = sha256_regular(directory / name)
        except NotReadable as error:
            problems.append(Problem(name, str(error), error.key))
            continue
        if actual != expected:
            problems.append(Problem(name, "changed (SHA-256 differs)", "changed"))
    run_emails = check_run_emails(directory, manifest, listed, mail_domains, dns_lookup)
    addenda = check_addenda(directory, digest, recorded_addenda, mail_domains, dns_lookup)
    problems += run_emails.problems + addenda.problems
    listed |= addenda.listed
    for path in sorted(directory.iterdir()):
        if path.name == MANIFEST or path.name in listed:
            continue
        what = kind(path)
        if what == "a folder, not a file":
            problems.append(
                Problem(path.name + "/", "a folder not listed in the manifest", "added")
            )
        elif what is not None:
            problems.append(Problem(path.name, f"not listed in the manifest: {what}", "added"))
        elif path.name.startswith(".") and path.name.endswith(".partial"):
            problems.append(
                Problem(
                    path.name,
                    "not listed in the manifest (a write a crash cut off leaves such a file)",
                    "added",
                )
            )
        else:
            problems.append(Problem(path.name, "not listed in the manifest", "added"))
    verified = (run_emails.email_verified or addenda.email_verified) and not problems
    return BundleCheck(problems, verified)
