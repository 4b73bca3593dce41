"""The machine itself as a stranger: another name for the ledger, files other users can change,
a umask of 000, a POSIX locale, secrets in addresses and in a killed run's scratch folder."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from optout_bot.browser import secret_spellings
from optout_bot.log import SecretRedactor
from optout_bot.outcome import Outcome
from optout_bot.records.evidence import EvidenceBundle
from optout_bot.records.ledger import LedgerBusy, exclusive
from tests.engine import run_process
from tests.engine.run_process import (
    PASSWORD,
    TEMP_FOLDERS,
    end_everything_of,
    environment,
    short_temp_folder,
    wait_for_steps,
)
from tests.engine.secret_forms import form_encoded, leaks_in_files
from tests.engine.test_cli import optout

CONFIG = "[accounts.facebook.mina]\nlogin = 'mina@example.org'\ncountry = 'Germany'\n"


def _one_line(done: subprocess.CompletedProcess[str], code: int, expected: str) -> None:
    assert done.returncode == code, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr
    assert "crashed" not in done.stderr


# --- 4. one ledger, whatever its name ------------------------------------------------------------


@pytest.mark.parametrize("other_name", ["symlink", "hardlink"])
def test_a_second_run_through_another_name_of_the_ledger_is_refused(
    tmp_path: Path, other_name: str
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    ledger.touch(mode=0o600)
    alias = tmp_path / "sub" / "alias.sqlite3"
    alias.parent.mkdir()
    if other_name == "symlink":
        alias.symlink_to(ledger)
    else:
        os.link(ledger, alias)
    with exclusive(ledger), pytest.raises(LedgerBusy) as busy, exclusive(alias):
        pass
    assert f"pid {os.getpid()}" in str(busy.value)
    with exclusive(alias):  # free again once the first run ended
        pass


# --- 5. secrets in log lines, messages and a killed run's scratch folder -------------------------


def test_a_password_a_page_put_in_its_address_is_in_no_log_line() -> None:
    password = "pw~Kx*9!canary-GET-5521"
    redactor = SecretRedactor([password])
    stranger = "unregistered-Secret-77"  # a value only its name says is secret
    event = redactor(
        None,
        "info",
        {
            "event": "step ended",
            "url": f"https://www.facebook.com/login/?email=a%40b.org&pass={form_encoded(password)}",
            "message": f"run finished at https://example.org/cb?token={stranger}&next=/",
        },
    )
    line = json.dumps(event)
    anyhow = secret_spellings.matcher([password, stranger])
    assert anyhow is not None
    assert anyhow.search(line) is None, line
    assert "email=a%40b.org" in line  # what is not secret is kept


def test_a_key_in_the_path_of_a_browser_endpoint_is_never_shown(tmp_path: Path) -> None:
    key = "k3yS3cr3tInPath9876"
    (tmp_path / "optout-bot.toml").write_text(CONFIG)
    (tmp_path / "optout-bot.toml").chmod(0o600)
    done = optout(
        "--browser-endpoint",
        f"ws://127.0.0.1:9/playwright/{key}",
        "--ledger",
        "l.sqlite3",
        "run",
        "--replica",
        "facebook",
        cwd=tmp_path,
        env={"OPTOUT_BOT_ACCOUNTS__FACEBOOK__MINA__PASSWORD": "pw-endpoint-1"},
    )
    assert done.returncode != 0
    assert "127.0.0.1:9" in done.stderr + done.stdout  # the endpoint is named …
    assert key not in done.stderr + done.stdout  # … without its key


def _ram_backed_shm() -> bool:
    mounts = Path("/proc/self/mounts").read_text().splitlines()
    return any(line.split()[1:3] == ["/dev/shm", "tmpfs"] for line in mounts)


@pytest.mark.skipif(not _ram_backed_shm(), reason="no memory-backed /dev/shm on this system")
def test_a_run_killed_with_traces_on_leaves_no_secret_on_disk(tmp_path: Path) -> None:
    """No ``$XDG_RUNTIME_DIR`` (a service, a container): the scratch folder is in memory."""
    with short_temp_folder() as temp:
        process = _start_without_runtime_dir(tmp_path, temp)
        try:
            wait_for_steps(tmp_path, process, "fill")
            os.killpg(process.pid, signal.SIGKILL)
            assert process.wait(timeout=60) == -signal.SIGKILL
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            end_everything_of(temp)
        on_disk = [tmp_path, *(temp / folder for folder in TEMP_FOLDERS)]
        left = [leak for folder in on_disk for leak in leaks_in_files(folder, [PASSWORD])]
        shm = Path("/dev/shm") / f"optout-bot-{os.getuid()}"
        in_memory = sorted(shm.glob(f"run-{process.pid}-*"))
        for folder in in_memory:
            shutil.rmtree(folder, ignore_errors=True)
    assert left == []
    assert in_memory, "the killed run's scratch folder was in memory"


def _start_without_runtime_dir(root: Path, temp: Path) -> subprocess.Popen[bytes]:
    """``run --replica facebook`` keeping traces (``-v``), as ``run_process.start_run`` starts
    it, but with no ``$XDG_RUNTIME_DIR``."""
    (root / "optout-bot.toml").write_text(run_process.CONFIG, encoding="utf-8")
    env = environment(temp)
    del env["XDG_RUNTIME_DIR"]
    arguments = ["--log-json", "-v", "--out", "ev", "--ledger", "l.sqlite3", "run", "--replica"]
    with open(root / "stderr.txt", "wb") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "optout_bot", *arguments, "facebook"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
        )


# --- 6. files others can change --------------------------------------------------------------


def test_a_label_file_others_can_change_is_refused(tmp_path: Path) -> None:
    overlay = tmp_path / "config" / "optout-bot" / "labels" / "facebook"
    overlay.mkdir(parents=True)
    (overlay / "en.toml").write_text('[[send]]\ntext = "Send"\nunconfirmed = true\n')
    (overlay / "en.toml").chmod(0o666)
    done = optout(
        "--ledger", "l.sqlite3", "demo", "facebook", cwd=tmp_path, env=_config_home(tmp_path)
    )
    assert done.returncode == 2, done.stderr
    assert "can be changed by other users" in done.stderr and "en.toml" in done.stderr
    assert not list(tmp_path.rglob("manifest.json")), "nothing was started"


def test_a_label_overlay_folder_others_can_change_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared-labels"
    (shared / "facebook").mkdir(parents=True)
    shared.chmod(0o777)
    env = {**_config_home(tmp_path), "OPTOUT_BOT_LABELS_PATH": str(shared)}
    done = optout("--ledger", "l.sqlite3", "demo", "facebook", cwd=tmp_path, env=env)
    assert done.returncode == 2, done.stderr
    assert "can be changed by other users" in done.stderr and "shared-labels" in done.stderr


def _config_home(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "d")}


def test_a_configuration_holding_only_a_mailbox_password_others_can_change_is_refused(
    tmp_path: Path,
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        CONFIG + "[accounts.facebook.mina.mail]\nhost = 'imap.example.org'\n"
        "user = 'mina@example.org'\npassword = 'mail-app-password-1'\n"
    )
    config.chmod(0o666)
    done = optout("--config", str(config), "--ledger", "l.sqlite3", "history", cwd=tmp_path)
    _one_line(done, 2, "other users can change it")


def test_a_letter_is_never_writable_by_others_whatever_the_umask(tmp_path: Path) -> None:
    bundle = EvidenceBundle.create(tmp_path / "ev", "facebook", "me", {"mode": "replica"})
    bundle.finish("submitted", "sent")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "optout_bot",
            "letter",
            str(bundle.directory),
            "--practice",  # a replica bundle: a practice letter, still a file of its own
            "--out",
            "l.txt",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0),
    )
    assert done.returncode == 0, done.stderr
    mode = (tmp_path / "l.txt").stat().st_mode & 0o777
    assert mode & 0o022 == 0, oct(mode)
    assert "objection" in (tmp_path / "l.txt").read_text().lower()


# --- 7. bad input: one line, exit 2 ----------------------------------------------------------


@pytest.mark.parametrize("command", [["demo", "facebook"], ["history"], ["mail"]])
def test_a_ledger_that_is_a_folder_is_one_line(tmp_path: Path, command: list[str]) -> None:
    done = optout("--ledger", ".", *command, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "is a folder" in done.stderr and "crashed" not in done.stderr


def test_a_posix_locale_without_utf8_coercion_runs_with_a_password_in_any_script(
    tmp_path: Path,
) -> None:
    (tmp_path / "optout-bot.toml").write_text(CONFIG)
    (tmp_path / "optout-bot.toml").chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPTOUT_BOT_", "LC_"))}
    env.update(
        LC_ALL="C",
        LANG="C",
        PYTHONUTF8="0",
        PYTHONCOERCECLOCALE="0",
        OPTOUT_BOT_ACCOUNTS__FACEBOOK__MINA__PASSWORD="Pässwörd-Кириллица-密码",
    )
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run(
        [sys.executable, "-m", "optout_bot", "--ledger", "l.sqlite3", "run", "--replica"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == Outcome.SUBMITTED.exit_code, done.stderr.decode("utf-8", "replace")
    [run] = _runs(tmp_path / "l.sqlite3")
    assert run == ("facebook", "submitted")


def _runs(path: Path) -> list[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(path) as db:
        return [(p, o) for p, o in db.execute("SELECT platform, outcome FROM runs")]
