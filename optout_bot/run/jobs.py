"""Turning configuration into jobs (one flow for one account), and running a list of them.

Also builds the demo: every platform's replica seeded with a made-up account, so a newcomer
sees a real objection go through without any real account.
"""

from __future__ import annotations

import dataclasses
import getpass
import secrets
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydantic import SecretStr

from optout_bot import keys
from optout_bot.account_names import env_key
from optout_bot.browser import check_endpoint_reachable, open_browser
from optout_bot.browser.scratch import scratch_folder
from optout_bot.errors import ConfigError
from optout_bot.flow import Flow, registry
from optout_bot.log import redactor
from optout_bot.origins import check_url_overrides
from optout_bot.records.ledger import Ledger, exclusive
from optout_bot.replica import Replica, books, replica_class
from optout_bot.run import parallel
from optout_bot.run.engine import Engine, ProgressHook, RunResult
from optout_bot.run.job import Job, Mode
from optout_bot.run.preflight import check_output_writable
from optout_bot.run.retry import RetryPolicy
from optout_bot.settings import Account, Settings

DEMO_LABEL = "demo"
DEMO_COUNTRY = {"en": "Germany", "de": "Deutschland", "ko": "대한민국"}


@dataclass
class Plan:
    jobs: list[Job] = field(default_factory=list)
    replicas: dict[str, Replica] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Why a platform was left out (the demo of a page version its replica does not have)."""


def select_platforms(names: Iterable[str], *, force: bool = False) -> list[type[Flow]]:
    """The flows asked for (all when none named); a flow marked broken is refused unless
    forced, with the reason."""
    names = list(names)
    chosen = [registry.get_flow(n) for n in names] if names else list(registry.discover().values())
    for flow in chosen:
        if not flow.WORKING and not force:
            raise ConfigError(
                f"the {flow.PLATFORM} flow is marked broken "
                f"({flow.BROKEN_REASON or 'no reason given'}); "
                "use --force to try it anyway"
            )
    return chosen


def plan_from_settings(
    settings: Settings,
    platforms: list[str],
    account_label: str | None,
    *,
    replica: bool = False,
    page_version: str | None = None,
    force: bool = False,
) -> Plan:
    """Jobs for the configured accounts; ``replica`` serves the replicas instead of the
    network, seeded with the same accounts (how tests exercise the real CLI path)."""
    plan = Plan()
    configured = {p: a for p, a in settings.accounts.items() if a}
    for name in platforms:
        registry.get_flow(name)
    for platform in configured:
        registry.get_flow(platform)
    for flow in select_platforms(platforms or list(configured), force=force):
        accounts = configured.get(flow.PLATFORM, {})
        if not accounts and platforms:
            raise ConfigError(
                f"no account configured for {flow.PLATFORM}: add "
                f"[accounts.{flow.PLATFORM}.<label>] to optout-bot.toml"
            )
        for label, account in accounts.items():
            if account_label and label != account_label:
                continue
            account = keys.with_stored_password(flow.PLATFORM, label, account)
            mode, replicas = Mode.LIVE, []
            if replica:
                served = _replica(plan, flow, page_version, account.locale)
                _seed(
                    served,
                    account,
                    password=account.password.get_secret_value() if account.password else "",
                )
                mode, replicas = Mode.REPLICA, [served]
            plan.jobs.append(
                Job(
                    flow=flow,
                    label=label,
                    account=account,
                    mode=mode,
                    replicas=replicas,
                    force=force,
                )
            )
    if account_label and not plan.jobs:
        raise ConfigError(
            f"unknown account {account_label!r}: no platform has an account with that label"
        )
    return plan


def plan_demo(platforms: list[str], *, locale: str = "en", page_version: str | None = None) -> Plan:
    """One made-up account per platform, served by the replicas; nothing leaves the machine.
    A page version asked of every platform skips those whose replica lacks it (LinkedIn has
    no 2024 page), saying so; a platform named explicitly must have it."""
    plan = Plan()
    for flow in select_platforms(platforms):
        versions = _replica_versions(flow)
        if page_version and not platforms and len(versions) > 1 and page_version not in versions:
            plan.skipped.append(
                f"{flow.PLATFORM}: no page version {page_version} (has: {', '.join(versions)})"
            )
            continue
        password = secrets.token_urlsafe(16)
        redactor.add([password])
        account = Account.model_validate(
            {
                "login": f"demo.{flow.PLATFORM}@example.org",
                "password": password,
                "email": f"demo.{flow.PLATFORM}@example.org",
                "locale": locale,
                "country": DEMO_COUNTRY.get(locale, "DE"),
            }
        )  # ISO: any language
        served = _replica(plan, flow, page_version, locale)
        _seed(served, account, password=password)
        plan.jobs.append(
            Job(
                flow=flow,
                label=DEMO_LABEL,
                account=account,
                mode=Mode.DEMO,
                replicas=[served],
                trust_ledger=False,
            )
        )
    return plan


def lend_label_books() -> None:
    """Hand every replica its platform's label book (the flow's label files and overlays):
    the replica kit never looks a flow up itself. Lent on demand, so a run of one platform
    loads that platform's flow (and the flows its replica's module names), not every one."""
    books.lend_each(lambda platform: registry.get_flow(platform).label_book)


def _replica(plan: Plan, flow: type[Flow], page_version: str | None, locale: str) -> Replica:
    """The replica serving ``flow``; flows on the same origins share one instance, as they
    share one real site (Threads objects through the Instagram form)."""
    lend_label_books()
    try:
        cls = replica_class(flow.PLATFORM)
    except (ImportError, LookupError) as error:
        raise ConfigError(f"no replica for {flow.PLATFORM}: {error}") from None
    key = " ".join(sorted(cls.ORIGINS))
    if key not in plan.replicas:
        version = page_version if page_version in cls.VERSIONS else None
        if page_version and version is None and len(cls.VERSIONS) > 1:
            raise ConfigError(
                f"the {flow.PLATFORM} replica has no page version "
                f"{page_version!r} (has: {', '.join(cls.VERSIONS)})"
            )
        plan.replicas[key] = cls(version=version, locale=locale)
    return plan.replicas[key]


def _replica_versions(flow: type[Flow]) -> tuple[str, ...]:
    try:
        return tuple(replica_class(flow.PLATFORM).VERSIONS)
    except (ImportError, LookupError):
        return ()


def _seed(replica: Replica, account: Account, *, password: str) -> None:
    replica.seed_account(
        login=account.login,
        password=password,
        email=account.form_email_or_none() or account.login,
        locale=account.locale,
        country=account.country,
    )


def ensure_passwords(
    jobs: list[Job], *, interactive: bool | None = None, ask: Callable[[str], str] = getpass.getpass
) -> None:
    """Ask for each missing password at a hidden prompt, or fail naming the setting (the job
    in ``jobs`` is replaced by one with the password: a job never changes)."""
    interactive = sys.stdin.isatty() if interactive is None else interactive
    for index, job in enumerate(jobs):
        if job.account.password is not None and job.account.password.get_secret_value():
            continue
        if job.account.sign_in == "yourself" or not job.flow.NEEDS_PASSWORD:
            continue  # the person signs in, or the platform asks for no password
        env = f"OPTOUT_BOT_ACCOUNTS__{job.flow.PLATFORM.upper()}__{env_key(job.label)}__PASSWORD"
        if not interactive:
            raise ConfigError(
                f"accounts.{job.flow.PLATFORM}.{job.label}.password: missing "
                f"(set {env}, or run in a terminal to be asked)"
            )
        typed = ask(
            f"Password for {job.flow.PLATFORM} account {job.label!r} ({job.account.login}): "
        )
        if not typed:
            raise ConfigError(f"accounts.{job.flow.PLATFORM}.{job.label}.password: empty")
        redactor.add([typed])
        account = job.account.model_copy(update={"password": SecretStr(typed)})
        jobs[index] = dataclasses.replace(job, account=account)


def run_jobs(
    settings: Settings,
    jobs: list[Job],
    *,
    progress: ProgressHook | None = None,
    retry: RetryPolicy | None = None,
    workers: int | None = None,
) -> list[RunResult]:
    """Run every job in one fresh browser context each: up to ``workers`` at once (default
    ``browser.jobs``, else :func:`parallel.default_workers`), results in the jobs' order.
    Everything temporary goes to the run's private scratch folder
    (``optout_bot.browser.scratch``)."""
    if not jobs:
        return []
    check_url_overrides(settings, [job.flow for job in jobs])
    check_output_writable(settings)
    with exclusive(settings.output.ledger), scratch_folder():
        Ledger(settings.output.ledger).close()  # a ledger that cannot be used stops us here
        if settings.browser.endpoint:
            check_endpoint_reachable(settings.browser.endpoint)
        instant = all(job.replicas and all(r.latency is None for r in job.replicas) for job in jobs)
        workers = workers or settings.browser.jobs or parallel.default_workers(not instant)
        if workers > 1 and len(jobs) > 1:
            return parallel.run_parallel(
                settings, jobs, workers=workers, progress=progress, retry=retry
            )
        ledger = Ledger(settings.output.ledger)
        try:
            with open_browser(settings.browser) as browser:
                engine = Engine(settings, ledger, browser, progress=progress, retry=retry)
                return [engine.run(job) for job in jobs]
        finally:
            ledger.close()
