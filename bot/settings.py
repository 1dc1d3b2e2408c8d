"""Configuration: one settings object, read from the environment and `.env`, checked at start-up."""

from __future__ import annotations

import logging
import re
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.admission import REPLY_CONCURRENCY
from bot.bland.limits import EXPORT_LIMITS
from bot.slack.clients import TIMEOUT_SECONDS
from bot.storage.urls import check_database_url

# The keys and tokens, each sent as a header or used as an HMAC key.
_SECRETS = (
    "slack_bot_token",
    "slack_app_token",
    "slack_signing_secret",
    "bland_api_key",
    "metrics_token",
    "bland_webhook_secret",
)
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
# A claim must outlast a post made under it: Slack's timeout, with room to spare.
MIN_LEASE_SECONDS = TIMEOUT_SECONDS + 15.0


SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


class SettingsError(Exception):
    """Start-up configuration is missing or wrong; the message names every problem."""


class Settings(BaseSettings):
    """Every setting the bot reads. Names match the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    bland_api_key: SecretStr
    bland_api_url: str = "https://api.bland.ai"
    bland_export_timeout_seconds: float = Field(default=EXPORT_LIMITS.deadline, gt=0, le=3600)
    port: int = Field(default=3000, ge=0, le=65535)
    log_level: str = "INFO"
    database_url: str = "sqlite:///bland_batches.db"
    watch_poll_seconds: float = Field(default=30.0, gt=0, le=3600)
    # The longest a batch whose end is far off waits between polls (bot.watcher.pacing);
    # at least WATCH_POLL_SECONDS (unset, it is raised to that when larger).
    watch_max_poll_seconds: float = Field(default=300.0, gt=0, le=24 * 3600)
    # What fetching one batch's progress counts may cost a minute, in bytes: a 10,000-call
    # batch's counts are 5.7 MB, so they refresh about every 6 minutes at the default.
    watch_progress_bytes_per_minute: int = Field(default=1_000_000, ge=10_000, le=10**10)
    watch_concurrency: int = Field(default=16, ge=1, le=512)
    # Requests fetching, formatting and replying at once after their ack; more wait their
    # turn (bot.admission), so a burst's acks are not held up by its replies.
    reply_concurrency: int = Field(default=REPLY_CONCURRENCY, ge=1, le=512)
    watch_lease_seconds: float = Field(default=60.0, le=3600)
    watch_takeover_seconds: float = Field(default=15.0, ge=1, le=600)
    # How long a watched batch may answer 404 before its watches end (a week at most).
    watch_gone_after: float = Field(default=3600.0, gt=0, le=7 * 24 * 3600)
    # Signs Bland's status webhook (Bland's dev portal, Keys tab): set, POST /bland/status
    # is served (in Socket Mode, on PORT), and a watched v2 batch alerts as it ends.
    bland_webhook_secret: SecretStr | None = None
    bland_admin_users: Annotated[frozenset[str], NoDecode] = frozenset()
    # Socket Mode and watcher-only processes have no listener: /metrics, /readyz and
    # /healthz are served on this port when it is set (HTTP mode serves them on PORT too).
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_token: SecretStr | None = None
    log_format: Literal["text", "json"] = "text"

    @field_validator(*_SECRETS, mode="before")
    @classmethod
    def _trimmed(cls, value: object) -> object:
        # A line break or space pasted with a key would go into every request's header
        # (where it makes the request raise) or every signature check (which then fails).
        return value.strip() if isinstance(value, str) else value

    @field_validator(
        "slack_signing_secret",
        "slack_app_token",
        "metrics_token",
        "bland_webhook_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(*_SECRETS)
    @classmethod
    def _sendable(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        if not value.get_secret_value():
            raise ValueError("must not be empty")
        if not _PRINTABLE.fullmatch(value.get_secret_value()):
            raise ValueError(
                "must be printable ASCII with no spaces: check for a character pasted with it"
            )
        return value

    @field_validator("bland_admin_users", mode="before")
    @classmethod
    def _split_users(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(
                part.strip() for part in value.replace(" ", ",").split(",") if part.strip()
            )
        return value

    @field_validator("bland_admin_users")
    @classmethod
    def _user_ids(cls, value: frozenset[str]) -> frozenset[str]:
        # Compared with the clicking user's id: a name or a mention would never match,
        # and the person it meant could not stop a batch with nothing saying why.
        if any(not SLACK_USER_ID.fullmatch(user) for user in value):
            raise ValueError("must be Slack user ids like U012AB3CD, comma-separated")
        return value

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _blank_port(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("slack_api_url", "bland_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        check_database_url(value)
        return value

    @field_validator("watch_lease_seconds")
    @classmethod
    def _lease_outlasts_a_post(cls, value: float) -> float:
        if value < MIN_LEASE_SECONDS:
            raise ValueError(
                f"must be at least {MIN_LEASE_SECONDS:g} (Slack's {TIMEOUT_SECONDS}s timeout "
                "plus 15 s): a claim that ends while its post is in flight lets another "
                "process post the same alert"
            )
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @model_validator(mode="after")
    def _max_poll(self) -> Settings:
        if self.watch_max_poll_seconds >= self.watch_poll_seconds:
            return self
        if "watch_max_poll_seconds" in self.model_fields_set:
            raise ValueError(
                "WATCH_MAX_POLL_SECONDS: must be at least WATCH_POLL_SECONDS "
                f"({self.watch_poll_seconds:g})"
            )
        self.watch_max_poll_seconds = self.watch_poll_seconds
        return self

    @model_validator(mode="after")
    def _mode(self) -> Settings:
        if self.slack_app_token is None and self.slack_signing_secret is None:
            raise ValueError(
                "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET: set the app token for Socket Mode, "
                "or the signing secret for HTTP mode"
            )
        return self

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def slack_api_base(self) -> str:
        return self.slack_api_url if self.slack_api_url.endswith("/") else self.slack_api_url + "/"


def load_settings(**overrides: object) -> Settings:
    """Read and check the settings, raising SettingsError that names every problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """One line per problem, naming the environment variable, never echoing its value."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        name = str(error["loc"][0]).upper() if error["loc"] else ""
        if error["type"] == "missing":
            lines.append(f"{name}: missing (required)")
        elif name:
            lines.append(f"{name}: {error['msg'].removeprefix('Value error, ')}")
        else:
            lines.extend(part for part in error["msg"].removeprefix("Value error, ").split("; "))
    return "Configuration problems:\n" + "\n".join(f"  - {line}" for line in lines)
