"""Checking every page a replica serves: every platform, every language its labels have, every
page version its replica knows.

This is what ``optout-bot check --replica --update-baselines`` runs (and ``--page-version
all``): baselines exist per language and page version, so rewriting them for only the current
version leaves the others stale.
"""

from __future__ import annotations

import dataclasses

from optout_bot.check.watcher import as_check
from optout_bot.errors import ConfigError
from optout_bot.flow import registry
from optout_bot.replica import replica_class
from optout_bot.run.jobs import Plan, lend_label_books, plan_demo

ALL_VERSIONS = "all"


def plan_every_page(
    platforms: list[str],
    locales: list[str] | None,
    *,
    drift: str | None = None,
    update_baselines: bool = False,
) -> Plan:
    """Check jobs for each platform × language × page version (``locales``: these only,
    where the platform has them; None: every language the platform has labels for)."""
    plan = Plan()
    lend_label_books()
    for platform in platforms or list(registry.discover()):
        flow = registry.get_flow(platform)
        try:
            versions = replica_class(platform).VERSIONS
        except (ImportError, LookupError) as error:
            raise ConfigError(f"no replica for {platform}: {error}") from None
        for locale in [loc for loc in flow.locales() if locales is None or loc in locales]:
            for version in versions:
                part = plan_check_replica(
                    [platform],
                    [locale],
                    page_version=version,
                    drift=drift,
                    update_baselines=update_baselines,
                )
                label = f"replica-{locale}-{version}" if len(versions) > 1 else f"replica-{locale}"
                plan.jobs += [dataclasses.replace(job, label=label) for job in part.jobs]
                plan.replicas.update({f"{version} {k}": v for k, v in part.replicas.items()})
    return plan


def plan_check_replica(
    platforms: list[str],
    locales: list[str],
    *,
    page_version: str | None = None,
    drift: str | None = None,
    update_baselines: bool = False,
) -> Plan:
    """Check jobs against fresh replicas, one set per locale, optionally serving a drift
    variant (cosmetic churn, or a replica's declared real change)."""
    plan = Plan()
    for locale in locales:
        part = plan_demo(platforms, locale=locale, page_version=page_version)
        for replica in part.replicas.values():
            if drift is not None:
                if drift not in replica.drifts():
                    raise ConfigError(
                        f"the {replica.PLATFORM} replica has no drift {drift!r} "
                        f"(has: {', '.join(replica.drifts())})"
                    )
                replica.set_drift(drift)
        plan.jobs += [
            dataclasses.replace(
                as_check(job, update_baselines=update_baselines), label=f"replica-{locale}"
            )
            for job in part.jobs
        ]
        plan.replicas.update({f"{locale} {k}": v for k, v in part.replicas.items()})
    return plan
