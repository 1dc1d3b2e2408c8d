"""What the user is told when something fails: plain words, the next step, nothing secret."""

from __future__ import annotations

import logging
import math

from bot.bland.errors import (
    BlandAuthError,
    BlandConnectionError,
    BlandError,
    BlandNotFoundError,
    BlandRateLimitError,
    BlandResponseError,
    BlandServerError,
    BlandStatusError,
    BlandTimeoutError,
    BlandTooLargeError,
)
from bot.user_facing import UserFacingError
from formatters.blocks import Message
from formatters.errors import error_message
from formatters.help import help_message
from formatters.text import BLAND_MESSAGE_WIDTH, clip, code
from handlers.commands_parser import UsageError

log = logging.getLogger(__name__)


def describe_error(exc: BaseException, *, subject: str | None = None) -> Message:
    """Map any failure to a clear message; `subject` names the batch or call involved."""
    if isinstance(exc, UsageError):
        return help_message(str(exc))
    # Before BlandError: an id refused before any request is both, and says it best itself.
    if isinstance(exc, UserFacingError):
        return error_message(str(exc))
    if isinstance(exc, BlandError):
        return _bland(exc, subject)
    where = _origin(exc)
    log.error("unexpected %s in a listener at %s", type(exc).__name__, where)
    log.debug("unexpected error detail", exc_info=exc)
    return error_message(
        "Something went wrong on our side. It has been logged; please try again.",
    )


def _bland(exc: BlandError, subject: str | None) -> Message:
    what = code(subject, 140) if subject else "that"
    if isinstance(exc, BlandNotFoundError):
        return error_message(
            f"Bland has no batch or call {what}.",
            "Check the id with `/batches`; ids look like `AAcQq8zXxLB56LWg-gen-batch`.",
        )
    if isinstance(exc, BlandAuthError):
        return error_message(
            "Bland refused this app's API key.",
            "Ask a workspace admin to check the app's BLAND_API_KEY.",
        )
    if isinstance(exc, BlandRateLimitError):
        return error_message(
            f"Bland is rate limiting requests right now. Try again {_wait(exc.retry_after)}."
        )
    if isinstance(exc, BlandTimeoutError):
        return error_message("Bland is taking too long to answer. Try again in a minute.")
    if isinstance(exc, BlandConnectionError):
        return error_message("Bland can't be reached right now. Try again in a minute.")
    if isinstance(exc, BlandServerError):
        return error_message(
            f"Bland is having trouble (HTTP {exc.status_code}). Try again in a minute."
        )
    if isinstance(exc, BlandTooLargeError):
        return error_message(
            f"Bland's answer was too large (over {_megabytes(exc.max_bytes)}), "
            "so I stopped reading it.",
            "An export without `transcripts` is much smaller.",
        )
    if isinstance(exc, BlandResponseError):
        return error_message("Bland sent an answer I couldn't read. Try again in a minute.")
    if isinstance(exc, BlandStatusError):
        said = f": {clip(exc.message, BLAND_MESSAGE_WIDTH)}" if exc.message else ""
        return error_message(f"Bland refused the request (HTTP {exc.status_code}){said}.")
    return error_message("Bland could not be asked. Try again in a minute.")


def _wait(seconds: float | None) -> str:
    """When to try again, in words; Bland's Retry-After may be absent, zero or huge."""
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        return "in a minute"
    if seconds < 120:
        return f"in about {round(seconds)} s"
    if seconds < 2 * 3600:
        return f"in about {round(seconds / 60)} min"
    return "later"


def _megabytes(count: int) -> str:
    return f"{count / 1024**2:,.0f} MB" if count >= 1024**2 else f"{count:,} bytes"


def _origin(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "unknown"
    return f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
