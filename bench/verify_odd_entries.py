"""What ``evidence verify`` costs on a bundle holding odd entries: a symlinked manifest, a FIFO,
a link to ``/dev/zero`` and a 1 GiB (sparse) file. Each must be reported, not read: a few
seconds at most and little memory, never a hang.

    python bench/verify_odd_entries.py

Each case runs ``optout-bot evidence verify`` in a process of its own under GNU time
(``/usr/bin/time -v``) and prints its wall time, peak memory (maximum resident set size), exit
code and the line naming the entry. A case that hangs is stopped after ``LIMIT_SECONDS``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from optout_bot.records.evidence import EvidenceBundle

LIMIT_SECONDS = 60
TIME = "/usr/bin/time"


def symlinked_manifest(bundle: Path) -> None:
    elsewhere = bundle.parents[3] / "copy.json"
    shutil.copy(bundle / "manifest.json", elsewhere)
    (bundle / "manifest.json").unlink()
    (bundle / "manifest.json").symlink_to(elsewhere)


def fifo(bundle: Path) -> None:
    os.mkfifo(bundle / "addendum-1.json")


def dev_zero_link(bundle: Path) -> None:
    (bundle / "addendum-1.json").symlink_to("/dev/zero")


def one_gib_file(bundle: Path) -> None:
    with (bundle / "addendum-1.json").open("wb") as handle:
        handle.truncate(1 << 30)


def nothing_odd(bundle: Path) -> None:
    """The control: a bundle as a run leaves it (the cost of starting the command)."""


CASES: dict[str, Callable[[Path], None]] = {
    "control: a clean bundle": nothing_odd,
    "symlinked manifest": symlinked_manifest,
    "FIFO (addendum name)": fifo,
    "/dev/zero link": dev_zero_link,
    "1 GiB sparse file": one_gib_file,
}


def measure(name: str, make: Callable[[Path], None]) -> dict[str, str]:
    root = Path(tempfile.mkdtemp(prefix="verify-bench-"))
    try:
        bundle = EvidenceBundle.create(root / "evidence", "facebook", "me", {"mode": "replica"})
        bundle.finish("submitted", "sent")
        make(bundle.directory)
        command = [TIME, "-v", sys.executable, "-m", "optout_bot", "--ledger"]
        command += [str(root / "ledger.sqlite3"), "evidence", "verify", str(bundle.directory)]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=LIMIT_SECONDS, cwd=root
            )
        except subprocess.TimeoutExpired:
            return {"case": name, "result": f"HUNG (stopped after {LIMIT_SECONDS} s)"}
        wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", done.stderr)
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        said = next((line for line in done.stderr.splitlines() if "FAILED" in line), "")
        return {
            "case": name,
            "exit": str(done.returncode),
            "wall": wall.group(1) if wall else "?",
            "peak MiB": f"{int(peak.group(1)) / 1024:.0f}" if peak else "?",
            "said": said.replace(str(bundle.directory), "BUNDLE"),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    for name, make in CASES.items():
        print(" | ".join(f"{k}: {v}" for k, v in measure(name, make).items()), flush=True)


if __name__ == "__main__":
    main()
