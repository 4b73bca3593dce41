"""A language nobody wrote labels for: every visible string of every replica page (every
platform, every page version) pseudo-localised — a prefix, accents on every letter, longer —
so that no wording of any label file matches. Each flow then either submits exactly once (what
the replica received, checked as its own table checks it) or stops ``ui_changed`` at a step it
declares text-only (``Flow.TEXT_ONLY``), having sent nothing.

Mail is not a page: the platform's emails keep their wording, so the proof stays what it is.

Each run prints a row for the closing note (``-s``): platform, page version, outcome, the step
it stopped at, the steps done with no label matching anything (of all steps) and the steps the
flow declares text-only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import flows
from optout_bot import labels
from optout_bot.flow.registry import discover
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica
from optout_bot.run.engine import RunResult
from tests.conftest import FlowRunner
from tests.flows import (
    test_chatgpt,
    test_claude,
    test_deepseek,
    test_facebook,
    test_gemini,
    test_github_copilot,
    test_instagram,
    test_linkedin,
    test_threads,
    test_x,
)
from tests.flows.cases import FlowCase

ACCENTED = str.maketrans(
    "aeiouyncszAEIOUYNCSZ",
    "áéîõüýñçšžÅÉÎÕÜÝÑÇŠŽ",
)
PLACEHOLDER = re.compile(r"(\{[^{}]*\})")
PREFIX = "[ẋ "


HANGUL = (0xAC00, 0xD7A3)


def other_letter(char: str) -> str:
    """A Hangul syllable as its neighbour (still Korean to the eye, another word), any other
    letter outside ASCII followed by a middle dot, ASCII letters accented."""
    code = ord(char)
    if HANGUL[0] <= code <= HANGUL[1]:
        return chr(HANGUL[0] + (code - HANGUL[0] + 1) % (HANGUL[1] - HANGUL[0] + 1))
    if char.isalpha() and not char.isascii():
        return char + "·"
    return char.translate(ACCENTED)


def pseudo(text: str) -> str:
    """``text`` as no label file says it: a prefix, every letter changed (see
    :func:`other_letter`), a third longer; ``{placeholders}`` kept."""
    parts = PLACEHOLDER.split(text)
    body = "".join(
        part if PLACEHOLDER.fullmatch(part) else "".join(map(other_letter, part)) for part in parts
    )
    return f"{PREFIX}{body}{' ~' * max(1, len(text) // 6)}]"


def pseudo_localise(replica: Replica, only: set[str] | None = None) -> None:
    """Every string the replica shows (or ``only`` those keys), in every language,
    pseudo-localised; mail kept."""
    for locale in replica.locales():
        texts = replica.text(locale)
        for key, text in texts.items():
            if "mail_" not in key and (only is None or key in only):
                texts[key] = pseudo(text)


META_FORM_KEYS = set(labels.read_file(Path(flows.__file__).parent / "_meta/labels/en.toml"))
"""The objection form's strings and the pages after the password (``flows/_meta``)."""


MODULES = (
    test_facebook,
    test_instagram,
    test_threads,
    test_x,
    test_linkedin,
    test_chatgpt,
    test_claude,
    test_deepseek,
    test_gemini,
    test_github_copilot,
)
BASE_LOCALE = "en"
"""Every string a page shows is replaced, so which language is underneath changes nothing but
the words: one run per platform and page version. The one page whose structure differs by
language (the Meta form's German router question, ``fixtures/_meta``) is run in German by
:func:`test_past_a_text_only_login_the_meta_form_needs_no_words`; no replica differs in
Korean, and Korean pseudo text is in :func:`test_pseudo_text_matches_no_label`."""


def cases() -> Iterator[FlowCase]:
    """Per platform, its plain successful row in each page version, in the base language
    where the table has it (else its first: Threads' 2024 form is tested in Korean)."""
    for module in MODULES:
        rows: list[FlowCase] = list(module.CASES)
        plain = [r for r in rows if r.scenario == rows[0].scenario]
        for version in dict.fromkeys(r.version for r in plain):
            same = [r for r in plain if r.version == version]
            yield next((r for r in same if r.locale == BASE_LOCALE), same[0])


CASES = list(cases())

WAIT_MS = 4_000
"""How long an element is waited for here: a text-only step waits this long for words that
never come (a replica page is complete once loaded), so the stops cost little."""


@pytest.fixture
def runner(runner: FlowRunner) -> FlowRunner:
    browser = runner.settings.browser.model_copy(update={"timeout_ms": WAIT_MS})
    runner.settings = runner.settings.model_copy(update={"browser": browser})
    return runner


def steps_done(result: RunResult) -> list[str]:
    """The steps the run ended ``ok``, in order (from its evidence)."""
    assert result.evidence_dir is not None
    manifest = json.loads((result.evidence_dir / "manifest.json").read_text(encoding="utf-8"))
    done = [s["name"] for s in manifest["steps"] if s["status"] == "ok"]
    return list(dict.fromkeys(done))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_flow_in_an_unknown_language_submits_once_or_stops_at_a_text_only_step(
    case: FlowCase, runner: FlowRunner
) -> None:
    flow = discover()[case.PLATFORM]
    made: Any = case.replica()
    replicas: list[Replica] = made if isinstance(made, list) else [made]
    for replica in replicas:
        pseudo_localise(replica)
    user = case.account()
    if user.country:  # no country name matches: the form's list is read by its ISO codes
        user = user.model_copy(update={"country": "DE"})
    case.seed_replica(made, user)
    before = case.state(made, user)

    result = runner.run(flow, made, user)
    steps = [s.name for s in flow.STEPS]
    done = steps_done(result)
    # for the closing note (-s): steps done with no label matching anything, of all steps
    print(
        f"\n| {case.PLATFORM} | {case.version} | {result.outcome.value} "
        f"| {result.step if result.outcome is Outcome.UI_CHANGED else ''} "
        f"| {len(done)}/{len(steps)} | {', '.join(flow.TEXT_ONLY) or '-'} |"
    )

    if result.outcome is Outcome.UI_CHANGED:
        assert result.step in flow.TEXT_ONLY, (
            f"{case.id}: stopped at {result.step}, which the flow does not declare text-only: "
            f"{result.message}"
        )
        assert done == steps[: steps.index(str(result.step))], done
        for replica in replicas:
            assert not [e for e in replica.log if e["event"] in RECEIVED], case.id
        return
    assert result.outcome is case.outcome, result.message
    assert done == steps, done
    case.check_received(made, user, result, before)


RECEIVED = {"objection_received", "setting_changed"}


def meta_cases() -> Iterator[FlowCase]:
    """Each version of the form once (Threads objects through Instagram's 2025 form), and the
    German form, whose router question is the one page whose structure differs by language."""
    wanted = {("instagram", "2024", "en"), ("instagram", "2025", "de"), ("threads", "2025", "en")}
    for module in (test_instagram, test_threads):
        rows: list[FlowCase] = list(module.CASES)
        for row in rows:
            if (
                row.scenario == rows[0].scenario
                and (row.PLATFORM, row.version, row.locale) in wanted
            ):
                yield row


META_CASES = list(meta_cases())


@pytest.mark.parametrize("case", META_CASES, ids=[c.id for c in META_CASES])
def test_past_a_text_only_login_the_meta_form_needs_no_words(
    case: FlowCase, runner: FlowRunner
) -> None:
    """Instagram's login is text-only (its cookie dialog, the save-login-info prompt): with its
    login page in words the flows know and everything after it pseudo-localised, the form is
    found, filled and sent by its structure alone, once (German: or the router question)."""
    flow = discover()[case.PLATFORM]
    made: Any = case.replica()
    for replica in made if isinstance(made, list) else [made]:
        pseudo_localise(replica, only=META_FORM_KEYS)
    user = case.account().model_copy(update={"country": "DE"})
    case.seed_replica(made, user)
    result = runner.run(flow, made, user)
    if result.outcome is Outcome.UI_CHANGED and case.locale == "de":
        assert result.step == "open_form" and "router_question" in result.message
        return
    assert result.outcome is Outcome.SUBMITTED, result.message
    case.check_received(made, user, result, case.state(made, user))


def test_text_only_steps_are_declared_steps_with_a_reason() -> None:
    """What the closing note lists per platform (``-s``): the steps each flow declares
    text-only, and how many of its steps are not."""
    for name, flow in sorted(discover().items()):
        steps = [s.name for s in flow.STEPS]
        assert set(flow.TEXT_ONLY) <= set(steps), name
        assert all(reason.strip() for reason in flow.TEXT_ONLY.values()), name
        free = len([s for s in steps if s not in flow.TEXT_ONLY])
        print(f"\n| {name} | {', '.join(flow.TEXT_ONLY) or '-'} | {free}/{len(steps)} |")


def test_pseudo_text_matches_no_label() -> None:
    """The premise: no wording of any label file is found in a pseudo-localised text."""
    for name, flow in discover().items():
        book = flow.label_book()
        for locale in book.locales():
            for key, text in book.texts(locale).items():
                shown = pseudo(text)
                for wording in book.every_text(key) if not key.startswith("page.") else ():
                    assert not labels.pattern([wording], ignore_case=True).search(shown), (
                        name,
                        locale,
                        key,
                    )
