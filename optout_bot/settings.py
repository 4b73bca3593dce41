"""Configuration: one pydantic-settings model with one documented precedence.

Highest first: command-line options > environment (``OPTOUT_BOT_…``, nested with ``__``) >
``.env`` > TOML (``optout-bot.toml`` in the working directory or ``--config FILE``) > defaults.
Accounts are keyed by platform, then by a label of the user's choosing::

    [accounts.facebook.me]
    login = "me@example.org"
    email = "me@example.org"
    locale = "de"
    country = "Germany"
    # password: prompted for, or OPTOUT_BOT_ACCOUNTS__FACEBOOK__ME__PASSWORD
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, ClassVar, Literal

import pyotp
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from optout_bot.errors import ConfigError
from optout_bot.mail import MailSettings

Locale = Literal["en", "de", "ko"]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_CONFIG_FILE = "optout-bot.toml"
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
DEBIAN_CHROMIUM_ARGS = ("--no-sandbox", "--disable-background-networking",
                        "--disable-component-update")

# Long enough for forms that demand a minimum length (a 100-character minimum was reported).
DEFAULT_REASONS: dict[str, str] = {
    "en": ("I object to my personal information, including my posts, photos and comments, "
           "being used to develop and improve artificial intelligence. I did not consent to "
           "this use, it is not what I shared my content for, and I want my right to object "
           "under data protection law respected."),
    "de": ("Ich widerspreche der Verwendung meiner personenbezogenen Daten, einschließlich "
           "meiner Beiträge, Fotos und Kommentare, für die Entwicklung und Verbesserung "
           "künstlicher Intelligenz. Ich habe dieser Nutzung nicht zugestimmt und mache mein "
           "Widerspruchsrecht nach Art. 21 DSGVO geltend."),
    "ko": ("저는 제 게시물, 사진, 댓글을 포함한 개인정보가 인공지능의 개발 및 "
           "개선에 사용되는 것에 반대합니다. 저는 이러한 이용에 동의한 적이 없으며, "
           "제 콘텐츠를 공유한 목적과도 다릅니다. 개인정보 보호법에 따른 처리정지 "
           "요구권을 행사하며, 저의 정보를 AI 학습에 사용하지 말 것을 요청합니다. "
           "이 요청을 존중해 주시기 바랍니다."),
}


def data_dir() -> Path:
    """Where the ledger and evidence live by default (XDG data directory)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "optout-bot"


class Account(BaseModel):
    """One account on one platform, as the user configured it."""

    model_config = ConfigDict(extra="forbid")

    login: str = Field(min_length=1, description="what you type into the login field")
    password: SecretStr | None = Field(default=None, description="asked for when missing")
    totp_seed: SecretStr | None = Field(default=None, description="authenticator app seed")
    email: str | None = Field(default=None, description="email for the form; default: login")
    country: str | None = Field(default=None, description="country of residence, as listed")
    locale: Locale = "en"
    reason: str | None = Field(default=None, description="why you object; a default per locale")
    mail: MailSettings | None = Field(
        default=None, description="the mailbox where the platform's confirmation arrives")

    @field_validator("email")
    @classmethod
    def _email_looks_like_one(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @field_validator("totp_seed")
    @classmethod
    def _seed_is_base32(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            cleaned = value.get_secret_value().replace(" ", "").upper()
            if not re.fullmatch(r"[A-Z2-7]+=*", cleaned):
                raise ValueError("the TOTP seed must be base32 (letters A-Z and digits 2-7)")
            try:
                pyotp.TOTP(cleaned).byte_secret()
            except ValueError:
                raise ValueError("the TOTP seed is too short: copy the whole key your "
                                 "authenticator setup showed") from None
            return SecretStr(cleaned)
        return value

    def form_email_or_none(self) -> str | None:
        """The email the form gets: ``email``, else the login when it is an email."""
        if self.email:
            return self.email
        return self.login if EMAIL.match(self.login) else None

    def form_reason(self) -> str:
        return self.reason or DEFAULT_REASONS[self.locale]


class BrowserSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    executable: Path | None = Field(
        default=None, description="browser binary; default: Playwright's own, else Debian's")
    args: list[str] | None = Field(default=None, description="extra Chromium arguments")
    headless: bool = True
    endpoint: str | None = Field(
        default=None, description="ws:// Playwright server or http(s):// CDP endpoint")
    timeout_ms: float = Field(default=15_000, gt=0, description="wait for an element this long")
    slow_mo_ms: float = Field(default=0, ge=0)
    jobs: int | None = Field(default=None, ge=1,
                             description="flows run at once; default: one per core")

    @field_validator("endpoint")
    @classmethod
    def _endpoint_has_a_known_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("ws://", "wss://", "http://", "https://")):
            raise ValueError(f"{value!r} is neither ws:// (Playwright server) nor "
                             "http(s):// (Chrome DevTools)")
        return value


class OutputSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence_dir: Path = Field(default_factory=lambda: data_dir() / "evidence")
    ledger: Path = Field(default_factory=lambda: data_dir() / "ledger.sqlite3")
    sessions_dir: Path = Field(default_factory=lambda: data_dir() / "sessions",
                               description="saved logins (mode 0600); none when unset")
    save_sessions: bool = True
    unmasked_evidence: bool = False


class LogSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    json_lines: bool = Field(default=False, alias="json")
    level: Literal["debug", "info", "warning", "error"] = "info"
    file: Path | None = None


class PlatformOptions(BaseModel):
    """Per-platform overrides, e.g. a form address that moved: ``urls = {form = "…"}``."""

    model_config = ConfigDict(extra="forbid")

    urls: dict[str, str] = Field(default_factory=dict)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OPTOUT_BOT_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
        populate_by_name=True,
    )
    toml_file: ClassVar[Path | None] = None

    accounts: dict[str, dict[str, Account]] = Field(default_factory=dict)
    browser: BrowserSettings = Field(default_factory=BrowserSettings)
    output: OutputSettings = Field(default_factory=OutputSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    platforms: dict[str, PlatformOptions] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        if cls.toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls.toml_file))
        return tuple(sources)

    def secrets(self) -> list[str]:
        """Every configured secret, for the log redactor and the leak tests."""
        found: list[str] = []
        for accounts in self.accounts.values():
            for account in accounts.values():
                mail_password = account.mail.password if account.mail else None
                for secret in (account.password, account.totp_seed, mail_password):
                    if secret is not None and secret.get_secret_value():
                        found.append(secret.get_secret_value())
        return found


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build settings from every source; any problem becomes one ConfigError naming the field."""
    toml_path = config
    if toml_path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        toml_path = Path(DEFAULT_CONFIG_FILE)
    if toml_path is not None and not toml_path.is_file():
        raise ConfigError(f"config file {toml_path} does not exist")

    class _Loaded(Settings):
        toml_file: ClassVar[Path | None] = toml_path

    try:
        return _Loaded(**overrides)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, toml_path)) from None
    except ValueError as error:  # malformed TOML or .env
        where = f" in {toml_path}" if toml_path else ""
        raise ConfigError(f"cannot read configuration{where}: {error}") from None


def describe_validation_error(error: ValidationError, source: Path | None) -> str:
    """One readable line per problem, naming the field as the user wrote it (never a value)."""
    lines = []
    for problem in error.errors():
        field_path = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown setting"
        lines.append(f"{field_path}: {message}")
    where = f" ({source})" if source else ""
    return f"invalid configuration{where}: " + "; ".join(lines)


def value_sources(settings: Settings, overrides: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(setting, value, where it came from) for every resolved value, secrets masked, for
    ``-v``: "cli", "env", ".env", "toml" or "default" (highest precedence that has it)."""
    import tomllib

    from dotenv import dotenv_values

    toml_path = getattr(type(settings), "toml_file", None)
    toml_data: dict[str, Any] = {}
    if toml_path is not None and Path(toml_path).is_file():
        toml_data = tomllib.loads(Path(toml_path).read_text(encoding="utf-8"))
    dotenv = {k.upper(): v for k, v in dotenv_values(".env").items()} \
        if Path(".env").is_file() else {}
    environment = {k.upper() for k in os.environ}
    rows: list[tuple[str, str, str]] = []
    for path, value in _leaves(settings.model_dump(mode="json")):
        env_name = "OPTOUT_BOT_" + "__".join(path).upper()
        if _has(overrides, path):
            source = "cli"
        elif env_name in environment:
            source = "env"
        elif env_name in dotenv:
            source = ".env"
        elif _has(toml_data, path):
            source = "toml"
        else:
            source = "default"
        shown = "**********" if path[-1] in {"password", "totp_seed"} and value else value
        rows.append((".".join(path), str(shown), source))
    return rows


def _leaves(data: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(data, dict) and data:
        return [leaf for key, value in data.items() for leaf in _leaves(value, (*prefix, key))]
    return [(prefix, data)]


def _has(data: dict[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True
