"""Configuration: one pydantic-settings model with one documented precedence.

Highest first: command-line options > environment (``OPTOUT_BOT_…``, nested with ``__``) >
``.env`` > TOML (``optout-bot.toml`` in the working directory or ``--config FILE``) > defaults.
Accounts are keyed by platform, then by a label of the user's choosing::

    [accounts.facebook.me]
    login = "me@example.org"
    email = "me@example.org"
    locale = "de"
    country = "Germany"            # also decides the law receipts name (here the GDPR)
    # jurisdiction = "gdpr"        # or "pipa", "none": overrides the country's
    # password: prompted for, or OPTOUT_BOT_ACCOUNTS__FACEBOOK__ME__PASSWORD
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import pyotp
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from optout_bot import account_names
from optout_bot.errors import ConfigError
from optout_bot.imap import MailSettings
from optout_bot.records.locales import country_code, jurisdiction_for, known_jurisdictions
from optout_bot.scrub import endpoint_secrets, mask_endpoint


def _known_locale(value: str) -> str:
    from optout_bot.flow.registry import (  # here: the flows are found later
        is_known_locale,
        known_locales,
    )

    if not is_known_locale(value):
        known = known_locales()
        raise ValueError(
            f"{value!r} is not a language any platform has labels for ({', '.join(known)})"
        )
    return value


Locale = Annotated[str, AfterValidator(_known_locale)]
"""A language some platform has label files for (``flows/<p>/labels/<lang>.toml``)."""


def _known_jurisdiction(value: str) -> str:
    known = known_jurisdictions()
    if value not in known:
        raise ValueError(f"{value!r} is not a known jurisdiction ({', '.join(known)})")
    return value


Jurisdiction = Annotated[str, AfterValidator(_known_jurisdiction)]
"""A law receipts and letters know (``optout_bot/records/jurisdictions.toml``), or ``none``."""
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_CONFIG_FILE = "optout-bot.toml"


class _ByLanguage(dict[str, str]):
    """Texts per language; a language without its own text gets the English one."""

    def __missing__(self, locale: str) -> str:
        return self["en"]


# Long enough for forms that demand a minimum length (a 100-character minimum was reported).
DEFAULT_REASONS: dict[str, str] = _ByLanguage(
    {
        "en": (
            "I object to my personal information, including my posts, photos and comments, "
            "being used to develop and improve artificial intelligence. I did not consent to "
            "this use, it is not what I shared my content for, and I want my right to object "
            "under data protection law respected."
        ),
        "de": (
            "Ich widerspreche der Verwendung meiner personenbezogenen Daten, einschließlich "
            "meiner Beiträge, Fotos und Kommentare, für die Entwicklung und Verbesserung "
            "künstlicher Intelligenz. Ich habe dieser Nutzung nicht zugestimmt und mache mein "
            "Widerspruchsrecht nach Art. 21 DSGVO geltend."
        ),
        "ko": (
            "저는 제 게시물, 사진, 댓글을 포함한 개인정보가 인공지능의 개발 및 "
            "개선에 사용되는 것에 반대합니다. 저는 이러한 이용에 동의한 적이 없으며, "
            "제 콘텐츠를 공유한 목적과도 다릅니다. 개인정보 보호법에 따른 처리정지 "
            "요구권을 행사하며, 저의 정보를 AI 학습에 사용하지 말 것을 요청합니다. "
            "이 요청을 존중해 주시기 바랍니다."
        ),
    }
)


def data_dir() -> Path:
    """Where the ledger and evidence live by default (XDG data directory)."""
    base = os.environ.get("XDG_DATA_HOME")
    if not base:
        try:
            base = str(Path.home() / ".local" / "share")
        except (RuntimeError, KeyError):  # no HOME and no passwd entry (a bare container)
            raise ConfigError(
                f"cannot find your home folder (HOME is not set and user {os.getuid()} has no "
                "passwd entry): set HOME or XDG_DATA_HOME"
            ) from None
    return Path(base) / "optout-bot"


def _no_nul(path: Path) -> Path:
    if "\x00" in str(path):
        raise ValueError("the path holds a NUL character")
    return path


SafePath = Annotated[Path, AfterValidator(_no_nul)]


class Account(BaseModel):
    """One account on one platform, as the user configured it."""

    model_config = ConfigDict(extra="forbid")

    login: str = Field(min_length=1, description="what you type into the login field")
    password: SecretStr | None = Field(default=None, description="asked for when missing")
    totp_seed: SecretStr | None = Field(default=None, description="authenticator app seed")
    email: str | None = Field(default=None, description="email for the form; default: login")
    country: str | None = Field(default=None, description="country of residence, as listed")
    region: str | None = Field(
        default=None,
        description="where you live within the country (in Germany your federal state, e.g. "
        "Bayern): letters then name the authority competent for you",
    )
    password_env: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="the name of an environment variable holding this account's password",
    )
    locale: Locale = "en"
    jurisdiction: Jurisdiction | None = Field(
        default=None,
        description="the law receipts and letters name: gdpr, pipa or none; "
        "default: from country (EU/EEA: gdpr, Korea: pipa)",
    )
    reason: str | None = Field(default=None, description="why you object; a default per locale")
    mail: MailSettings | None = Field(
        default=None, description="the mailbox where the platform's confirmation arrives"
    )
    sign_in: Literal["password", "yourself"] = Field(
        default="password",
        description="yourself: you sign in once with `optout-bot login LABEL` and runs use "
        "that session; no password is stored for the account",
    )

    @model_validator(mode="after")
    def _no_password_when_signing_in_yourself(self) -> Account:
        if self.sign_in == "yourself" and self.password is not None:
            raise ValueError(
                "sign_in = 'yourself' keeps no password: remove the account's password"
            )
        return self

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
                raise ValueError(
                    "the TOTP seed is too short: copy the whole key your authenticator setup showed"
                ) from None
            return SecretStr(cleaned)
        return value

    @model_validator(mode="after")
    def _password_from_named_variable(self) -> Account:
        """``password_env = "NAME"``: any label can take its password from a variable bash
        can export, whatever characters the label has."""
        if self.password is None and self.password_env and os.environ.get(self.password_env):
            self.password = SecretStr(os.environ[self.password_env])
        return self

    def form_email_or_none(self) -> str | None:
        """The email the form gets: ``email``, else the login when it is an email."""
        if self.email:
            return self.email
        return self.login if EMAIL.match(self.login) else None

    def form_reason(self) -> str:
        return self.reason or DEFAULT_REASONS[self.locale]

    def applicable_law(self) -> tuple[str, str | None]:
        """(jurisdiction, ISO country code) for receipts and letters: the setting, else the
        law of the account's country."""
        if self.law_from_language():
            return "pipa", "KR"
        return (self.jurisdiction or jurisdiction_for(self.country), country_code(self.country))

    def law_from_language(self) -> bool:
        """A Korean-language account with neither ``country`` nor ``jurisdiction`` is taken to
        live in Korea (PIPA); the run says so in one line."""
        return not self.jurisdiction and not self.country and self.locale == "ko"


class BrowserSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    executable: SafePath | None = Field(
        default=None, description="browser binary; default: Playwright's own, else Debian's"
    )
    args: list[str] | None = Field(default=None, description="extra Chromium arguments")
    headless: bool = True
    endpoint: str | None = Field(
        default=None, description="ws:// Playwright server or http(s):// CDP endpoint"
    )
    timeout_ms: float = Field(default=15_000, gt=0, description="wait for an element this long")
    slow_mo_ms: float = Field(default=0, ge=0)
    jobs: int | None = Field(
        default=None,
        ge=1,
        description="flows run at once; default: two per core (at most 8)",
    )

    @field_validator("endpoint")
    @classmethod
    def _endpoint_has_a_known_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("ws://", "wss://", "http://", "https://")):
            raise ValueError(
                f"{mask_endpoint(value)!r} is neither ws:// (Playwright server) "
                "nor http(s):// (Chrome DevTools)"
            )
        return value


class OutputSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence_dir: SafePath = Field(default_factory=lambda: data_dir() / "evidence")
    ledger: SafePath = Field(default_factory=lambda: data_dir() / "ledger.sqlite3")
    sessions_dir: SafePath = Field(
        default_factory=lambda: data_dir() / "sessions",
        description="saved logins (mode 0600); none when unset",
    )
    save_sessions: bool = True
    unmasked_evidence: bool = False
    keep_trace: bool = Field(
        default=False,
        description=(
            "record a Playwright trace of each run and keep it (secrets scrubbed) when the run "
            "fails; -v turns it on; recording costs every run CPU"
        ),
    )


class LogSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    json_lines: bool = Field(default=False, alias="json")
    level: Literal["debug", "info", "warning", "error"] = "info"
    file: SafePath | None = None


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
        toml = (
            TomlConfigSettingsSource(settings_cls, toml_file=cls.toml_file)
            if cls.toml_file is not None
            else None
        )

        def configured() -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for source in (init_settings, toml):
                accounts = source().get("accounts") if source is not None else None
                for platform, by_label in (accounts or {}).items():
                    if isinstance(by_label, dict):
                        found.setdefault(str(platform).casefold(), []).extend(map(str, by_label))
            return found

        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            _LabelsMatched(settings_cls, env_settings, configured),
            _LabelsMatched(settings_cls, dotenv_settings, configured),
        ]
        if toml is not None:
            sources.append(toml)
        return tuple(sources)

    @field_validator("accounts")
    @classmethod
    def _labels_name_one_account_each(
        cls, value: dict[str, dict[str, Account]]
    ) -> dict[str, dict[str, Account]]:
        found = [
            p
            for platform, by_label in value.items()
            for p in account_names.problems(platform, by_label)
        ]
        if found:
            raise ValueError("; ".join(found))
        return value

    def secrets(self) -> list[str]:
        """Every configured secret, for the log redactor and the leak tests."""
        found: list[str] = []
        for accounts in self.accounts.values():
            for account in accounts.values():
                mail_password = account.mail.password if account.mail else None
                for secret in (account.password, account.totp_seed, mail_password):
                    if secret is not None and secret.get_secret_value():
                        found.append(secret.get_secret_value())
        return found + endpoint_secrets(self.browser.endpoint)


class _LabelsMatched(PydanticBaseSettingsSource):
    """An environment source whose account labels are matched to the configured ones.

    Environment names are case-insensitive and cannot hold every character, so
    ``OPTOUT_BOT_ACCOUNTS__FACEBOOK__MINA__PASSWORD`` must reach the account labelled ``Mina``
    and ``…__WORK_FB_<hash>__PASSWORD`` the one labelled ``work fb`` (the spelling error messages
    suggest, see :func:`optout_bot.account_names.env_key`)."""

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        inner: PydanticBaseSettingsSource,
        configured: Callable[[], dict[str, list[str]]],
    ) -> None:
        super().__init__(settings_cls)
        self._inner = inner
        self._configured = configured

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # pragma: no cover - __call__ does the work

    def __call__(self) -> dict[str, Any]:
        data = self._inner()
        accounts = data.get("accounts")
        if not isinstance(accounts, dict) or not accounts:
            return data
        configured = self._configured()
        matched: dict[str, Any] = {}
        for platform, by_key in accounts.items():
            if not isinstance(by_key, dict):
                matched[platform] = by_key
                continue
            known = configured.get(str(platform).casefold(), [])
            renamed: dict[str, Any] = {}
            for key, values in by_key.items():
                owners = [
                    label for label in known if str(key).casefold() in account_names.env_keys(label)
                ]
                exact = [label for label in owners if label == key]
                label = (exact or owners)[0] if len(exact or owners) == 1 else key
                if isinstance(values, dict) and isinstance(renamed.get(label), dict):
                    renamed[label] = {**renamed[label], **values}
                else:
                    renamed[label] = values
            matched[platform] = renamed
        return {**data, "accounts": matched}


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build settings from every source; any problem becomes one ConfigError naming the field."""
    toml_path = config
    if toml_path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        toml_path = Path(DEFAULT_CONFIG_FILE)
    if toml_path is not None and not toml_path.is_file():
        raise ConfigError(f"config file {toml_path} does not exist")

    for holder in (toml_path, Path(".env")):
        if holder is not None:
            refuse_if_others_can_change(holder)

    class _Loaded(Settings):
        toml_file: ClassVar[Path | None] = toml_path

    try:
        return _Loaded(**overrides)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, toml_path)) from None
    except ValueError as error:  # malformed TOML or .env
        where = f" in {toml_path}" if toml_path else ""
        raise ConfigError(f"cannot read configuration{where}: {error}") from None


SECRET_FIELDS = ("password", "totp_seed")


def refuse_if_others_can_change(path: Path) -> None:
    """As ssh does: a file that holds a password must not be writable by other users (they
    could swap the login address or read the password back). Refused, naming the fix."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode) or not mode & (stat.S_IWGRP | stat.S_IWOTH):
            return
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return  # unreadable files are reported where they are read
    if _holds_secret(path, text):
        raise ConfigError(
            f"{path} holds a password or TOTP seed and other users can change it (mode "
            f"{stat.S_IMODE(mode):04o}): run `chmod 600 {path}`, or keep passwords in the "
            "keyring (optout-bot init)"
        )


def _holds_secret(path: Path, text: str) -> bool:
    """Whether the file holds any secret: a password (the account's or its mailbox's), a
    TOTP seed, or a browser endpoint carrying an access key."""
    if path.name == ".env":
        from dotenv import dotenv_values

        return any(
            value
            and (
                key.upper().endswith(tuple(f"__{f.upper()}" for f in SECRET_FIELDS))
                or (key.upper().endswith("__ENDPOINT") and endpoint_secrets(value))
            )
            for key, value in dotenv_values(path).items()
        )
    import tomllib

    try:
        data = tomllib.loads(text)
    except ValueError:
        return False  # reported, naming the line, when the settings are read
    return _secret_in(data)


def _secret_in(value: object) -> bool:
    if isinstance(value, dict):
        return any(
            (key in SECRET_FIELDS and bool(inner))
            or (key == "endpoint" and isinstance(inner, str) and bool(endpoint_secrets(inner)))
            or _secret_in(inner)
            for key, inner in value.items()
        )
    if isinstance(value, list):
        return any(_secret_in(inner) for inner in value)
    return False


def describe_validation_error(error: ValidationError, source: Path | None) -> str:
    """One readable line per problem, naming the field as the user wrote it (never a value)."""
    lines = []
    for problem in error.errors():
        field_path = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown setting"
        lines.append(
            message if message.startswith(f"{field_path}.") else f"{field_path}: {message}"
        )
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
    dotenv = (
        {k.upper(): v for k, v in dotenv_values(".env").items()} if Path(".env").is_file() else {}
    )
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
        if path[-1] == "endpoint" and isinstance(value, str):
            shown = mask_endpoint(value)
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
