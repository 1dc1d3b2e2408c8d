"""One word for how a Bland request ended, for the `outcome` label of `/metrics`."""

from __future__ import annotations

from bot.bland.errors import (
    BlandAuthError,
    BlandConnectionError,
    BlandError,
    BlandNotFoundError,
    BlandRateLimitError,
    BlandResponseError,
    BlandServerError,
    BlandTimeoutError,
)

# Most specific first: a timeout is also a connection error.
_OUTCOMES: tuple[tuple[type[BlandError], str], ...] = (
    (BlandNotFoundError, "not_found"),
    (BlandAuthError, "auth"),
    (BlandRateLimitError, "rate_limited"),
    (BlandServerError, "server_error"),
    (BlandTimeoutError, "timeout"),
    (BlandConnectionError, "connection"),
    (BlandResponseError, "bad_response"),
)


def outcome(error: BlandError | None) -> str:
    """`ok`, a kind of failure, or `client_error` for any other 4xx Bland answered."""
    if error is None:
        return "ok"
    for kind, name in _OUTCOMES:
        if isinstance(error, kind):
            return name
    return "client_error"
