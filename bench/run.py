"""Benchmark against the replicas (run by hand, never in the tests). One command::

    .venv/bin/python bench/run.py        # --pairs 7 --accounts 16 --jobs 1,2,4 --latency real

It measures, printing a table and writing it as JSON (``bench/results.json``):

* ``help``: ``optout-bot --help``, whole process (median wall and CPU of ``--pairs`` runs);
* ``flow``: ``optout-bot demo facebook`` (fresh home, fresh ledger) beside
  ``bench/bare_script.py``, a bare Playwright script doing the same job, as whole processes
  run one after the other in pairs (A B A B …): medians of wall and CPU (user + system of
  the process and every child: browser, driver) and the median of the per-pair ratios;
* ``accounts``: ``--accounts`` made-up people × every platform, served with ``--latency``
  (real pages take time to arrive, see optout_bot/replica/latency.py), at each of ``--jobs``:
  wall, CPU, pages per second, the speed-up over ``--jobs 1``, the peak memory (PSS) of the
  process tree and the memory each extra parallel flow costs.

The machine may be shared: numbers are medians of pairs, and the load average is recorded
beside them.
"""

from __future__ import annotations

import argparse
import compileall
import ctypes
import dataclasses
import json
import os
import platform as python_platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optout_bot import browser as browsers
from optout_bot import log
from optout_bot.flow import registry
from optout_bot.outcome import Outcome
from optout_bot.replica import Replica
from optout_bot.replica.latency import apply_latency
from optout_bot.run.engine import RunResult
from optout_bot.run.job import Job
from optout_bot.run.jobs import plan_demo, run_jobs
from optout_bot.settings import Settings

HERE = Path(__file__).resolve().parent
BARE_SCRIPT = HERE / "bare_script.py"
FORM = "https://www.facebook.com/help/contact/712876720715583"
PR_SET_CHILD_SUBREAPER = 36


# --- measuring ----------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def load() -> float:
    return round(os.getloadavg()[0], 1)


def adopt_orphans() -> None:
    """Become the parent of every process our children leave behind (Linux): Chromium's
    renderers outlive the browser process that started them, and only a process that waits
    for them counts their CPU. Without this, ``/usr/bin/time`` and rusage miss a third of a
    run's CPU."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        print("warning: cannot adopt orphans; renderers' CPU is not counted", file=sys.stderr)


def reap_orphans(timeout_s: float = 30.0) -> None:
    """Wait for every adopted process, so its CPU is counted before the next measurement."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)  # an adopted renderer still shutting down


def whole_process(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the process and of every process it started,
    renderers included) of one run of ``command``, in ``cwd`` with ``cwd`` as its home
    (nothing of this user's is read)."""
    env = {
        **os.environ,
        "HOME": str(cwd),
        "XDG_DATA_HOME": str(cwd / "data"),
        "XDG_CONFIG_HOME": str(cwd / "config"),
    }
    env = {k: v for k, v in env.items() if not k.upper().startswith("OPTOUT_BOT_")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


@contextmanager
def scratch() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="optout-bench-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def tree_pss_kib(root: int) -> int:
    """Proportional set size of ``root`` and all its descendants (shared pages counted once)."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        todo += tree.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


@contextmanager
def peak_memory() -> Iterator[dict[str, float]]:
    """Samples the process tree's PSS every 0.2 s while the block runs; ``peak_mib`` after."""
    found = {"peak_mib": 0.0}
    done = threading.Event()

    def sample() -> None:
        while True:
            found["peak_mib"] = max(found["peak_mib"], tree_pss_kib(os.getpid()) / 1024)
            if done.wait(0.2):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield found
    finally:
        done.set()
        sampler.join()


class PageCounter:
    """Counts the HTML documents the replicas serve: the pages the flows loaded."""

    def __init__(self) -> None:
        self.pages = 0
        self._lock = threading.Lock()
        original = Replica.handle

        def counting(replica: Replica, request: Any) -> Any:
            response = original(replica, request)
            if response.content_type.startswith("text/html") and request.method == "GET":
                with self._lock:
                    self.pages += 1
            return response

        Replica.handle = counting  # type: ignore[method-assign,assignment]


def settings_in(root: Path) -> Settings:
    return Settings.model_validate(
        {
            "output": {
                "evidence_dir": root / "evidence",
                "ledger": root / "ledger.sqlite3",
                "sessions_dir": root / "sessions",
            }
        }
    )


def expect_ok(results: list[RunResult], what: str) -> None:
    bad = [
        f"{r.platform}/{r.account}: {r.outcome.value}: {r.message}"
        for r in results
        if r.outcome not in (Outcome.SUBMITTED, Outcome.ALREADY_DONE)
    ]
    if bad:
        raise SystemExit(
            f"{what}: a flow did not succeed, numbers would mean nothing:\n" + "\n".join(bad)
        )


# --- the parts ----------------------------------------------------------------------------------


def precompile() -> None:
    """Write the project's bytecode once, as installing a package does: with
    ``PYTHONDONTWRITEBYTECODE`` set (some shells and containers set it) every measured run
    would otherwise compile its seventy-odd modules from source, which no installed
    optout-bot does."""
    for package in ("optout_bot", "flows", "fixtures"):
        compileall.compile_dir(HERE.parent / package, quiet=1)


def command() -> list[str]:
    script = Path(sys.executable).with_name("optout-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "optout_bot"]


def measure_help(pairs: int) -> dict[str, Any]:
    """``optout-bot --help``: what a person waits for before anything happens."""
    samples = []
    with scratch() as root:
        for _ in range(pairs):
            samples.append(whole_process([*command(), "--help"], root))
    return {
        "wall_s": median([w for w, _ in samples]),
        "cpu_s": median([c for _, c in samples]),
        "samples": samples,
    }


def record_answers(root: Path) -> dict[str, Any]:
    """The bare script's job: the browser, the made-up account, and every answer the
    Facebook replica gave a real run, in order (recorded where the route fulfils them)."""
    from playwright.sync_api import Route

    answers: dict[str, list[dict[str, Any]]] = {}
    original = Route.fulfill

    def recording(route: Route, **answer: Any) -> None:
        answers.setdefault(f"{route.request.method} {route.request.url}", []).append(
            {
                "status": answer.get("status", 200),
                "headers": answer.get("headers") or {},
                "body": answer.get("body") or "",
            }
        )
        original(route, **answer)

    plan = plan_demo(["facebook"])
    job = plan.jobs[0]
    Route.fulfill = recording  # type: ignore[method-assign,assignment]
    try:
        expect_ok(run_jobs(settings_in(root), plan.jobs, workers=1), "recording")
    finally:
        Route.fulfill = original  # type: ignore[method-assign]
    settings = Settings().browser
    executable = browsers.binary(settings)
    assert job.account.password is not None
    return {
        "executable": str(executable),
        "args": browsers.launch_args(settings, executable),
        "login": job.account.login,
        "password": job.account.password.get_secret_value(),
        "email": job.account.form_email_or_none() or job.account.login,
        "reason": job.account.form_reason(),
        "login_url": job.flow.URLS["login"],
        "form_url": FORM,
        "confirmation": "Your objection has been received",
        "answers": answers,
    }


def measure_flow(pairs: int) -> dict[str, Any]:
    """One Facebook objection, ours and the bare script's, as whole processes in pairs."""
    with scratch() as root:
        job_file = root / "bare-job.json"
        job_file.write_text(json.dumps(record_answers(root / "recording")), encoding="utf-8")
        ours_command = [
            *command(),
            "--out",
            "evidence",
            "--ledger",
            "ledger.sqlite3",
            "demo",
            "facebook",
        ]
        bare_command = [sys.executable, str(BARE_SCRIPT), str(job_file), "."]
        ours: list[tuple[float, float]] = []
        bare: list[tuple[float, float]] = []
        loads = [load()]
        for _ in range(pairs):
            for samples, argv in ((ours, ours_command), (bare, bare_command)):
                with scratch() as cwd:
                    samples.append(whole_process(argv, cwd))
            loads.append(load())
    wall = [o[0] / b[0] for o, b in zip(ours, bare, strict=True)]
    cpu = [o[1] / b[1] for o, b in zip(ours, bare, strict=True)]
    return {
        "ours": {"wall_s": median([w for w, _ in ours]), "cpu_s": median([c for _, c in ours])},
        "bare": {"wall_s": median([w for w, _ in bare]), "cpu_s": median([c for _, c in bare])},
        "wall_ratio": median(wall),
        "cpu_ratio": median(cpu),
        "samples": {"ours": ours, "bare": bare},
        "load_average": loads,
    }


def many_accounts(
    accounts: int, workers: int, latency: str, counter: PageCounter
) -> dict[str, float]:
    """``accounts`` made-up people, each with every platform and its own replicas."""
    jobs: list[Job] = []
    for person in range(accounts):
        plan = plan_demo([])
        apply_latency(plan.replicas.values(), latency, seed=person)
        jobs += [dataclasses.replace(job, label=f"person{person:02d}") for job in plan.jobs]
    with scratch() as root:
        pages_before = counter.pages
        times_before = os.times()
        began = time.perf_counter()
        with peak_memory() as memory:
            results = run_jobs(settings_in(root), jobs, workers=workers)
        wall = time.perf_counter() - began
        times_after = os.times()
        expect_ok(results, f"{accounts} accounts, {workers} at once")
    cpu = sum(times_after[:4]) - sum(times_before[:4])
    pages = counter.pages - pages_before
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "flows": len(jobs),
        "pages": pages,
        "pages_per_s": round(pages / wall, 2),
        "peak_mib": round(memory["peak_mib"], 1),
        "load_average": load(),
    }


def measure_accounts(accounts: int, jobs: list[int], latency: str, reps: int) -> dict[str, Any]:
    counter = PageCounter()
    runs: dict[int, list[dict[str, float]]] = {n: [] for n in jobs}
    for _ in range(reps):  # each repetition runs every --jobs value in turn
        for workers in jobs:
            runs[workers].append(many_accounts(accounts, workers, latency, counter))
    summary: dict[str, Any] = {}
    base = jobs[0]
    for workers, samples in runs.items():
        entry = {key: median([float(s[key]) for s in samples]) for key in samples[0]}
        entry["speedup"] = round(
            median([float(s["wall_s"]) for s in runs[base]]) / entry["wall_s"], 2
        )
        if workers > base:
            entry["mib_per_extra_flow"] = round(
                (entry["peak_mib"] - median([float(s["peak_mib"]) for s in runs[base]]))
                / (workers - base),
                1,
            )
        summary[str(workers)] = {**entry, "samples": samples}
    return summary


# --- the report ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            model = next(
                (line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")),
                model,
            )
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = 0.0
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(memory, 1),
        "system": f"{python_platform.system()} {python_platform.release()}",
        "python": python_platform.python_version(),
        "browser": chromium_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": load(),
    }


def chromium_version() -> str:
    try:
        done = subprocess.run(
            [str(browsers.binary(Settings().browser)), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return done.stdout.strip()
    except OSError:
        return "unknown"


def table(report: dict[str, Any], accounts: int, latency: str) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if "help" in report:
        help_ = report["help"]
        rows.append(
            ("`optout-bot --help`: wall / CPU s", f"{help_['wall_s']:.2f} / {help_['cpu_s']:.2f}")
        )
    if "flow" in report:
        flow = report["flow"]
        rows.append(
            (
                "one flow, `demo facebook` / bare script: wall s",
                f"{flow['ours']['wall_s']:.2f} / {flow['bare']['wall_s']:.2f} "
                f"(**{flow['wall_ratio']:.2f}×**)",
            )
        )
        rows.append(
            (
                "one flow, `demo facebook` / bare script: CPU s",
                f"{flow['ours']['cpu_s']:.2f} / {flow['bare']['cpu_s']:.2f} "
                f"(**{flow['cpu_ratio']:.2f}×**)",
            )
        )
    for workers, entry in report.get("accounts", {}).items():
        extra = (
            f", {entry['mib_per_extra_flow']:.0f} MiB per extra flow"
            if "mib_per_extra_flow" in entry
            else ""
        )
        rows.append(
            (
                f"{accounts} accounts × {len(registry.discover())} platforms, "
                f"latency {latency}, `--jobs {workers}`",
                f"{entry['wall_s']:.0f} s wall (**{entry['speedup']:.2f}×**), "
                f"{entry['cpu_s']:.0f} s CPU, {entry['pages_per_s']:.1f} pages/s, "
                f"peak {entry['peak_mib']:.0f} MiB{extra}",
            )
        )
    return rows


def shown_path(path: Path) -> str:
    """``path`` relative to the project when inside it: no machine's folders in the results."""
    resolved = path.resolve()
    root = HERE.parent
    return str(resolved.relative_to(root)) if resolved.is_relative_to(root) else path.name


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--parts",
        default="help,flow,accounts",
        help="what to measure, comma-separated: help, flow, accounts",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=7,
        help="runs of --help, and pairs of ours/bare for one flow (medians)",
    )
    parser.add_argument("--accounts", type=int, default=16, help="made-up people")
    parser.add_argument(
        "--jobs",
        default="1,2,4",
        help="flows at once to compare, comma-separated; the first is the base",
    )
    parser.add_argument(
        "--latency", default="real", help="replica latency for the accounts part: real, none or ms"
    )
    parser.add_argument("--reps", type=int, default=1, help="repetitions of the accounts part")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    log.configure(level="error")
    adopt_orphans()
    precompile()
    parts = set(args.parts.split(","))
    report: dict[str, Any] = {
        "machine": machine(),
        "arguments": vars(args) | {"out": shown_path(args.out)},
    }
    print(f"machine: {report['machine']}", flush=True)
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("help", lambda: measure_help(args.pairs)),
        ("flow", lambda: measure_flow(args.pairs)),
        (
            "accounts",
            lambda: measure_accounts(
                args.accounts, [int(n) for n in args.jobs.split(",")], args.latency, args.reps
            ),
        ),
    ]
    for name, measure in steps:
        if name in parts:
            report[name] = measure()
            print(f"{name}: done (load average {load()})", flush=True)
    report["machine"]["load_average_at_end"] = load()
    rows = table(report, args.accounts, args.latency)
    report["table"] = rows
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("\n| measurement | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
