"""Canary: every flow runs with distinctive secrets (a password, a TOTP seed where the platform
has two-factor login), succeeding and failing, and every byte written afterwards (log lines,
evidence, receipts, ledger, replica logs, traces unzipped, reports) is scanned for them. What
``optout-bot mail`` prints and logs is scanned the same way in ``test_hostile_mail``."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from optout_bot.browser import secret_spellings
from optout_bot.browser.tracing import TRACE, spellings
from optout_bot.check.reports import write_html, write_json
from optout_bot.flow import registry
from optout_bot.outcome import Outcome
from optout_bot.replica import replica_class
from optout_bot.run.engine import RunResult
from tests.conftest import FlowRunner, account

PASSWORD = "pw-Kx9!canary-TRAIN-8812"
WRONG_PASSWORD = "pw-Wq3!canary-WRONG-2207"
SEED = "CANARYZZQQ7CANARYZZQQ7CANARYZZQQ"  # base32
TWO_FACTOR = {"facebook", "instagram", "threads", "x"}
SECRETS = (PASSWORD, WRONG_PASSWORD, SEED)


def _seed(platform: str, **extra: Any) -> Any:
    replica = replica_class(platform)()
    options: dict[str, Any] = (
        {"two_factor": "totp", "totp_seed": SEED} if platform in TWO_FACTOR else {}
    )
    replica.seed_account(
        login="canary@example.org",
        password=PASSWORD,
        email="canary@example.org",
        country="Germany",
        **options,
        **extra,
    )
    return replica


def _every_byte(root: Path) -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        found.append((str(path), data))
        if path.name == TRACE:
            with zipfile.ZipFile(io.BytesIO(data)) as trace:
                found += [(f"{path}!{name}", trace.read(name)) for name in trace.namelist()]
    return found


@pytest.mark.parametrize("platform", sorted(registry.discover()))
def test_no_secret_reaches_any_byte_written(runner: FlowRunner, platform: str) -> None:
    runner.keeping_traces()
    flow = registry.get_flow(platform)
    results: list[RunResult] = []
    ok = _seed(platform)
    done = runner.run(
        flow,
        ok,
        account(
            password=PASSWORD,
            totp_seed=SEED,
            login="canary@example.org",
            email="canary@example.org",
        ),
        label="ok",
    )
    results.append(done)
    assert done.outcome is Outcome.SUBMITTED, done.message
    # a platform without passwords (an emailed code instead) refuses the code
    wrong = _seed(platform, **({} if flow.NEEDS_PASSWORD else {"codes_refused": True}))
    refused = runner.run(
        flow,
        wrong,
        account(
            password=WRONG_PASSWORD,
            totp_seed=SEED,
            login="canary@example.org",
            email="canary@example.org",
        ),
        label="bad",
    )
    results.append(refused)
    assert refused.outcome is Outcome.LOGIN_FAILED, refused.message
    traces = list(runner.root.rglob(TRACE))
    assert [t.parent for t in traces] == [refused.evidence_dir], (
        "a trace is kept for the failed run only"
    )
    write_json(results, runner.root / "report.json")
    write_html(results, runner.root / "report.html")

    scanned = _every_byte(runner.root)
    assert any(name.endswith(".trace") for name, _ in scanned), "trace members were scanned"
    log_lines = next(data for name, data in scanned if name == str(runner.log_file))
    assert b'"step ended"' in log_lines and b'"run finished"' in log_lines, "log lines scanned"
    leaks = [
        (name, secret)
        for name, data in scanned
        for secret in SECRETS
        for spelling in spellings(secret)
        if spelling.encode() in data
    ]
    assert leaks == []
    # every other spelling too: HTML- and doubly escaped, mixtures, inside base64
    anyhow = secret_spellings.matcher(SECRETS)
    assert anyhow is not None
    texts = [(name, data.decode("utf-8", "replace")) for name, data in scanned]
    assert [name for name, text in texts if anyhow.search(text)] == []


def test_a_kept_trace_had_the_typed_password_before_it_was_scrubbed(
    runner: FlowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Playwright records typed values and request bodies: the scrubber is what keeps them
    out, so the canary above is not passing by luck."""
    runner.keeping_traces()
    from optout_bot.browser import tracing

    raw: list[bytes] = []
    scrub = tracing.scrub_zip

    def keep_raw(data: bytes, secrets: Any) -> bytes:
        raw.append(data)
        return scrub(data, secrets)

    monkeypatch.setattr(tracing, "scrub_zip", keep_raw)
    result = runner.run(
        registry.get_flow("linkedin"),
        _seed("linkedin"),
        account(password=WRONG_PASSWORD, login="canary@example.org", email="canary@example.org"),
    )
    assert result.outcome is Outcome.LOGIN_FAILED
    [data] = raw
    with zipfile.ZipFile(io.BytesIO(data)) as trace:
        recorded = b"".join(trace.read(n) for n in trace.namelist())
    assert any(s.encode() in recorded for s in spellings(WRONG_PASSWORD))
    kept = (result.evidence_dir / TRACE).read_bytes() if result.evidence_dir else b""
    with zipfile.ZipFile(io.BytesIO(kept)) as trace:
        scrubbed = b"".join(trace.read(n) for n in trace.namelist())
    assert not any(s.encode() in scrubbed for s in spellings(WRONG_PASSWORD))


@pytest.mark.parametrize("platform", sorted(registry.discover()))
def test_no_secret_or_account_name_reaches_a_capture(runner: FlowRunner, platform: str) -> None:
    """Captures are made to be shared: a capturing check that passes and one whose password is
    refused (the sign-in page showing the typed login back) leave neither a secret nor the
    account's address in any byte of the capture folder."""
    from optout_bot.check.capturing import capture_watcher, captures_in

    folder = runner.root / "captures"
    flow = registry.get_flow(platform)
    user = {"totp_seed": SEED, "login": "canary@example.org", "email": "canary@example.org"}
    passed = runner.run(
        flow,
        _seed(platform),
        account(password=PASSWORD, **user),
        label="ok",
        watch=capture_watcher(folder),
    )
    # a check that stops at a changed page captures that page too (what captures are for)
    assert passed.outcome in (Outcome.CHECKED, Outcome.UI_CHANGED), passed.message
    wrong = _seed(platform, **({} if flow.NEEDS_PASSWORD else {"codes_refused": True}))
    refused = runner.run(
        flow,
        wrong,
        account(password=WRONG_PASSWORD, **user),
        label="bad",
        watch=capture_watcher(folder),
    )
    assert refused.outcome is Outcome.LOGIN_FAILED, refused.message
    taken = captures_in(folder)
    assert len({p.parent for p in taken}) == 2, "both runs captured pages"
    assert not [p for p in taken if "canary" in str(p.relative_to(folder))]
    scanned = _every_byte(folder)
    anyhow = secret_spellings.matcher([*SECRETS, "canary@example.org"])
    assert anyhow is not None
    texts = [(name, data.decode("utf-8", "replace")) for name, data in scanned]
    assert [name for name, text in texts if anyhow.search(text)] == []
    assert [n for n, t in texts if not n.endswith(".png") and "@example.org" in t] == []
