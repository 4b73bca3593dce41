"""Address overrides stay on the platform's own origins.

``platforms.<p>.urls`` (TOML, ``.env`` or the environment) lets a user follow a form that
moved. The flow types the password into whatever page its login address shows, so an override
pointing anywhere else would hand the password to that site: it is refused before anything
starts. A flow's own origins are those of its ``URLS`` (``Flow.origins``).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from optout_bot.errors import ConfigError
from optout_bot.flow import Flow
from optout_bot.scrub import scrub_url
from optout_bot.settings import Settings


def check_url_overrides(settings: Settings, flows: Iterable[type[Flow]]) -> None:
    """ConfigError naming the setting when an override leaves the flow's origins or names an
    address the flow does not have."""
    for flow in {f.PLATFORM: f for f in flows}.values():
        options = settings.platforms.get(flow.PLATFORM)
        if options is None:
            continue
        allowed = {origin_of(origin) for origin in flow_origins(flow)}
        for key, url in options.urls.items():
            setting = f"platforms.{flow.PLATFORM}.urls.{key}"
            if key not in flow.URLS:
                raise ConfigError(
                    f"{setting}: {flow.PLATFORM} has no address {key!r} (has: "
                    f"{', '.join(flow.URLS)})"
                )
            if origin_of(url) not in allowed:
                raise ConfigError(
                    f"{setting}: {scrub_url(url)} is not on {flow.PLATFORM}'s "
                    f"own origins ({', '.join(flow_origins(flow))}); refused, since "
                    "the password would be typed into that page"
                )


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` in lower case; an address with user:password@ has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.username is not None or not parts.hostname:
        return ""
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}{suffix}"


def flow_origins(flow: type[Flow]) -> tuple[str, ...]:
    """The origins a flow visits, from its ``URLS``."""
    return tuple(dict.fromkeys(origin_of(url) for url in flow.URLS.values()))
