"""A trace kept in the evidence (the run failed after logging in) holds no password in any
spelling, no value of a cookie the platform set, and no one-time code used: the trace is
unzipped and every byte of every member is scanned."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest

from fixtures.facebook import FacebookReplica
from flows.facebook import FacebookFlow
from optout_bot.browser import tracing
from optout_bot.errors import UiChanged
from optout_bot.outcome import Outcome
from optout_bot.replica import server
from tests.conftest import FlowRunner, account
from tests.engine.secret_forms import every_form, form_encoded, found_in

# ``~`` is what the browser's form encoding escapes and Python's quote() does not; ``*`` the
# other way round; the rest is what JSON and HTML escape, and a letter that UTF-8 makes two bytes.
PASSWORD = "pw~Kx*9!canary <&\"'>/é-TRAIN-8812"
SEED = "TRACEZZQQ7CANARYZZQQ7CANARYZZQQA"
TRACE = "trace.zip"


class FailsAfterLoggingIn(FacebookFlow):
    """Facebook, but the form has changed once the person is logged in: the run fails with
    the session's cookies in the browser and a one-time code used, and its trace is kept."""

    def fill(self) -> None:
        raise UiChanged("objection form: a field this test took away", step="fill")


def _members(trace: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(trace)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_kept_trace_holds_no_password_cookie_or_code(
    runner: FlowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.keeping_traces()
    cookies: list[tuple[str, str]] = []
    codes: set[str] = set()
    make_header, parse = server._cookie_header, server.parse_request

    def recording(name: str, value: str | None, domain: str | None = None) -> str:
        if value:
            cookies.append((name, value))
        return make_header(name, value, domain)

    def remembering_codes(
        method: str, url: str, headers: dict[str, str], body: str | None
    ) -> server.ReplicaRequest:
        request = parse(method, url, headers, body)
        codes.update(v for v in request.form.values() if v.isdigit() and 6 <= len(v) <= 8)
        return request

    monkeypatch.setattr(server, "_cookie_header", recording)
    monkeypatch.setattr(server, "parse_request", remembering_codes)
    replica = FacebookReplica()
    replica.seed_account(
        login="trace@example.org",
        password=PASSWORD,
        email="trace@example.org",
        country="Germany",
        two_factor="totp",
        totp_seed=SEED,
    )
    result = runner.run(
        FailsAfterLoggingIn,
        replica,
        account(
            login="trace@example.org", email="trace@example.org", password=PASSWORD, totp_seed=SEED
        ),
    )

    assert result.outcome is Outcome.UI_CHANGED, result.message
    assert replica.events("two_factor_passed") and codes, "the run used a one-time code"
    assert any(name == "xs" for name, _ in cookies), "the replica set a session cookie"
    assert result.evidence_dir is not None
    members = _members((result.evidence_dir / TRACE).read_bytes())
    trace_events = b"".join(data for name, data in members.items() if name.endswith(".trace"))
    assert b'"frame-snapshot"' in trace_events, "the kept trace still shows the pages"
    assert b"approvals_code" in trace_events, "the kept trace still shows the code's field"

    leaks = [
        (name, "password", form)
        for name, data in members.items()
        for form in found_in(data, PASSWORD)
    ]
    leaks += [
        (name, "seed", form) for name, data in members.items() for form in found_in(data, SEED)
    ]
    leaks += [
        (name, f"code {code}", form)
        for name, data in members.items()
        for code in codes
        for form in found_in(data, code)
    ]
    for cookie, value in cookies:
        # A short value ("all") is a word any page holds; it counts next to its name.
        pairs = [
            f"{cookie}={value}".encode(),
            json.dumps({"name": cookie, "value": value}, separators=(",", ":"))[1:-1].encode(),
        ]
        forms = (every_form(value) if len(value) >= 8 else set()) | set(pairs)
        leaks += [
            (name, f"cookie {cookie}", form.decode("utf-8", "replace"))
            for name, data in members.items()
            for form in forms
            if form in data
        ]
    assert leaks == []


def _zip(members: dict[str, bytes]) -> bytes:
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target.getvalue()


def test_every_spelling_of_a_secret_is_scrubbed_wherever_a_trace_holds_it() -> None:
    """The spellings a replica does not produce (a JSON body, base64 of a body, HTML escapes,
    lower-case hex, Python's quoting), each in every kind of place a trace has."""
    code = "804217"
    spellings = sorted(f.decode("utf-8") for f in every_form(PASSWORD) | every_form(code))
    bodies = [
        f"email=a%40b.org&pass={form_encoded(PASSWORD)}&code={code}",
        json.dumps({"password": PASSWORD, "code": code}),
    ]
    encoded_bodies = [base64.b64encode(b.encode()).decode() for b in bodies]
    events = [
        {
            "type": "before",
            "callId": "c1",
            "class": "Frame",
            "method": "fill",
            "params": {"selector": "input[name=pass]", "value": PASSWORD},
        },
        {"type": "log", "callId": "c1", "message": f"  fill({json.dumps(PASSWORD)})"},
        *(
            {
                "type": "before",
                "callId": f"r{n}",
                "class": "Route",
                "method": "continue",
                "params": {"postData": body},
            }
            for n, body in enumerate(encoded_bodies)
        ),
        *(
            {"type": "frame-snapshot", "snapshot": {"html": ["P", {"title": s}, f"kept {s} kept"]}}
            for s in spellings
        ),
    ]
    network = [
        {
            "type": "resource-snapshot",
            "snapshot": {
                "request": {
                    "url": f"https://example.org/login?pass={form_encoded(PASSWORD)}",
                    "method": "POST",
                    "headers": [
                        {"name": "Content-Type", "value": "application/x-www-form-urlencoded"}
                    ],
                    "postData": {
                        "mimeType": "application/x-www-form-urlencoded",
                        "text": body,
                        "params": [{"name": "pass", "value": PASSWORD}],
                    },
                }
            },
        }
        for body in bodies
    ]
    page = " | ".join(["kept", *spellings, *encoded_bodies, "kept"])
    trace = _zip(
        {
            "trace.trace": "\n".join(map(json.dumps, events)).encode(),
            "trace.network": "\n".join(map(json.dumps, network)).encode(),
            "resources/page.html": page.encode(),
        }
    )
    for member, data in _members(trace).items():
        assert found_in(data, PASSWORD) or found_in(data, code), f"{member} holds them"

    scrubbed = _members(tracing.scrub_zip(trace, [PASSWORD, code]))

    assert sorted(scrubbed) == ["resources/page.html", "trace.network", "trace.trace"]
    leaks = [
        (member, form)
        for member, data in scrubbed.items()
        for secret in (PASSWORD, code)
        for form in found_in(data, secret)
    ]
    assert leaks == []
    assert scrubbed["resources/page.html"].count(b"kept") == 2
    assert scrubbed["trace.trace"].count(b"kept") == 2 * len(spellings)
