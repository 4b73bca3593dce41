"""Checking what was added to a bundle after its run, and every confirmation email in it.

``optout-bot mail`` adds a confirmation email that came late as two files beside the manifest:
the email and an addendum naming it. Anyone can write such files by hand, so an addendum counts
only when it is bound to this bundle (it names the manifest's SHA-256), lists nothing but its
own email, is recorded in the ledger (when the ledger knows the run) and its email's DKIM
signature verifies again, now, against the key recorded when it was collected and from the
platform's domain. The same re-check is made for the email a run kept itself: a proof is what
verification shows, never what a file claims.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optout_bot.records.bundle_files import (
    MAX_ADDENDUM_BYTES,
    MAX_EMAIL_BYTES,
    NotReadable,
    Problem,
    is_bundle_file_name,
    read_regular,
)
from optout_bot.records.mail import DnsLookup, MailPattern, verify_dkim

ADDENDUM_PREFIX = "addendum-"
EMAIL_SUFFIX = "-confirmation-email.eml"


@dataclass
class AddendaCheck:
    listed: set[str] = field(default_factory=set)  # files that are rightly in the bundle
    problems: list[Problem] = field(default_factory=list)
    email_verified: bool = False


def addendum_names(directory: Path) -> list[str]:
    """Names of the addenda in the bundle folder (whatever kind of entry each is)."""
    return sorted(
        p.name
        for p in directory.iterdir()
        if p.name.startswith(ADDENDUM_PREFIX) and p.name.endswith(".json")
    )


def check_addenda(
    directory: Path,
    manifest_sha256: str | None,
    recorded: set[str] | None,
    domains: tuple[str, ...] | None,
    dns_lookup: DnsLookup | None = None,
) -> AddendaCheck:
    """Each addendum in ``directory`` checked; ``recorded``: the SHA-256s the ledger has for
    the run (None: the ledger does not know the run)."""
    result = AddendaCheck()
    for name in addendum_names(directory):
        try:
            data = read_regular(directory / name, MAX_ADDENDUM_BYTES)
        except NotReadable as error:
            result.problems.append(Problem(name, str(error), error.key))
            continue
        result.listed.add(name)
        why = _addendum_problem(data, manifest_sha256, recorded)
        if why is not None:
            result.problems.append(Problem(name, why, "addendum_bad"))
            continue
        addendum = json.loads(data.decode("utf-8"))
        fact = addendum["email"]
        email_name = str(fact["file"])
        result.listed.add(email_name)
        checked = _recheck(directory, email_name, fact, domains, dns_lookup)
        if checked.problem is not None:
            result.problems.append(Problem(email_name, checked.problem, checked.problem_key))
        elif addendum.get("proof") == "email" and not checked.verified:
            result.problems.append(
                Problem(
                    name, f"claims a verified email, but {checked.reason}", "email_not_verified"
                )
            )
        result.email_verified |= checked.verified
    return result


def _addendum_problem(
    data: bytes, manifest_sha256: str | None, recorded: set[str] | None
) -> str | None:
    try:
        addendum = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return "unreadable (not JSON)"
    if not isinstance(addendum, dict):
        return "unreadable: not a JSON object"
    if manifest_sha256 is None or addendum.get("manifest_sha256") != manifest_sha256:
        return "not bound to this bundle (names another manifest)"
    if recorded is not None and hashlib.sha256(data).hexdigest() not in recorded:
        return "not recorded in the ledger (not written by `optout-bot mail`)"
    fact, files = addendum.get("email"), addendum.get("files")
    if not isinstance(fact, dict):
        return "names no email of its own"
    email_name = fact.get("file")
    if (
        not isinstance(email_name, str)
        or not is_bundle_file_name(email_name)
        or not email_name.startswith(ADDENDUM_PREFIX)
        or not email_name.endswith(EMAIL_SUFFIX)
    ):
        return "names no email of its own"
    if not isinstance(files, dict) or set(files) != {email_name}:
        return "lists other files than its email (refused)"
    if files[email_name] != fact.get("sha256"):
        return "its email's hash is said twice, differently"
    return None


@dataclass(frozen=True)
class Rechecked:
    verified: bool
    reason: str
    problem: str | None = None  # the file itself is wrong (missing, changed, not a file)
    problem_key: str = "other"  # its kind (see Problem)


def _recheck(
    directory: Path,
    name: str,
    fact: Mapping[str, Any],
    domains: tuple[str, ...] | None,
    dns_lookup: DnsLookup | None,
) -> Rechecked:
    """The email ``name`` against its recorded hash, then its DKIM signature again."""
    try:
        raw = read_regular(directory / name, MAX_EMAIL_BYTES)
    except NotReadable as error:
        return Rechecked(False, str(error), str(error), error.key)
    if hashlib.sha256(raw).hexdigest() != fact.get("sha256"):
        return Rechecked(False, "changed", "changed (SHA-256 differs)", "changed")
    dkim = fact.get("dkim") if isinstance(fact.get("dkim"), dict) else {}
    assert isinstance(dkim, dict)
    key = dkim.get("public_key")
    if not domains:
        signer = dkim.get("domain")
        domains = (str(signer),) if signer else ()
    if not domains:
        return Rechecked(False, "the platform's mail domain is unknown")
    lookup = dns_lookup or _recorded(key)
    result = verify_dkim(raw, MailPattern(domains=domains), lookup)
    return Rechecked(result.verified, f"its signature does not verify: {result.reason}")


def _recorded(key: object) -> DnsLookup:
    """A DNS answer from the key recorded when the email was collected (keys are rotated:
    the one published today may not be the one that signed)."""
    answer = key.encode("ascii", "replace") if isinstance(key, str) and key else None

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return answer

    return lookup


def check_run_emails(
    directory: Path,
    manifest: Mapping[str, Any],
    listed: set[str],
    domains: tuple[str, ...] | None,
    dns_lookup: DnsLookup | None = None,
) -> AddendaCheck:
    """Every ``.eml`` the manifest lists, its DKIM signature checked again: one that the run
    recorded as verified (or a proof of ``email``) and no longer verifies is a problem."""
    result = AddendaCheck()
    fact = manifest.get("confirmation_email")
    facts = fact if isinstance(fact, dict) else {}
    for name in sorted(n for n in listed if n.endswith(".eml")):
        if facts.get("file") != name:
            result.problems.append(
                Problem(name, "an email the manifest says nothing about", "email_unlisted")
            )
            continue
        checked = _recheck(directory, name, facts, domains, dns_lookup)
        if checked.problem is not None:
            continue  # the hash check already names it
        claimed = manifest.get("proof") == "email" or (
            isinstance(facts.get("dkim"), dict) and facts["dkim"].get("verified") is True
        )
        if claimed and not checked.verified:
            result.problems.append(
                Problem(name, f"said to be verified, but {checked.reason}", "email_not_verified")
            )
        result.email_verified |= checked.verified
    return result
