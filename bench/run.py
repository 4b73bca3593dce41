"""Benchmark against the replicas (run by hand, never in the tests).

One command, from the repository root::

    .venv/bin/python bench/run.py            # --reps 3 --accounts 1,4,16 --jobs <cores>

It measures, each as the median of ``--reps`` repetitions:

* a whole demo run per platform and for all platforms, cold (new login, browser started)
  and warm (the same job again in this process, against the same replica: saved session);
* a minimal hand-written Playwright script doing the Facebook steps with no engine (no
  logging, evidence, ledger or retries) — the floor for one flow — and our time / its time,
  both for the whole run (browser start included) and for the flow alone (browser running);
* N accounts x all platforms, one after the other (``--jobs 1``) and ``--jobs J`` at once:
  wall time, pages per second, peak memory (PSS) of the whole process tree, speed-up, and
  the memory each extra parallel flow costs.

It prints a table and writes it as JSON (``bench/results.json``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform as python_platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, sync_playwright

from optout_bot import browser as browsers
from optout_bot import log, registry
from optout_bot.browser import new_context, open_browser
from optout_bot.outcome import Outcome
from optout_bot.records.ledger import Ledger
from optout_bot.replica import Replica, mount
from optout_bot.run import parallel
from optout_bot.run.engine import Engine, Job, RunResult
from optout_bot.run.jobs import plan_demo, run_jobs
from optout_bot.settings import Settings

HERE = Path(__file__).resolve().parent


# --- measuring ----------------------------------------------------------------------------------


class PageCounter:
    """Counts HTML documents the replicas serve: the pages the flows loaded."""

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

        Replica.handle = counting  # type: ignore[assignment]


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


@contextmanager
def scratch() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="optout-bench-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    value = action()
    return time.perf_counter() - began, value


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


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


# --- the measurements ---------------------------------------------------------------------------


def demo_cold_warm(platforms: list[str], workers: int) -> tuple[float, float]:
    """A whole demo run (browser started, flows, evidence, ledger), then the same jobs again
    in this process against the same replicas: the saved sessions skip the login."""
    with scratch() as root:
        settings = settings_in(root)
        plan = plan_demo(platforms)
        cold, results = timed(lambda: run_jobs(settings, plan.jobs, workers=workers))
        expect_ok(results, f"cold {platforms}")
        warm, results = timed(lambda: run_jobs(settings, plan.jobs, workers=workers))
        expect_ok(results, f"warm {platforms}")
    return cold, warm


def minimal_facebook_flow(browser: Browser) -> None:
    """The Facebook steps, written by hand: what one flow cannot be faster than."""
    plan = plan_demo(["facebook"])
    job = plan.jobs[0]
    assert job.account.password is not None
    context = new_context(browser, "en")
    try:
        mount(context, plan.jobs[0].replicas)
        page = context.new_page()
        page.goto("https://www.facebook.com/login/")
        cookies = page.get_by_role("button", name="Allow all cookies")
        login = page.get_by_label("Email address or phone number")
        cookies.or_(login).first.wait_for()
        if cookies.is_visible():
            cookies.click()
        login.fill(job.account.login)
        page.get_by_label("Password", exact=True).fill(job.account.password.get_secret_value())
        page.get_by_role("button", name="Log in", exact=True).click()
        page.get_by_role("navigation", name="Facebook").wait_for()
        page.goto("https://www.facebook.com/help/contact/712876720715583")
        page.get_by_label("Email address").fill(job.account.form_email_or_none() or "")
        page.get_by_label("How does this processing impact you?").fill(job.account.form_reason())
        page.get_by_role("button", name="Send", exact=True).click()
        page.get_by_role("heading", name="Your objection has been received").wait_for()
    finally:
        context.close()
    replica = next(iter(plan.replicas.values()))
    assert len(replica.events("objection_received")) == 1, "the minimal script did not submit"


def minimal_whole(settings: Settings) -> float:
    """The minimal script including starting Playwright and the browser, as a run does."""
    began = time.perf_counter()
    with sync_playwright() as playwright:
        browser = browsers.launch(playwright, settings.browser)
        minimal_facebook_flow(browser)
        browser.close()
    return time.perf_counter() - began


def engine_vs_minimal_flow_only(settings: Settings, reps: int) -> tuple[float, float]:
    """One Facebook flow with the browser already running: through the engine, and by hand."""
    ours: list[float] = []
    floor: list[float] = []
    with open_browser(settings.browser) as browser:
        minimal_facebook_flow(browser)  # warm-up: first page, fonts, caches
        for _ in range(reps):
            floor.append(timed(lambda: minimal_facebook_flow(browser))[0])
            with scratch() as root:
                run_settings = settings_in(root)
                ledger = Ledger(run_settings.output.ledger)
                job = plan_demo(["facebook"]).jobs[0]
                engine = Engine(run_settings, ledger, browser)
                seconds, result = timed(functools.partial(engine.run, job))
                ledger.close()
                expect_ok([result], "engine flow")
                ours.append(seconds)
    return median(ours), median(floor)


def many_accounts(accounts: int, workers: int, counter: PageCounter) -> dict[str, float]:
    """``accounts`` made-up people, each with every platform, each with its own replicas."""
    jobs: list[Job] = []
    for person in range(accounts):
        for job in plan_demo([]).jobs:
            job.label = f"person{person:02d}"
            jobs.append(job)
    with scratch() as root:
        pages_before = counter.pages
        with peak_memory() as memory:
            wall, results = timed(lambda: run_jobs(settings_in(root), jobs, workers=workers))
        expect_ok(results, f"{accounts} accounts, {workers} at once")
    pages = counter.pages - pages_before
    return {
        "wall_s": wall,
        "flows": len(jobs),
        "pages": pages,
        "pages_per_s": pages / wall,
        "peak_mib": memory["peak_mib"],
    }


# --- the report ---------------------------------------------------------------------------------


def measure_floor(
    report: dict[str, Any], demo: dict[str, Any], reps: int, show: Callable[[str, str], None]
) -> None:
    """Our Facebook run against the minimal script: whole run, and flow alone."""
    settings = settings_in(Path(tempfile.gettempdir()))
    minimal = median([minimal_whole(settings) for _ in range(reps)])
    ours_flow, floor_flow = engine_vs_minimal_flow_only(settings, reps)
    report["floor"] = {
        "minimal_whole_s": minimal,
        "ours_whole_s": demo["facebook"]["cold_s"],
        "ratio_whole": round(demo["facebook"]["cold_s"] / minimal, 2),
        "minimal_flow_s": floor_flow,
        "ours_flow_s": ours_flow,
        "ratio_flow": round(ours_flow / floor_flow, 2),
    }
    floor = report["floor"]
    show(
        "facebook whole run: ours / minimal script s (ratio)",
        f"{floor['ours_whole_s']:.2f} / {minimal:.2f} ({floor['ratio_whole']}x)",
    )
    show(
        "facebook flow, browser running: ours / minimal s (ratio)",
        f"{ours_flow:.2f} / {floor_flow:.2f} ({floor['ratio_flow']}x)",
    )


def chromium_version() -> str:
    try:
        done = subprocess.run(
            [str(browsers.binary(Settings().browser)), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return done.stdout.strip()
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions (medians reported)")
    parser.add_argument("--accounts", default="1,4,16", help="account counts, comma-separated")
    parser.add_argument(
        "--jobs",
        type=int,
        default=parallel.default_workers(),
        help="flows at once for the parallel runs",
    )
    parser.add_argument(
        "--parts", default="demo,floor,accounts", help="what to measure (floor needs demo)"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    log.configure(level="error")
    counter = PageCounter()
    platforms = list(registry.discover())
    report: dict[str, Any] = {
        "environment": {
            "cores": os.cpu_count(),
            "jobs": args.jobs,
            "reps": args.reps,
            "python": python_platform.python_version(),
            "browser": chromium_version(),
            "load_average": os.getloadavg()[0],
        }
    }
    rows: list[tuple[str, str]] = []

    def show(name: str, value: str) -> None:
        rows.append((name, value))
        print(f"{name:<58} {value}", flush=True)

    parts = set(args.parts.split(","))
    demo: dict[str, Any] = {}
    for name in [*platforms, "all"] if "demo" in parts else []:
        chosen = platforms if name == "all" else [name]
        workers = args.jobs if name == "all" else 1
        runs = [demo_cold_warm(chosen, workers) for _ in range(args.reps)]
        demo[name] = {
            "cold_s": median([c for c, _ in runs]),
            "warm_s": median([w for _, w in runs]),
            "jobs": workers,
        }
        show(
            f"demo {name} (jobs {workers}): cold / warm s",
            f"{demo[name]['cold_s']:.2f} / {demo[name]['warm_s']:.2f}",
        )
    report["demo"] = demo

    if "floor" in parts and "demo" in parts:
        measure_floor(report, demo, args.reps, show)
    scale: dict[str, Any] = {}
    for accounts in [int(n) for n in args.accounts.split(",")] if "accounts" in parts else []:
        entry: dict[str, Any] = {}
        for label, workers in (("sequential", 1), ("parallel", args.jobs)):
            samples = [many_accounts(accounts, workers, counter) for _ in range(args.reps)]
            entry[label] = {key: median([s[key] for s in samples]) for key in samples[0]}
        entry["speedup"] = round(entry["sequential"]["wall_s"] / entry["parallel"]["wall_s"], 2)
        if args.jobs > 1:
            entry["mib_per_extra_flow"] = round(
                (entry["parallel"]["peak_mib"] - entry["sequential"]["peak_mib"]) / (args.jobs - 1),
                1,
            )
        scale[str(accounts)] = entry
        seq, par = entry["sequential"], entry["parallel"]
        show(
            f"{accounts} accounts x {len(platforms)} platforms: wall s seq / par (speed-up)",
            f"{seq['wall_s']:.1f} / {par['wall_s']:.1f} ({entry['speedup']}x)",
        )
        show("    pages/s seq / par", f"{seq['pages_per_s']:.2f} / {par['pages_per_s']:.2f}")
        show(
            "    peak MiB seq / par (per extra flow)",
            f"{seq['peak_mib']:.0f} / {par['peak_mib']:.0f} ({entry.get('mib_per_extra_flow', 0)})",
        )
    report["accounts"] = scale
    report["table"] = rows
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
