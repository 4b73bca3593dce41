"""Configuration: sources, precedence and one-line errors naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from optout_bot.errors import ConfigError
from optout_bot.settings import DEFAULT_REASONS, load_settings

TOML = """
[accounts.facebook.me]
login = "me@example.org"
locale = "de"
country = "Deutschland"

[browser]
timeout_ms = 1234
"""


def test_toml_environment_and_cli_merge_with_documented_precedence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "optout-bot.toml"
    config.write_text(TOML, encoding="utf-8")
    monkeypatch.setenv("OPTOUT_BOT_ACCOUNTS__FACEBOOK__ME__PASSWORD", "from-env")
    monkeypatch.setenv("OPTOUT_BOT_BROWSER__TIMEOUT_MS", "2000")
    settings = load_settings(config, browser={"timeout_ms": 3000})
    me = settings.accounts["facebook"]["me"]
    assert me.login == "me@example.org" and me.locale == "de"  # TOML
    assert me.password is not None and me.password.get_secret_value() == "from-env"  # env
    assert settings.browser.timeout_ms == 3000  # CLI beats env beats TOML
    assert me.form_reason() == DEFAULT_REASONS["de"]
    assert settings.secrets() == ["from-env"]


def test_default_config_file_in_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / "optout-bot.toml").write_text(TOML, encoding="utf-8")
    assert "facebook" in load_settings().accounts


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OPTOUT_BOT_OUTPUT__UNMASKED_EVIDENCE=true\n", encoding="utf-8")
    assert load_settings().output.unmasked_evidence is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[accounts.facebook.me]\nlogin = 'x@example.org'\nemail = 'not-an-email'\n",
            "accounts.facebook.me.email: 'not-an-email' is not an email address",
        ),
        (
            "[accounts.facebook.me]\nlogin = 'x@example.org'\nlocale = 'fr'\n",
            "accounts.facebook.me.locale",
        ),
        (
            "[accounts.facebook.me]\nlogin = 'x@example.org'\ncolour = 'red'\n",
            "accounts.facebook.me.colour: unknown setting",
        ),
        (
            "[accounts.facebook.me]\nlogin = 'x'\ntotp_seed = 'not base32!'\n",
            "accounts.facebook.me.totp_seed: the TOTP seed must be base32",
        ),
        ("this is = = not toml", "cannot read configuration"),
    ],
)
def test_bad_configuration_is_one_readable_line(tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"does-not-exist\.toml does not exist"):
        load_settings(tmp_path / "does-not-exist.toml")
