"""Operating settings: checked at start-up, and every one described where operators look."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

REQUIRED = {"slack_bot_token": "xoxb-1", "bland_api_key": "key", "slack_app_token": "xapp-1"}


def test_defaults_serve_nothing_extra_and_log_text() -> None:
    settings = load_settings(**REQUIRED, metrics_port="", metrics_token=" ", log_format="TEXT")
    assert (settings.metrics_port, settings.metrics_token, settings.log_format) == (
        None,
        None,
        "text",
    )


def test_values_are_read() -> None:
    settings = load_settings(
        **REQUIRED, metrics_port="9102", metrics_token="s3cret-token", log_format=" json "
    )
    assert settings.metrics_port == 9102
    assert settings.metrics_token is not None
    assert settings.metrics_token.get_secret_value() == "s3cret-token"
    assert settings.log_format == "json"


def test_bad_values_are_named_and_never_echoed() -> None:
    with pytest.raises(SettingsError) as problem:
        load_settings(**REQUIRED, metrics_port="70000", log_format="xml-please")
    message = str(problem.value)
    assert "METRICS_PORT:" in message
    assert "LOG_FORMAT: Input should be 'text' or 'json'" in message
    assert "xml-please" not in message


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", [name.upper() for name in Settings.model_fields])
def test_every_setting_is_described_where_operators_look(name: str) -> None:
    app = json.loads((ROOT / "app.json").read_text())
    assert app["env"][name]["description"]
    assert f"| `{name}` |" in (ROOT / "README.md").read_text()
    assert f"{name}=" in (ROOT / ".env.example").read_text()


def test_heroku_builds_the_python_the_code_is_checked_for() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    checked = pyproject["tool"]["mypy"]["python_version"]
    assert (ROOT / ".python-version").read_text().strip() == checked
