"""How a failed poll or scan is described, in the log and in the store."""

from __future__ import annotations

from bot.bland.errors import BlandError
from bot.bland.values import clean_text

MESSAGE_LIMIT = 200


def describe_failure(exc: Exception) -> str:
    """Bland's errors by type and message (the status and Bland's words, never the
    request); anything else by its type alone, as its message may quote a payload."""
    name = type(exc).__name__
    if isinstance(exc, BlandError):
        # Bland's words are outside text: cleaned, they fit any TEXT column.
        return f"{name}: {clean_text(str(exc)[:MESSAGE_LIMIT])}"
    return name
