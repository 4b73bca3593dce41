"""Installing: scripts/setup.sh's choice of browser (its functions run against fake commands),
``python -m optout_bot``, and a wheel (what ``pipx install .`` and the image install) that holds
every data file the engine, flows and replicas read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "scripts" / "setup-lib.sh"
# Real tools the functions may use; everything else (python, apt-get, sudo, id, uname) is fake.
BASH = shutil.which("bash") or "/bin/bash"
REAL_TOOLS = ("sh", "head", "grep", "readlink", "timeout", "sleep", "cat", "tr")

FAKE_PYTHON = """#!/bin/sh
# Answers setup-lib.sh's two questions to the virtualenv's Python from the environment.
case "$2" in
  *executable_path*) exit "${FAKE_PLAYWRIGHT_HAS_CHROMIUM:-1}" ;;
  *create_connection*)
    if [ -n "$FAKE_DOWNLOAD_HANGS" ]; then exec sleep 600; fi
    exit "${FAKE_DOWNLOAD_REACHABLE:-1}" ;;
  *version_info*) exit "${FAKE_PYTHON_TOO_OLD:-0}" ;;
esac
exit 99
"""
FAKE_APT_CACHE = """#!/bin/sh
if [ -n "$FAKE_APT_SNAP" ]; then
  echo "Description-en: Transitional package - chromium -> chromium snap"
else
  echo "Description-en: web browser"
fi
"""
REAL_CHROMIUM = '#!/bin/sh\necho "Chromium 120.0 built on Debian"\n'
DEBIAN_LAUNCHER = '#!/bin/sh\n# Chromium launcher\nexec /usr/lib/chromium/chromium "$@"\n'
# Ubuntu's wrapper with the snap installed: it answers --version (through the snap).
UBUNTU_STUB = """#!/bin/sh
if ! [ -x /snap/bin/chromium ] && [ -z "$FAKE_SNAP_INSTALLED" ]; then
  echo "Command '$0' requires the chromium snap to be installed." >&2
  exit 1
fi
case "$1" in --version) echo "Chromium 120.0 snap"; exit 0 ;; esac
exec /snap/bin/chromium "$@"
"""
BROKEN_CHROMIUM = "#!/bin/sh\nexit 127\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


class Machine:
    """A fake machine: a PATH of fake commands, a chromium file of a chosen kind."""

    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.bin.mkdir()
        for tool in REAL_TOOLS:
            real = shutil.which(tool)
            assert real, f"{tool} is needed to run this test"
            (self.bin / tool).symlink_to(real)
        self.python = _write(self.bin / "python", FAKE_PYTHON)
        _write(self.bin / "python3", FAKE_PYTHON)
        _write(self.bin / "id", '#!/bin/sh\necho "${FAKE_UID:-0}"\n')
        _write(self.bin / "uname", '#!/bin/sh\necho "${FAKE_SYSTEM:-Linux}"\n')
        self.chromium = root / "usr-bin-chromium"
        self.env: dict[str, str] = {
            "PATH": str(self.bin),
            "HOME": str(root),
            "FAKE_SNAP_INSTALLED": "1",
            "SYSTEM_CHROMIUM": str(self.chromium),
            "PROBE_SECONDS": "1",
        }

    def with_apt(self, snap: bool = False) -> Machine:
        _write(self.bin / "apt-get", "#!/bin/sh\nexit 0\n")
        _write(self.bin / "apt-cache", FAKE_APT_CACHE)
        if snap:
            self.env["FAKE_APT_SNAP"] = "1"
        return self

    def with_chromium(self, text: str) -> Machine:
        _write(self.chromium, text)
        return self

    def run(self, snippet: str, **facts: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **facts}
        return subprocess.run(
            [BASH, "-c", f'. "{LIB}"; {snippet}'],
            env=env,
            text=True,
            capture_output=True,
            timeout=120,
            check=False,
        )

    def choose(self, **facts: str) -> str:
        done = self.run(f'choose_browser "{self.python}"', **facts)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


def test_playwrights_own_chromium_already_downloaded_is_what_optout_bot_uses(
    machine: Machine,
) -> None:
    machine.with_apt().with_chromium(REAL_CHROMIUM)
    assert machine.choose(FAKE_PLAYWRIGHT_HAS_CHROMIUM="0") == "playwright"


def test_a_working_debian_chromium_is_used_without_trying_the_download(machine: Machine) -> None:
    machine.with_apt().with_chromium(REAL_CHROMIUM)
    assert machine.choose(FAKE_DOWNLOAD_REACHABLE="0") == "system"


def test_ubuntus_snap_stub_is_no_browser_and_the_download_is_tried(machine: Machine) -> None:
    machine.with_apt(snap=True).with_chromium(UBUNTU_STUB)
    assert machine.choose(FAKE_DOWNLOAD_REACHABLE="0") == "download"


def test_a_symlink_into_the_snap_is_a_stub_too(machine: Machine) -> None:
    machine.with_apt(snap=True)
    machine.chromium.symlink_to("/snap/bin/chromium")
    assert machine.run(f'is_snap_stub "{machine.chromium}"').returncode == 0
    assert machine.choose(FAKE_DOWNLOAD_REACHABLE="0") == "download"


def test_debians_own_launcher_script_is_not_a_stub(machine: Machine) -> None:
    machine.with_chromium(DEBIAN_LAUNCHER)
    assert machine.run(f'is_snap_stub "{machine.chromium}"').returncode == 1


def test_without_a_browser_or_the_download_debians_chromium_is_installed(machine: Machine) -> None:
    machine.with_apt()
    assert machine.choose() == "apt"


def test_a_chromium_that_does_not_start_is_replaced(machine: Machine) -> None:
    machine.with_apt().with_chromium(BROKEN_CHROMIUM)
    assert machine.choose() == "apt"


def test_a_hanging_download_host_is_given_up_on(machine: Machine) -> None:
    machine.with_apt()
    assert machine.choose(FAKE_DOWNLOAD_HANGS="1") == "apt"


def test_ubuntu_without_the_download_has_no_browser_and_says_what_to_do(machine: Machine) -> None:
    machine.with_apt(snap=True).with_chromium(UBUNTU_STUB)
    assert machine.choose() == "none"
    advice = machine.run("no_browser_advice", FAKE_APT_SNAP="1").stdout
    assert advice.count("\n") == 1, "one line"
    assert "snap" in advice and "browser.executable" in advice


def test_no_apt_or_no_root_means_no_browser_and_one_line_of_advice(machine: Machine) -> None:
    assert machine.choose() == "none"
    advice = machine.run("no_browser_advice").stdout
    assert advice.count("\n") == 1 and "package manager" in advice
    machine.with_apt()
    assert machine.choose(FAKE_UID="1000") == "none", "no sudo on PATH"
    advice = machine.run("no_browser_advice", FAKE_UID="1000").stdout
    assert advice.count("\n") == 1 and "apt-get install chromium" in advice


def test_sudo_without_a_password_counts_as_root(machine: Machine) -> None:
    machine.with_apt()
    _write(machine.bin / "sudo", "#!/bin/sh\nexit 0\n")
    assert machine.choose(FAKE_UID="1000") == "apt"


def test_macos_advice_names_what_to_install(machine: Machine) -> None:
    advice = machine.run("no_browser_advice", FAKE_SYSTEM="Darwin").stdout
    assert advice.count("\n") == 1 and "Google Chrome" in advice
    no_python = machine.run(
        "find_python || no_python_advice", FAKE_SYSTEM="Darwin", FAKE_PYTHON_TOO_OLD="1"
    )
    assert no_python.stdout.count("\n") == 1
    assert "python.org" in no_python.stdout and "Homebrew" in no_python.stdout


def test_setup_browser_forces_a_way(machine: Machine) -> None:
    machine.with_apt().with_chromium(REAL_CHROMIUM)
    assert machine.choose(SETUP_BROWSER="playwright") == "download"
    assert machine.choose(SETUP_BROWSER="system", FAKE_PLAYWRIGHT_HAS_CHROMIUM="0") == "system"


def test_debians_headless_shell_is_wanted_only_beside_debians_chromium(machine: Machine) -> None:
    machine.with_apt().with_chromium(REAL_CHROMIUM)
    shell = machine.bin.parent / "headless-shell"

    def wanted(choice: str) -> bool:
        done = machine.run(f"wants_headless_shell {choice}", HEADLESS_SHELL=str(shell))
        return done.returncode == 0

    assert wanted("system") and wanted("apt")
    assert not wanted("playwright")  # Playwright brings its own headless shell
    no_root = machine.run("wants_headless_shell system", HEADLESS_SHELL=str(shell), FAKE_UID="1")
    assert no_root.returncode != 0  # apt cannot install anything here
    _write(shell, REAL_CHROMIUM)
    assert not wanted("system")  # already installed


def test_python_dash_m_optout_bot_is_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "optout_bot", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and "demo" in done.stdout and "evidence" in done.stdout


PLATFORMS = ("flows", "fixtures")


def test_the_wheel_holds_every_data_file(tmp_path: Path) -> None:
    """What ``pipx install .`` and the Docker image get: a file left out of package-data is a
    flow or a replica that works from the source tree and fails once installed. Nothing but
    ``optout_bot`` lands in site-packages (``flows`` and ``fixtures`` are installed inside it,
    so PyPI's ``fixtures`` cannot clash with ours)."""
    source = tmp_path / "source"
    for name in ("pyproject.toml", "setup.py", "README.md"):
        (source / name).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    for top in ("optout_bot", "flows", "fixtures"):
        shutil.copytree(
            ROOT / top, source / top, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--wheel-dir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("optout_bot-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    tops = {name.split("/")[0] for name in packed}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"optout_bot"}, (
        "the wheel installs only optout_bot: flows/ and fixtures/ go inside it"
    )
    inside = {"optout_bot": "optout_bot", **{t: f"optout_bot/_platforms/{t}" for t in PLATFORMS}}
    wanted = {
        f"{inside[top]}/{path.relative_to(ROOT / top).as_posix()}"
        for top in ("optout_bot", *PLATFORMS)
        for path in (ROOT / top).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert wanted, "nothing found to check"
    assert sorted(wanted - packed) == []
