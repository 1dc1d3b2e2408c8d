"""Settings validation: a malformed DATABASE_URL is refused without echoing any of it."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings

REQUIRED = {"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1", "bland_api_key": "key"}
# Pieces of the passwords below; none may appear in what we say about the URL.
PASSWORD_PARTS = ("s3cret", "Zq9", "Xv7")


@pytest.mark.parametrize(
    "url",
    [
        "postgres://user:s3cret@host:notaport/db",
        "postgres://user:s3cret@[bad/db",
        "postgres://user:s3cret@host:99999/db",
        # An unencoded # / or ? in the password ends the host part early.
        "postgres://user:Zq9#Xv7@host/db",
        "postgresql://user:Zq9/Xv7@host/db",
        "postgresql://user:Zq9?Xv7@host/db",
    ],
)
def test_a_malformed_database_url_is_refused_without_echoing_it(url: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(database_url=url, **REQUIRED)
    message = str(caught.value)
    assert "DATABASE_URL: " in message
    assert "percent-encode" in message
    for part in PASSWORD_PARTS:
        assert part not in message


@pytest.mark.parametrize(
    "url",
    [
        "postgres://user:s3cret@db.example.com:5432/bland",
        "postgresql://user:Zq9%23Xv7@[::1]:5432/bland",
        "postgresql:///bland?host=/var/run/postgresql",
        "postgres://user:pw@host1:5432,host2:5433/bland",
        "sqlite:///bland_batches.db",
    ],
)
def test_well_formed_database_urls_are_accepted(url: str) -> None:
    assert load_settings(database_url=url, **REQUIRED).database_url == url


def test_keys_and_tokens_lose_a_pasted_line_break_or_spaces() -> None:
    settings = load_settings(
        slack_bot_token="xoxb-1\r\n",
        slack_app_token=" xapp-1",
        slack_signing_secret="abc123\n",
        bland_api_key=" key\n",
    )
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1"
    assert settings.slack_app_token is not None
    assert settings.slack_app_token.get_secret_value() == "xapp-1"
    assert settings.slack_signing_secret is not None
    assert settings.slack_signing_secret.get_secret_value() == "abc123"
    assert settings.bland_api_key.get_secret_value() == "key"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bland_api_key", ""),
        ("bland_api_key", "   "),
        ("bland_api_key", "my key"),
        ("bland_api_key", "kéy-Zq9"),
        ("bland_api_key", "key\nZq9"),
        ("bland_api_key", "key\x00Zq9"),
        ("slack_bot_token", "xoxb-1\nZq9"),
        ("slack_app_token", "xapp-1 Zq9"),
        ("slack_signing_secret", "abc\tZq9"),
    ],
)
def test_a_key_no_request_could_carry_is_refused_without_echoing_it(field: str, value: str) -> None:
    """Sent as a header, such a key made every request raise ValueError, so every command
    said 'something went wrong' while start-up had looked fine."""
    with pytest.raises(SettingsError) as caught:
        load_settings(**{**REQUIRED, field: value})
    message = str(caught.value)
    assert f"{field.upper()}: " in message
    assert "Zq9" not in message
