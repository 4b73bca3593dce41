"""Checking every page a replica serves: every platform, every language its labels have, every
page version its replica knows.

This is what ``optout-bot check --replica --update-baselines`` runs (and ``--page-version
all``): baselines exist per language and page version, so rewriting them for only the current
version leaves the others stale.
"""

from __future__ import annotations

from optout_bot import registry
from optout_bot.errors import ConfigError
from optout_bot.replica import replica_class
from optout_bot.run.jobs import Plan, plan_check_replica

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
                for job in part.jobs:
                    job.label = (
                        f"replica-{locale}-{version}" if len(versions) > 1 else f"replica-{locale}"
                    )
                plan.jobs += part.jobs
                plan.replicas.update({f"{version} {k}": v for k, v in part.replicas.items()})
    return plan
