"""Settings checked at start-up: a malformed DATABASE_URL is refused without echoing any
of it; the watcher's lease and takeover windows are bounded."""

from __future__ import annotations

import pytest

from bot.settings import MIN_LEASE_SECONDS, SettingsError, load_settings
from bot.slack.clients import TIMEOUT_SECONDS

REQUIRED = {"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1", "bland_api_key": "key"}
# The watcher's settings are read from the environment alone (no .env), in HTTP mode.
HTTP_MODE = {
    "slack_bot_token": "xoxb-settings-test",
    "bland_api_key": "key",
    "slack_signing_secret": "secret",
    "_env_file": None,
}
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


def test_watch_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WATCH_LEASE_SECONDS", "WATCH_TAKEOVER_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(**HTTP_MODE)
    assert (settings.watch_lease_seconds, settings.watch_takeover_seconds) == (60.0, 15.0)


def test_a_lease_shorter_than_a_slow_post_is_refused_at_start_up() -> None:
    assert MIN_LEASE_SECONDS >= TIMEOUT_SECONDS + 15
    with pytest.raises(SettingsError) as raised:
        load_settings(**HTTP_MODE, watch_lease_seconds=TIMEOUT_SECONDS)
    message = str(raised.value)
    assert f"WATCH_LEASE_SECONDS: must be at least {MIN_LEASE_SECONDS:g}" in message
    assert f"Slack's {TIMEOUT_SECONDS}s timeout" in message
    assert load_settings(**HTTP_MODE, watch_lease_seconds=MIN_LEASE_SECONDS)


def test_takeover_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCH_TAKEOVER_SECONDS", "0.1")
    with pytest.raises(SettingsError, match="WATCH_TAKEOVER_SECONDS"):
        load_settings(**HTTP_MODE)
    monkeypatch.setenv("WATCH_TAKEOVER_SECONDS", "4")
    assert load_settings(**HTTP_MODE).watch_takeover_seconds == 4.0


@pytest.mark.parametrize("users", ["U0ADMIN1,@alice", "alice", "u0admin1", "U0ADMIN1 <@U0ADMIN2>"])
def test_admin_users_that_are_not_user_ids_are_refused(users: str) -> None:
    """A name or a mention in BLAND_ADMIN_USERS never matches a clicking user's id: the
    person it meant could not stop a batch, with nothing saying why."""
    with pytest.raises(SettingsError) as caught:
        load_settings(bland_admin_users=users, **REQUIRED)
    assert "BLAND_ADMIN_USERS" in str(caught.value)
    assert "user id" in str(caught.value)


def test_admin_users_are_read_from_commas_or_spaces() -> None:
    settings = load_settings(bland_admin_users=" U0ADMIN1, W0ADMIN2  U0ADMIN3 ", **REQUIRED)
    assert settings.bland_admin_users == frozenset({"U0ADMIN1", "W0ADMIN2", "U0ADMIN3"})


def test_poll_schedule_and_counts_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "WATCH_POLL_SECONDS",
        "WATCH_MAX_POLL_SECONDS",
        "WATCH_PROGRESS_BYTES_PER_MINUTE",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(**HTTP_MODE)
    assert settings.watch_max_poll_seconds == 300.0
    assert settings.watch_progress_bytes_per_minute == 1_000_000
    # Unset, the longest wait follows a longer interval rather than refusing it.
    assert load_settings(**HTTP_MODE, watch_poll_seconds=600).watch_max_poll_seconds == 600
    monkeypatch.setenv("WATCH_POLL_SECONDS", "60")
    monkeypatch.setenv("WATCH_MAX_POLL_SECONDS", "30")
    with pytest.raises(SettingsError, match="WATCH_MAX_POLL_SECONDS: must be at least"):
        load_settings(**HTTP_MODE)
    monkeypatch.setenv("WATCH_MAX_POLL_SECONDS", "60")
    assert load_settings(**HTTP_MODE).watch_max_poll_seconds == 60
    monkeypatch.setenv("WATCH_PROGRESS_BYTES_PER_MINUTE", "0")
    with pytest.raises(SettingsError, match="WATCH_PROGRESS_BYTES_PER_MINUTE"):
        load_settings(**HTTP_MODE)
