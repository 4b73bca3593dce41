"""Every command the docs show in a shell block (README.md, docs/ko, docs/de, CONTRIBUTING.md)
is run here as written, against the replicas, and does what the text around it says; or it is
in ``NOT_RUN`` with the reason it cannot run in a test. A command the running text names in
inline code (`` `optout-bot logout LABEL` ``) is run here too, its placeholders filled, or is in
``RUN_ELSEWHERE``: the test that runs it end to end (whose source names its subcommand). A new
command in a doc that is none of these fails
``test_every_documented_command_is_run_here_or_says_why_not``.

It stays cheap: one run of the README's own configuration against the replicas (a module
fixture, used by one test so that one worker makes it) gives the bundle, ledger and folders
that the reading commands (``history``, ``evidence``, ``letter`` …) are run on, in this
process; only the two commands that start a browser are processes of their own. A command the
ko and de docs repeat is run once."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shlex
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from optout_bot.flow.registry import discover
from optout_bot.records.evidence import sha256_file
from optout_bot.settings import load_settings
from tests.engine.test_documents import bundle as live_bundle
from tests.support.cli import evidence_folders, optout, optout_here

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    ROOT / "docs" / "ko" / "README.md",
    ROOT / "docs" / "de" / "README.md",
]
SHELL = ("sh", "console")
NOT_SHELL = ("toml", "diff", "yaml", "nginx", "text")
BLOCK = re.compile(r"^ *```(\w*)\n(.*?)^ *```", flags=re.S | re.M)
PASSWORD = "pw-doc-commands-4471"
NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}


def fenced(text: str) -> Iterator[tuple[str, str]]:
    """(language, body) of each fenced block."""
    yield from BLOCK.findall(text)


def shell_commands(text: str) -> list[str]:
    """Each command of the shell blocks, as a key: a ``\\`` joins lines, a comment ends one,
    ``&&`` separates two commands, ``.venv/bin/`` is dropped (the checkout's programs are the
    installed ones); in a ``console`` block only the ``$`` lines, without the ``echo $?``
    that shows the exit code."""
    found = []
    for language, body in fenced(text):
        if language in NOT_SHELL:
            continue
        assert language in SHELL, f"a fenced block without a known language: {language!r}"
        if language == "console":
            lines = [line[2:] for line in body.splitlines() if line.startswith("$ ")]
            lines = [line for line in lines if line != "echo $?"]
        else:
            lines = body.replace("\\\n", " ").splitlines()
        for line in lines:
            line = re.sub(r"(^|\s)#.*$", "", line)
            for part in line.split("&&"):
                if part.strip():
                    found.append(re.sub(r"(?<![\w/])\.venv/bin/", "", " ".join(part.split())))
    return found


SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", flags=re.S)


def inline_commands(text: str) -> list[str]:
    """Each inline code span of the running text that is an ``optout-bot`` command (not an
    error message, ``optout-bot: …``), as a key: its spaces and line breaks one space,
    ``.venv/bin/`` dropped; placeholders (``LABEL``, ``<p>``, ``[--locale de]``) kept."""
    found = []
    for _ticks, span in SPAN.findall(BLOCK.sub("", text)):
        command = re.sub(r"^\.venv/bin/", "", " ".join(span.split()))
        if command.startswith("optout-bot "):
            found.append(command)
    return found


def documented(inline: bool = False) -> dict[str, list[str]]:
    """Every distinct command of the shell blocks (with ``inline``, of the running text's
    code spans) and the docs that show it."""
    read = inline_commands if inline else shell_commands
    where: dict[str, list[str]] = {}
    for doc in DOCUMENTS:
        for command in read(doc.read_text(encoding="utf-8")):
            where.setdefault(command, []).append(doc.relative_to(ROOT).as_posix())
    return where


# --- what is not run here, and why -------------------------------------------------------------

NOT_RUN: dict[str, str] = {
    "bash scripts/setup.sh": "installs system packages and a browser (root or sudo, network): "
    "tests/engine/test_install.py runs its functions against fake commands",
    "python -m pytest": "the whole suite, which this test is part of",
    'python -m pytest -m "not browser and not slow"': "a part of the suite this test is in",
    "optout-bot demo": "every platform's flow, one browser each (about a minute): "
    "tests/engine/test_cli.py::test_a_changed_byte_in_the_evidence_fails_verification runs "
    "this command (with --out and --ledger)",
    "optout-bot ui": "serves until stopped and opens a browser window: tests/ui/ serve the same "
    "page (optout_bot.ui.server.build) and drive it",
    'docker run --rm -p 127.0.0.1:8765:8765 -v "$PWD/data:/data" -v "$PWD/config:/config" '
    "optout-bot": "needs docker and the image: scripts/check-image.sh builds and runs it "
    "(outside the suite)",
    "docker build -t optout-bot .": "needs docker: scripts/check-image.sh builds the Dockerfile",
    "docker run --rm optout-bot demo": "needs docker: scripts/check-image.sh runs the demo in "
    "the image and verifies every bundle",
    'docker run --rm -it -v "$PWD/evidence:/data" -v '
    '"$PWD/optout-bot.toml:/config/optout-bot.toml:ro" optout-bot run': "needs docker and real "
    "accounts on real platforms",
    "docker compose up -d --scale browsers=4": "needs docker and Playwright's server image",
    "optout-bot run --jobs 8 --browser-endpoint ws://127.0.0.1:3000/": "needs the pool of "
    "browser servers above: tests/engine/test_remote_browser.py runs the demo through `playwright "
    "run-server` with one and with two workers",
    "optout-bot check --replica": "every platform in every language, thirty browsers (minutes "
    "on two cores): tests/engine/test_check.py::"
    "test_check_sends_nothing_and_matches_the_committed_baselines runs the same check of every "
    "platform, language and page version in one browser",
    "optout-bot check --replica --drift cosmetic": "every platform in every language, thirty "
    "browsers: tests/engine/test_check.py::test_cli_check_writes_junit_with_a_case_per_step "
    "runs the cosmetic drift through the command for Facebook and LinkedIn",
    "optout-bot check --replica --update-baselines": "rewrites the committed baselines of every "
    "platform, language and page version (minutes): tests/engine/test_contributing.py runs its "
    "one-language form in a copy of the project, and tests/engine/test_check.py checks every "
    "committed baseline is what a check records",
    "python bench/run.py": "the benchmark: minutes of measured runs",
    "optout-bot check facebook --capture --report verified.toml": "a check of the real site "
    "(a real account): tests/engine/test_check.py::"
    "test_cli_check_exits_8_names_the_element_captures_the_page_and_verifies_nothing runs it "
    "against the replica (the page captured, and a replica's pass recorded nowhere)",
    "optout-bot labels --add-verified verified.toml": "writes into the project's "
    "flows/<p>/verified.toml: tests/engine/test_verified.py::"
    "test_a_report_is_merged_into_the_projects_record runs it with the project's record "
    "moved to a temporary folder",
}

RUN_ELSEWHERE: dict[str, str] = {
    "optout-bot capture": "tests/engine/test_capture_cli.py::"
    "test_capture_then_replica_from_capture",
    "optout-bot capture facebook": "tests/engine/test_capture_cli.py::"
    "test_capture_then_replica_from_capture",
    "optout-bot replica from-capture FOLDER --to page.html": "tests/engine/test_capture_cli.py::"
    "test_capture_then_replica_from_capture",
    "optout-bot check --replica --update-baselines facebook instagram threads --locale de": (
        "tests/engine/test_contributing.py::"
        "test_the_worked_example_is_one_line_one_command_and_the_tests_pass"
    ),
    "optout-bot init": "tests/engine/test_bad_input.py::"
    "test_init_stores_the_password_and_runs_use_it_without_asking",
    "optout-bot new-platform <p>": "tests/engine/test_scaffold.py::"
    "test_a_new_platform_passes_the_contract_tests_out_of_the_box",
    "optout-bot labels --add-verified FILE": "tests/engine/test_verified.py::"
    "test_a_report_is_merged_into_the_projects_record",
}
"""Inline commands that need a browser, a keyring or a copy of the project, and the test that
runs each end to end (in a process of its own, or in the slow set); the test's source must name
the command's subcommand (``capture``, ``replica from-capture``)."""


def subcommand(command: str) -> list[str]:
    """The words of ``command`` that name a (sub)command of the CLI: ``replica``,
    ``from-capture``; not its arguments or options."""
    import typer

    from optout_bot.cli import app

    group: object = typer.main.get_command(app)
    words = []
    for word in shlex.split(command)[1:]:
        commands = getattr(group, "commands", {})
        if word not in commands:
            break
        words.append(word)
        group = commands[word]
    return words


def source_of_test(reference: str) -> str:
    """The source of the test ``path::name``, with the module's string constants it uses
    (``COMMAND = "optout-bot check …"``); empty when there is no such test."""
    path, name = reference.split("::")
    module = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    constants = {
        target.id: ast.unparse(node.value)
        for node in module.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            return "\n".join([ast.unparse(node), *(constants[u] for u in used & set(constants))])
    return ""


# --- the runs ----------------------------------------------------------------------------------


@dataclass
class World:
    """The folders a person has after following the README: the README's configuration in
    ``folder``, the data under ``home``, one run of it against the replicas."""

    folder: Path
    home: Path
    env: dict[str, str]
    run: subprocess.CompletedProcess[str]
    bundle: Path
    live: Path  # a bundle made as a real run makes it (a letter refuses replica bundles)

    def cli(self, command: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Done:
        """``command`` (a documented key, placeholders filled) in this process."""
        args = shlex.split(command)
        assert args[0] == "optout-bot", command
        return optout_here(*args[1:], cwd=cwd or self.folder, env={**self.env, **(env or {})})

    def fresh(self, name: str) -> Path:
        """An empty folder to run a command from."""
        folder = self.folder.parent / name
        folder.mkdir()
        return folder


Done = subprocess.CompletedProcess[str]


def quiet_home(home: Path) -> dict[str, str]:
    """The environment of a person whose data folders are under ``home``."""
    return {
        "HOME": str(home),
        "XDG_DATA_HOME": "",
        "XDG_CONFIG_HOME": "",
        "COLUMNS": "80",  # the width of the transcripts the docs show
    }


def toml_block(doc: Path) -> str:
    return next(body for language, body in fenced(doc.read_text("utf-8")) if language == "toml")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("doc-commands")
    folder, home = root / "me", root / "home"
    folder.mkdir()
    home.mkdir()
    (folder / "optout-bot.toml").write_text(toml_block(DOCUMENTS[0]), encoding="utf-8")
    env = quiet_home(home)
    password = {"OPTOUT_BOT_ACCOUNTS__FACEBOOK__ME__PASSWORD": PASSWORD}
    done = optout(*shlex.split("run --replica"), cwd=folder, env={**env, **password})
    bundles = evidence_folders(home / ".local" / "share" / "optout-bot" / "evidence")
    return World(
        folder, home, env, done, bundles[-1] if bundles else home, live_bundle(root, "x", "de")
    )


Check = Callable[[World, str], None]
CHECKS: dict[str, Check] = {}
"""The commands run on the README's configuration and its one run (in one test, so that one
worker makes the run)."""
Alone = Callable[[Path, str], None]
ALONE: dict[str, Alone] = {}
"""The commands that need no run, each in a test of its own (a worker of its own)."""


def runs(*commands: str) -> Callable[[Check], Check]:
    """Register the check of the documented ``commands``."""

    def register(check: Check) -> Check:
        for command in commands:
            CHECKS[command] = check
        return check

    return register


def runs_alone(command: str) -> Callable[[Alone], Alone]:
    """Register the check of a documented ``command`` that needs no run."""

    def register(check: Alone) -> Alone:
        ALONE[command] = check
        return check

    return register


@runs("optout-bot run --replica")
def _run_replica(world: World, command: str) -> None:
    done = world.run
    assert done.returncode == 0, done.stdout + done.stderr  # submitted
    assert "Against the built-in replicas (--replica)" in done.stderr  # "says that it ran"
    assert re.search(r"│ facebook │ me\s+│ submitted │", done.stdout)
    assert world.bundle.parent == (
        world.home / ".local/share/optout-bot/evidence/facebook/me"
    )  # the default evidence folder
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{3}Z", world.bundle.name)
    for name in ("manifest.json", "receipt.html", "01-log_in.png", "replica-requests.jsonl"):
        assert (world.bundle / name).is_file(), name
    assert PASSWORD not in (world.bundle / "manifest.json").read_text(encoding="utf-8")


@runs("optout-bot run")
def _run_without_accounts(world: World, command: str) -> None:
    empty = world.fresh("no-config")
    done = world.cli(command, cwd=empty)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert str(empty / "optout-bot.toml") in done.stderr and "optout-bot init" in done.stderr


@runs("optout-bot run facebook --account me --headed", "optout-bot --headed run facebook")
def _headed_without_a_display(world: World, command: str) -> None:
    before = evidence_folders(world.home)
    done = world.cli(command, env=NO_DISPLAY)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "xvfb-run" in done.stderr
    assert evidence_folders(world.home) == before  # nothing started


@runs("optout-bot platforms")
def _platforms(world: World, command: str) -> None:
    done = world.cli(command)
    assert done.returncode == 0, done.stderr
    assert all(platform in done.stdout for platform in discover())


@runs("optout-bot history")
def _history(world: World, command: str) -> None:
    done = world.cli(command)
    assert done.returncode == 0, done.stderr
    assert re.search(r"facebook\s.*\bme\b.*\bsubmitted\b", done.stdout), done.stdout


@runs("optout-bot labels facebook")
def _labels(world: World, command: str) -> None:
    done = world.cli(command)
    assert done.returncode == 0, done.stderr
    for lang in ("en", "de", "ko"):
        assert re.search(rf"facebook\s+│?\s*{lang}\b", done.stdout), lang


@runs("optout-bot evidence verify ~/.local/share/optout-bot/evidence/facebook/me/2026…Z")
def _verify(world: World, command: str) -> None:
    filled = command.replace("~", str(world.home)).replace("2026…Z", world.bundle.name)
    done = world.cli(filled)
    assert done.returncode == 0, done.stderr
    assert "files unchanged and matches the ledger, chain intact" in done.stdout


@runs("optout-bot evidence anchor", "optout-bot evidence verify FOLDER --anchor 9a9cbe56…")
def _anchor(world: World, command: str) -> None:
    anchored = world.cli("optout-bot evidence anchor")
    assert anchored.returncode == 0, anchored.stderr
    digest = sha256_file(world.bundle / "manifest.json")
    assert digest in anchored.stdout  # the newest manifest of the account
    filled = command.replace("FOLDER", str(world.bundle)).replace("9a9cbe56…", digest)
    done = world.cli(filled)
    assert done.returncode == 0, done.stderr
    if "--anchor" in command:
        assert "Anchored: this bundle is in the chain that ends at the manifest you kept" in (
            done.stdout
        )


@runs("optout-bot letter FOLDER")
def _letter(world: World, command: str) -> None:
    done = world.cli(command.replace("FOLDER", str(world.live)))
    assert done.returncode == 0, done.stderr
    assert "Twitter International Unlimited Company" in done.stdout  # a German complaint
    assert "Beschwerde" in done.stdout
    assert sha256_file(world.live / "manifest.json") in done.stdout
    refused = world.cli(command.replace("FOLDER", str(world.bundle)))  # a replica bundle
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "--practice" in refused.stderr and not refused.stdout


@runs("optout-bot letter FOLDER --to platform --format html --out letter.html")
def _letter_html(world: World, command: str) -> None:
    here = world.fresh("letter-html")
    done = world.cli(command.replace("FOLDER", str(world.live)), cwd=here)
    assert done.returncode == 0, done.stderr
    page = (here / "letter.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in page
    assert "Twitter International Unlimited Company" in page  # to the platform's controller


@runs("optout-bot check --junit check.xml --json check.json")
def _live_check_without_test_accounts(world: World, command: str) -> None:
    empty = world.fresh("live-check")
    done = world.cli(command, cwd=empty)
    assert done.returncode == 10 and done.stderr.count("\n") == 1, done.stderr  # could not run
    assert "no test accounts configured" in done.stderr
    assert not (empty / "optout-check-report").exists()  # only a check that runs writes one


# --- the commands the running text names --------------------------------------------------------


def filled(command: str) -> str:
    """``command`` with its placeholders filled as the README's configuration has them, and
    what usage style marks optional (``[--locale de]``, ``[PLATFORM]``) given."""
    command = re.sub(r"\[([^\]]*)\]", r"\1", command)
    for placeholder, value in (("<p>", "facebook"), ("PLATFORM", "facebook"), ("LABEL", "me")):
        command = command.replace(placeholder, value)
    return command


def one_line_error(done: Done, code: int = 2) -> str:
    """The last line of stderr, after checking the command stopped with ``code`` and that line
    (after a ``-v`` header of ``#`` lines) is its only message."""
    lines = done.stderr.splitlines()
    assert done.returncode == code and lines, done.stdout + done.stderr
    assert all(line.startswith("# ") for line in lines[:-1]), done.stderr
    assert lines[-1].startswith("optout-bot: "), done.stderr
    return lines[-1]


@runs("optout-bot --help")
def _help(world: World, command: str) -> None:
    # "the commands, their help and the results table are English" (ko, de)
    done = world.cli(command)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and "Commands" in done.stdout
    assert "Object on every configured account" in done.stdout  # what `run` does, in English


@runs("optout-bot -v run")
def _verbose_run(world: World, command: str) -> None:
    # "prints the resolved settings, with secrets masked": a seed given, the password not, so
    # the run stops (exit 2, one line) after the header, before any browser
    seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    done = world.cli(command, env={"OPTOUT_BOT_ACCOUNTS__FACEBOOK__ME__TOTP_SEED": seed})
    assert "password: missing" in one_line_error(done)
    assert "# settings (precedence: cli > env > .env > toml > default; secrets masked):" in (
        done.stderr
    )
    assert "#   accounts.facebook.me.totp_seed = **********  [env]" in done.stderr
    assert "#   accounts.facebook.me.locale = de  [toml]" in done.stderr
    assert seed not in done.stderr + done.stdout


@runs("optout-bot check <p> -v")
def _verbose_check(world: World, command: str) -> None:
    # "prints a debug header" (and without the account's password stops before any browser)
    done = world.cli(filled(command))
    assert "password: missing" in one_line_error(done)
    assert "# flow facebook v" in done.stderr and "# optout-bot " in done.stderr


@runs("optout-bot check")
def _check_without_test_accounts(world: World, command: str) -> None:
    empty = world.fresh("check-bare")
    done = world.cli(command, cwd=empty)
    assert "no test accounts configured" in one_line_error(done, code=10)  # could not run


@runs("optout-bot labels --markdown")
def _labels_markdown(world: World, command: str) -> None:
    # "<!-- generated by `optout-bot labels --markdown` …-->" above the README's table
    done = world.cli(command)
    assert done.returncode == 0, done.stderr
    readme = DOCUMENTS[0].read_text(encoding="utf-8")
    table = re.search(
        r"<!-- generated by `optout-bot labels --markdown`.*?-->\n(.*?)\n<!--", readme, re.S
    )
    assert table is not None and done.stdout.strip() == table.group(1).strip()


@runs("optout-bot labels [PLATFORM]", "optout-bot labels")
def _labels_every_platform(world: World, command: str) -> None:
    if "[PLATFORM]" in command:
        _labels(world, filled(command))  # one platform: labels facebook
    done = world.cli(command.replace(" [PLATFORM]", ""))
    assert done.returncode == 0, done.stderr
    for platform in discover():
        assert re.search(rf"^{platform}\s+en\s", done.stdout, flags=re.M), platform


@runs("optout-bot logout LABEL")
def _logout(world: World, command: str) -> None:
    # "After a login the browser session is kept per account …; `optout-bot logout LABEL`
    # deletes it": the replica run kept one
    sessions = world.home / ".local/share/optout-bot/sessions"
    kept = sorted(sessions.rglob("*.json"))
    assert [p.relative_to(sessions).as_posix() for p in kept] == ["replica/facebook/me.json"]
    done = world.cli(filled(command))
    assert done.returncode == 0, done.stderr
    assert "deleted the saved session of facebook/me (replica)" in done.stdout
    assert not kept[0].exists()
    again = world.cli(filled(command))
    assert again.returncode == 0 and "no saved session for 'me'" in again.stdout


@runs(
    "optout-bot replica open <p> --locale de",
    "optout-bot replica open <p> [--locale de] [--page-version 2024] [--drift cosmetic]",
)
def _replica_open_without_a_display(world: World, command: str) -> None:
    # the window it opens is tests/engine/test_replica_open.py's (headless, --print-and-exit);
    # here: without a display it says so in one line, before any browser
    done = world.cli(filled(command), env=NO_DISPLAY)
    assert "xvfb-run" in one_line_error(done)


@runs("optout-bot evidence verify")
def _verify_named(world: World, command: str) -> None:
    # "checks every evidence bundle with `optout-bot evidence verify`" (a folder each)
    done = world.cli(f"{command} {shlex.quote(str(world.bundle))}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK: ")


def transcript(command: str) -> tuple[list[str], str]:
    """What CONTRIBUTING.md shows ``$ command`` print, and the ``echo $?`` after it."""
    text = DOCUMENTS[1].read_text(encoding="utf-8")
    body = next(b for language, b in fenced(text) if language == "console" and command in b)
    shown = body.split(f"$ {command}\n", 1)[1].split("$ echo $?\n", 1)
    return shown[0].splitlines(), shown[1].strip()


@runs_alone(
    "optout-bot check --replica facebook --locale de --drift send_renamed --junit check.xml"
)
def _check_send_renamed(here: Path, command: str) -> None:
    # the documented command; the environment shortens the wait for the button that is not
    # there (15 s by default), which changes nothing it prints
    wait = {"OPTOUT_BOT_BROWSER__TIMEOUT_MS": "6000"}
    done = optout(*shlex.split(command)[1:], cwd=here, env={**quiet_home(here), **wait})
    lines, code = transcript(command)
    assert done.returncode == int(code) == 8, done.stdout + done.stderr
    assert done.stdout.splitlines() == lines  # CONTRIBUTING.md's transcript, line by line
    failures = [
        case.get("name")
        for case in ET.parse(here / "check.xml").getroot().iter("testcase")
        if case.find("failure") is not None
    ]
    assert failures == ["open_form"]
    assert (here / "optout-check-report" / "index.html").is_file()


@runs_alone(
    "export PLAYWRIGHT_VERSION=$(python -c 'import importlib.metadata as m; "
    'print(m.version("playwright"))\')'
)
def _playwright_version(here: Path, command: str) -> None:
    line = command.replace("$(python ", f"$({shlex.quote(sys.executable)} ")
    done = subprocess.run(
        ["bash", "-c", f'{line} && echo "$PLAYWRIGHT_VERSION"'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == importlib.metadata.version("playwright")


# --- the tests ---------------------------------------------------------------------------------


def test_every_documented_command_is_run_here_or_says_why_not() -> None:
    blocks, inline = documented(), documented(inline=True)
    assert len(blocks) >= 25 and len(inline) >= 20
    commands = set(blocks) | set(inline)
    run = set(CHECKS) | set(ALONE)
    elsewhere = set(RUN_ELSEWHERE)
    assert sorted(commands - run - elsewhere - set(NOT_RUN)) == []  # a new one needs one
    assert sorted((run | elsewhere | set(NOT_RUN)) - commands) == []  # none stale
    assert sorted(elsewhere - set(inline)) == []  # a shell block's command is run here
    assert run.isdisjoint(NOT_RUN) and set(CHECKS).isdisjoint(ALONE)
    assert elsewhere.isdisjoint(run | set(NOT_RUN))
    assert all(len(reason) > 20 for reason in NOT_RUN.values())
    for reason in NOT_RUN.values():  # a test named as running it exists
        for path, name in re.findall(r"(tests/[\w/]+\.py)::(\w+)", reason):
            assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), name


@pytest.mark.parametrize("command", sorted(RUN_ELSEWHERE), ids=lambda command: command)
def test_a_command_run_elsewhere_is_run_by_the_test_named(command: str) -> None:
    """The test exists and its source names the command's subcommand, so the table cannot
    point at a test that runs something else."""
    source = source_of_test(RUN_ELSEWHERE[command])
    assert source, f"no test {RUN_ELSEWHERE[command]}"
    words = subcommand(command)
    assert words, command  # a command with no subcommand runs here
    for word in words:
        assert re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", source), word


def test_a_fenced_block_says_its_language() -> None:
    for doc in DOCUMENTS:
        languages = {language for language, _ in fenced(doc.read_text(encoding="utf-8"))}
        assert languages <= {*SHELL, *NOT_SHELL}, doc


def test_each_documented_command_does_what_the_docs_say_on_their_configuration(
    world: World,
) -> None:
    failures = {}
    for command, check in sorted(CHECKS.items()):
        try:
            check(world, command)
        except AssertionError as error:
            failures[command] = str(error)
    assert failures == {}


@pytest.mark.parametrize("command", sorted(ALONE), ids=lambda command: command)
def test_a_documented_command_does_what_the_docs_say(command: str, tmp_path: Path) -> None:
    ALONE[command](tmp_path, command)


@pytest.mark.parametrize("doc", [DOCUMENTS[0], *DOCUMENTS[2:]], ids=["en", "ko", "de"])
def test_the_account_set_up_is_a_configuration_that_loads(doc: Path, tmp_path: Path) -> None:
    """The set-up every language shows, whole: the same settings, each a valid one."""
    block = toml_block(doc)
    names = re.findall(r"^#? ?(\w+) = ", block, flags=re.M)
    assert names == re.findall(r"^#? ?(\w+) = ", toml_block(DOCUMENTS[0]), flags=re.M)
    enabled = "\n".join(
        line.removeprefix("# ") if re.match(r"# (region|password_env) = ", line) else line
        for line in block.splitlines()
    )
    (tmp_path / "optout-bot.toml").write_text(enabled, encoding="utf-8")
    settings = load_settings(tmp_path / "optout-bot.toml")
    account = settings.accounts["facebook"]["me"]
    assert account.locale == tomllib.loads(block)["accounts"]["facebook"]["me"]["locale"]
    assert account.region == "Bayern" and settings.browser.headless
