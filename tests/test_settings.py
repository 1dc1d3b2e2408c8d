"""Settings checked at start-up: the watcher's lease and takeover windows."""

from __future__ import annotations

import pytest

from bot.settings import MIN_LEASE_SECONDS, SettingsError, load_settings
from bot.slack.clients import TIMEOUT_SECONDS

REQUIRED = {
    "slack_bot_token": "xoxb-settings-test",
    "bland_api_key": "key",
    "slack_signing_secret": "secret",
    "_env_file": None,
}


def test_watch_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WATCH_LEASE_SECONDS", "WATCH_TAKEOVER_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(**REQUIRED)
    assert (settings.watch_lease_seconds, settings.watch_takeover_seconds) == (60.0, 15.0)


def test_a_lease_shorter_than_a_slow_post_is_refused_at_start_up() -> None:
    assert MIN_LEASE_SECONDS >= TIMEOUT_SECONDS + 15
    with pytest.raises(SettingsError) as raised:
        load_settings(**REQUIRED, watch_lease_seconds=TIMEOUT_SECONDS)
    message = str(raised.value)
    assert f"WATCH_LEASE_SECONDS: must be at least {MIN_LEASE_SECONDS:g}" in message
    assert f"Slack's {TIMEOUT_SECONDS}s timeout" in message
    assert load_settings(**REQUIRED, watch_lease_seconds=MIN_LEASE_SECONDS)


def test_takeover_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCH_TAKEOVER_SECONDS", "0.1")
    with pytest.raises(SettingsError, match="WATCH_TAKEOVER_SECONDS"):
        load_settings(**REQUIRED)
    monkeypatch.setenv("WATCH_TAKEOVER_SECONDS", "4")
    assert load_settings(**REQUIRED).watch_takeover_seconds == 4.0
