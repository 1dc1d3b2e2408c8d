"""What Slack's error codes mean to the bot, and one reader of them that cannot raise."""

from __future__ import annotations

import math
from typing import Any

# Slack will never accept a post to these channels until a person acts: stop trying.
CHANNEL_GONE = frozenset({"channel_not_found", "is_archived", "not_in_channel"})
# The message itself is refused; retrying sends the same bytes, so it would never pass.
MESSAGE_REFUSED = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "invalid_arguments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
    }
)
# A progress message that can no longer be edited (deleted, too old, not ours).
EDIT_REFUSED = MESSAGE_REFUSED | frozenset(
    {"message_not_found", "cant_update_message", "edit_window_closed"}
)
# History cannot be read here: post without checking rather than lose the alert.
HISTORY_UNREADABLE = frozenset(
    {"missing_scope", "not_in_channel", "not_allowed_token_type", "no_permission"}
)
# This app's installation (its token or scopes) is wrong: trying again won't help, a
# workspace admin must act.
SETUP_REFUSED = frozenset(
    {
        "missing_scope",
        "not_allowed_token_type",
        "no_permission",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "team_access_not_granted",
    }
)
# HTTP 429: nothing was done; try again after `retry_after(exc)`.
RATE_LIMITED = "ratelimited"
UNKNOWN_ERROR = "unknown_error"
# Codes are short snake_case words; anything longer is not one and is not echoed.
MAX_CODE_LENGTH = 60


def error_code(exc: BaseException) -> str:
    """Slack's `error` code of a failed call, or `unknown_error`. Never raises: the
    response of a SlackApiError may be a non-JSON body, a string, or missing."""
    response: Any = getattr(exc, "response", None)
    try:
        data = getattr(response, "data", None)
        value = data.get("error") if isinstance(data, dict) else None
        if value is None and isinstance(response, dict):
            value = response.get("error")
    except Exception:
        return UNKNOWN_ERROR
    if not isinstance(value, str) or not value:
        return UNKNOWN_ERROR
    if len(value) > MAX_CODE_LENGTH or not value.isascii():
        return UNKNOWN_ERROR
    return value if value.replace("_", "").isalnum() else UNKNOWN_ERROR


def failure_reason(exc: BaseException) -> str:
    """A word for the log: Slack's error code when it sent one, else the exception's
    type (slack_sdk raises AttributeError on a plain-text 200). Never raises."""
    code = error_code(exc)
    return code if code != UNKNOWN_ERROR else type(exc).__name__


def retry_after(exc: BaseException) -> float | None:
    """Slack's `Retry-After` in seconds, when it is a finite number; never raises."""
    response: Any = getattr(exc, "response", None)
    try:
        headers = getattr(response, "headers", None) or {}
        value = headers.get("retry-after") or headers.get("Retry-After")
        seconds = float(value) if value is not None else None
    except Exception:
        return None
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds
