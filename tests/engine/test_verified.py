"""Verified on the real site: a step a real page passed is recorded with its UTC date, page
version and the label wordings a check saw; ``optout-bot labels`` shows the date beside the
coverage and counts those wordings (and a capture's label lines) as confirmed; a replica or
the demo never counts; records from strangers never crash the command.

No browser here: a real-site pass is the watcher's own code path, fed what the engine feeds it
(the step's verdict and snapshot) and a fixed clock. That a replica check through the real
command records nothing is asserted in ``test_check.py`` (``check --replica --report``)."""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from flows.linkedin import LinkedInFlow
from optout_bot import labels
from optout_bot.check import capture
from optout_bot.check.aria import StepCheck
from optout_bot.check.verifying import PassRecorder, Verifying
from optout_bot.cli import platforms
from optout_bot.labels import coverage as label_coverage
from optout_bot.labels import verified
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import EvidenceBundle
from optout_bot.run.job import Job, Mode
from tests.conftest import account
from tests.support.cli import optout_here

DAY = datetime.date(2026, 12, 7)
SIGN_IN_PAGE = """- main:
  - heading "로그인" [level=1]
  - textbox "이메일 또는 전화번호"
  - textbox "비밀번호"
  - button "로그인"
"""
SEEN_KEYS = ("login_field", "password", "sign_in")


class Judge:
    """What the engine's check watcher leaves: one verdict per step, with its snapshot."""

    enabled = True

    def __init__(self, job: Job, bundle: EvidenceBundle) -> None:
        self.page: Any = None
        self.checks: list[Any] = []
        self.verdicts: dict[str, str] = {}

    def record(
        self, step: str, screenshot: str | None, seconds: float, error: BaseException | None
    ) -> None:
        status = "ui_changed" if error else self.verdicts.get(step, "ok")
        self.checks.append(StepCheck(step, status, aria_snapshot=SIGN_IN_PAGE))

    def note_unconfirmed(self, step: str, keys: list[str]) -> None:
        pass

    def skip(self, steps: Any, why: str) -> None:
        pass

    def skip_unreached(self) -> None:
        pass

    def verdict(self, outcome: Outcome) -> str:
        return "ok"


def _watched(job: Job) -> tuple[PassRecorder, Any]:
    """The watcher the engine would call for ``job``, and the one it wraps."""
    bundle = cast(EvidenceBundle, SimpleNamespace(facts={"form_version": "2026"}))
    watcher = job.watcher(bundle)
    assert isinstance(watcher, PassRecorder)
    return watcher, watcher.inner


def _live_check(verifying: Verifying, **changes: Any) -> Job:
    job = Job(
        flow=LinkedInFlow,
        label="test",
        account=account(locale="ko"),
        mode=Mode.CHECK,
        watch=Judge,
        trust_ledger=False,
        observe=(verifying.observer(),),
    )
    return dataclasses.replace(job, **changes)


def test_a_step_a_real_page_passed_is_recorded_and_shown() -> None:
    mine = verified.user_file()
    assert mine is not None
    verifying = Verifying(mine, today=lambda: DAY)
    watcher, judge = _watched(_live_check(verifying))
    judge.verdicts["open_settings"] = "ui_changed"  # the page lost what the flow looks for
    watcher.record("log_in", None, 0.1, None)
    watcher.record("open_settings", None, 0.1, None)
    watcher.record("read_state", None, 0.1, RuntimeError("stopped"))

    kept = verified.read(mine)
    assert kept.problems == []
    assert [(p.locale, p.version, p.step, p.date, p.by) for p in kept.passes.values()] == [
        ("ko", "2026", "log_in", "2026-12-07", "check")
    ]
    assert sorted(s.key for s in kept.seen.values()) == sorted(SEEN_KEYS)
    assert {s.source for s in kept.seen.values()} == {"live check linkedin/ko 2026-12-07"}
    assert mine.stat().st_mode & 0o777 == 0o600
    assert verifying.found.passes == kept.passes

    before = {c.locale: c for c in platforms.coverage_of("linkedin", LinkedInFlow)}
    after = {
        c.locale: c
        for c in platforms.coverage_of(
            "linkedin",
            LinkedInFlow,
            platforms.verified_record("linkedin", LinkedInFlow, platforms.own_record()),
        )
    }
    assert before["ko"].verified == "never"
    assert after["ko"].verified == "1/4 steps, last 2026-12-07"
    assert after["ko"].verified_steps == {
        "log_in": "2026-12-07",
        "open_settings": None,
        "read_state": None,
        "turn_off": None,
    }
    assert after["en"].verified == "never"  # another language's page passed nothing
    assert after["ko"].confirmed == before["ko"].confirmed + len(SEEN_KEYS)
    assert after["ko"].seen_keys == tuple(sorted(SEEN_KEYS))
    assert after["en"].confirmed == before["en"].confirmed


@pytest.mark.parametrize(
    "changes",
    [
        {"mode": Mode.REPLICA, "replicas": [cast(Any, "a replica")]},
        {"replicas": [cast(Any, "a replica")]},  # a check of a replica has mode "check"
        {"mode": Mode.DEMO, "watch": None},
    ],
    ids=["replica", "replica-check", "demo"],
)
def test_a_replica_or_the_demo_never_counts(tmp_path: Path, changes: dict[str, Any]) -> None:
    mine = tmp_path / "verified.toml"
    verifying = Verifying(mine, today=lambda: DAY)
    watcher, _ = _watched(_live_check(verifying, **changes))
    watcher.record("log_in", None, 0.1, None)
    assert not verifying.found and not mine.exists()


def test_every_step_passed_shows_the_earliest_last_pass() -> None:
    record = verified.Record()
    for step, day in (("log_in", "2026-12-07"), ("open_form", "2026-12-01")):
        record.add_pass(verified.Pass("facebook", "de", "2025", step, day))
    record.add_pass(verified.Pass("facebook", "de", "2024", "log_in", "2026-11-30"))  # older
    assert verified.cell(record, "facebook", "de", ["log_in", "open_form"]) == "2026-12-01"
    assert verified.cell(record, "facebook", "de", ["log_in", "submit"]) == (
        "1/2 steps, last 2026-12-07"
    )
    assert verified.cell(record, "facebook", "ko", ["log_in"]) == "never"
    again = verified.parse(
        __import__("tomllib").loads(record.as_toml()), "round trip", platform="facebook"
    )
    assert again.passes == record.passes and again.problems == []


STRANGE = [
    ("not toml", "this is [not toml"),
    ("wrong shape", 'pass = "yes"\nseen = 3\n'),
    (
        "bad entries",
        '[[pass]]\nplatform = "linkedin"\nlocale = "ko"\nstep = "log_in"\ndate = "2026-13-45"\n'
        '[[pass]]\nplatform = "../../etc"\nlocale = "ko"\nstep = "log_in"\ndate = "2026-12-07"\n'
        '[[pass]]\nplatform = "linkedin"\nlocale = "ko"\nstep = 7\ndate = "2026-12-07"\n'
        '[[seen]]\nplatform = "linkedin"\nlocale = "ko"\nkey = "sign_in"\n'
        'text = "a\\u0000b"\ndate = "2026-12-07"\n'
        '[[pass]]\nplatform = "linkedin"\nlocale = "ko"\nstep = "log_in"\ndate = "2026-12-07"\n'
        'by = "replica"\n'
        "[[pass]]\n"
        'platform = "linkedin"\nlocale = "ko"\nstep = "open_settings"\ndate = "2026-12-07"\n'
        "[other]\nx = 1\n",
    ),
    ("not text", "\udcff"),
]


@pytest.mark.parametrize(("what", "content"), STRANGE, ids=[s[0] for s in STRANGE])
def test_a_strangers_record_is_ignored_with_a_line_never_a_crash(
    tmp_path: Path, what: str, content: str
) -> None:
    mine = verified.user_file()
    assert mine is not None
    mine.parent.mkdir(parents=True)
    mine.write_bytes(content.encode("utf-8", "surrogateescape"))
    shown = optout_here("labels", "linkedin", "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "Traceback" not in shown.stderr and f"{mine}" in shown.stderr
    ko = next(row for row in json.loads(shown.stdout) if row["locale"] == "ko")
    # only the one well-formed entry counts: open_settings, never the ill-formed log_in ones
    expected: dict[str, str | None] = {
        "log_in": None,
        "open_settings": None,
        "read_state": None,
        "turn_off": None,
    }
    if what == "bad entries":
        expected["open_settings"] = "2026-12-07"
        assert len(shown.stderr.strip().splitlines()) == 6
    assert ko["verified_steps"] == expected
    if what == "not toml":  # said once, however many platforms are shown
        every = optout_here("labels", cwd=tmp_path)
        assert every.returncode == 0 and every.stderr.count(f"{mine}") == 1, every.stderr


def test_the_command_shows_the_users_record_and_the_markdown_only_the_projects(
    tmp_path: Path,
) -> None:
    mine = verified.user_file()
    assert mine is not None
    found = verified.Record()
    for step in platforms.walked_steps(LinkedInFlow):
        found.add_pass(verified.Pass("linkedin", "de", "2026", step, "2026-12-07"))
    verified.add_to(mine, found)
    table = optout_here("labels", "linkedin", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    rows = {line.split()[1]: line for line in table.stdout.splitlines()[1:4]}
    assert rows["de"].endswith("2026-12-07") and rows["en"].endswith("never")
    markdown = optout_here("labels", "linkedin", "--markdown", cwd=tmp_path)
    assert "2026-12-07" not in markdown.stdout and "| never |" in markdown.stdout


def test_a_report_is_merged_into_the_projects_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    monkeypatch.setattr(verified, "project_file", lambda folder: project / folder.name / "v.toml")
    report = verified.Record()
    report.add_pass(verified.Pass("linkedin", "en", "2026", "log_in", "2026-12-07"))
    report.add_pass(verified.Pass("myspace", "en", "", "log_in", "2026-12-07"))
    verified.write(tmp_path / "report.toml", report)
    done = optout_here("labels", "--add-verified", "report.toml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "unknown platform 'myspace'" in done.stderr
    kept = verified.read(project / "linkedin" / "v.toml", platform="linkedin")
    assert [p.step for p in kept.passes.values()] == ["log_in"] and kept.problems == []


def _captured(*, replica: bool) -> capture.Capture:
    return capture.Capture(
        folder=Path("unused"),
        platform="linkedin",
        locale="ko",
        step="log_in",
        date="2026-12-07",
        address="https://www.linkedin.com/login",
        title="LinkedIn",
        outline=[],
        strings=["로그인", "something new"],
        replica=replica,
    )


@pytest.mark.parametrize("replica", [False, True], ids=["real-page", "replica"])
def test_a_captures_label_lines_count_as_confirmed_unless_from_a_replica(
    tmp_path: Path, replica: bool
) -> None:
    """The lines a capture prints are pasted into a label file as they are: from a real page
    they confirm the key (its source ``capture …``), from a replica they cannot."""
    project = tmp_path / "flows" / "linkedin"
    (project / "labels").mkdir(parents=True)
    for name in ("en.toml", "ko.toml"):
        shipped = LinkedInFlow.label_folders()[-1] / "labels" / name
        (project / "labels" / name).write_text(shipped.read_text("utf-8"), encoding="utf-8")

    def korean() -> label_coverage.Coverage:
        found = label_coverage.coverage("linkedin", labels.load([project / "labels"]))
        return next(c for c in found if c.locale == "ko")

    before = korean()
    book = labels.load([project / "labels"])
    lines, unknown = capture.label_lines(_captured(replica=replica), book)
    assert unknown == ["something new"]
    keys = [line for line in lines if line.startswith("[[")]
    assert "[[sign_in]]" in keys
    with (project / "labels" / "ko.toml").open("a", encoding="utf-8") as file:
        file.write("\n" + "\n".join(lines) + "\n")
    after = korean()
    assert after.confirmed == before.confirmed + (0 if replica else len(keys))
    variants = labels.load([project / "labels"]).tables["ko"]["sign_in"]
    if not replica:
        assert variants[-1].source == "capture linkedin/ko 2026-12-07"


@pytest.mark.parametrize("replica", [False, True], ids=["real-site", "replica"])
def test_run_report_records_what_passed_on_the_real_site_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replica: bool
) -> None:
    """``run --capture --report FILE`` as the command wires it, the browser left out: each job
    carries both observers, a step the engine saw pass is recorded for the real site only,
    and the report is written after the results."""
    import typer

    from optout_bot.check.capturing import CaptureWatcher
    from optout_bot.cli import run as run_command

    def run_and_report(settings: Any, jobs: list[Job], after: Any = None) -> None:
        for job in jobs:
            assert len(job.observe) == 2 and not job.check  # a run stays a run
            bundle = cast(EvidenceBundle, SimpleNamespace(facts={}))
            watcher = job.watcher(bundle)
            assert isinstance(watcher, PassRecorder) and isinstance(watcher.inner, CaptureWatcher)
            watcher.record("log_in", None, 0.1, None)  # what the engine calls after a step
        after()
        raise typer.Exit(0)

    monkeypatch.setattr(run_command, "_run_and_report", run_and_report)
    (tmp_path / "optout-bot.toml").write_text(
        "[accounts.linkedin.mina]\nlogin = 'mina@example.org'\nlocale = 'de'\n", encoding="utf-8"
    )
    env = {"OPTOUT_BOT_ACCOUNTS__LINKEDIN__MINA__PASSWORD": "pw-report-canary-2718"}
    began = datetime.datetime.now(datetime.UTC).date().isoformat()
    done = optout_here(
        *("--ledger", "l.sqlite3", "run", "linkedin", "--capture", "--report", "mine.toml"),
        *(["--replica"] if replica else []),
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    report = verified.read(tmp_path / "mine.toml")
    mine = verified.user_file()
    assert report.problems == [] and mine is not None
    if replica:
        assert not report and not mine.exists()
        assert "Verified on the real site: nothing" in done.stdout
    else:
        [passed] = report.passes.values()
        ended = datetime.datetime.now(datetime.UTC).date().isoformat()
        assert (passed.platform, passed.locale, passed.step, passed.by) == (
            "linkedin",
            "de",
            "log_in",
            "run",
        )
        assert passed.date in (began, ended)  # UTC, whichever day it was
        assert verified.read(mine).passes == report.passes
    assert "pw-report-canary-2718" not in (tmp_path / "mine.toml").read_text(encoding="utf-8")
