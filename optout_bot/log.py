"""Logging with structlog: readable console lines or JSON lines, with secrets removed.

Every line is bound to the platform, account label and step it concerns. The redaction
processor is the last line of defence: whatever key a secret hides under, and however it was
formatted into a message, it is replaced before anything is written.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any, TextIO

import structlog

from optout_bot.files import open_private, private_dir
from optout_bot.scrub import scrub_text

REDACTED = "[redacted]"
SECRET_KEYS = re.compile(r"pass(word)?|secret|totp|token|cookie|seed", re.IGNORECASE)


class SecretRedactor:
    """A structlog processor that removes every registered secret from every value."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        self._secrets.update(s for s in secrets if s)

    def secret(self, value: str) -> str:
        """Register ``value`` (a one-time code just used, say) and return it."""
        self.add([value])
        return value

    def secrets(self) -> list[str]:
        """The registered secrets (for scrubbing what is recorded elsewhere)."""
        return list(self._secrets)

    def scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            # addresses first (secret-looking query values, user:password@), as in traces,
            # then every known secret as typed and as an address or a form would hold it
            return scrub_text(value, self._secrets)
        if isinstance(value, dict):
            return {
                k: (
                    REDACTED
                    if isinstance(k, str) and SECRET_KEYS.search(k) and v
                    else self.scrub(v)
                )
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return type(value)(self.scrub(v) for v in value)
        if isinstance(value, BaseException | Path):
            return self.scrub(str(value))
        return value

    def __call__(
        self, logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        return {
            key: (REDACTED if SECRET_KEYS.search(key) and value else self.scrub(value))
            for key, value in event_dict.items()
        }


redactor = SecretRedactor()


def configure(
    *,
    json_lines: bool = False,
    level: str = "info",
    stream: TextIO | None = None,
    file: Path | None = None,
) -> None:
    """Set up structlog once per process; ``file`` adds a JSON-lines copy of every line."""
    threshold = logging.getLevelNamesMapping()[level.upper()]
    out = stream or sys.stderr
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redactor,
    ]
    if file is not None:
        private_dir(file.parent)
        processors.append(_CopyToFile(file))
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )


class _CopyToFile:
    """Appends each (already redacted) event as a JSON line to a file."""

    def __init__(self, path: Path) -> None:
        self._render = structlog.processors.JSONRenderer(ensure_ascii=False)
        self._path = path

    def __call__(
        self, logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        line = self._render(logger, method, dict(event_dict))
        text = line.decode("utf-8") if isinstance(line, bytes) else line
        descriptor = open_private(self._path, os.O_WRONLY | os.O_APPEND)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
        return event_dict


def get_logger(**context: Any) -> Any:
    return structlog.get_logger("optout_bot").bind(**context)
