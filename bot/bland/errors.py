"""One error tree for everything that can go wrong talking to Bland."""

from __future__ import annotations

import math
from collections.abc import Iterable

from bot.bland.redact import redact

REDIRECTED = "redirected elsewhere, which is not followed (check BLAND_API_URL)"


class BlandError(Exception):
    """Base of every error the Bland client raises: catch this, never ValueError."""


class BlandConnectionError(BlandError):
    """Bland could not be reached."""


class BlandTimeoutError(BlandConnectionError):
    """Bland did not answer in time: a read stalled, or the whole answer missed its deadline."""


class BlandResponseError(BlandError):
    """Bland answered with something we cannot read: not HTTP, not the documented JSON,
    or a batch without a status."""


class BlandTooLargeError(BlandResponseError):
    """Bland's answer passed the size cap, so reading it stopped there."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        super().__init__(f"Bland's answer was too large: over {max_bytes / 1024**2:g} MB")


class BlandStatusError(BlandError):
    """Bland answered with an error status."""

    def __init__(
        self, status_code: int, message: str | None = None, retry_after: float | None = None
    ) -> None:
        self.status_code = status_code
        self.message = message
        # `Retry-After: 1e999` (or nan, or -5) must not reach arithmetic or round().
        finite = retry_after is not None and math.isfinite(retry_after) and retry_after >= 0
        self.retry_after = retry_after if finite else None
        super().__init__(f"HTTP {status_code}: {message}" if message else f"HTTP {status_code}")


class BlandAuthError(BlandStatusError):
    """The API key was refused (401/403)."""


class BlandNotFoundError(BlandStatusError):
    """The batch or call does not exist (404)."""


class BlandRateLimitError(BlandStatusError):
    """Bland is rate limiting us (429)."""


class BlandServerError(BlandStatusError):
    """Bland failed on its side (5xx)."""


def status_error(
    status_code: int,
    message: str | None,
    retry_after: float | None = None,
    *,
    secrets: Iterable[str] = (),
    code: str | None = None,
) -> BlandStatusError:
    """Map an HTTP status to the error class; Bland's code and words decide only for 200/400.

    Bland sometimes answers 200 or 400 with `{"status": "error", "message": ...}` (v1)
    or `{"data": null, "errors": [{"error": "NOT_FOUND", "message": ...}]}` (v2) for
    what is really a missing batch or a bad key, so only then are the v2 error `code`
    and the wording read. The message is redacted here, once, so that every reply and
    log line that shows it is free of `secrets` (the API key), token-shaped text and
    line breaks.
    """
    if 300 <= status_code < 400:
        # Not followed, so never an answer; Bland's words and the Location are not shown,
        # since a redirect's target is not Bland's to name. The usual cause is the URL.
        return BlandStatusError(status_code, REDIRECTED)
    if message is not None:
        message = redact(message, secrets=secrets) or None
    if status_code in (401, 403):
        return BlandAuthError(status_code, message)
    if status_code == 404:
        return BlandNotFoundError(status_code, message)
    if status_code == 429:
        return BlandRateLimitError(status_code, message, retry_after)
    if status_code >= 500:
        return BlandServerError(status_code, message, retry_after)
    by_code = _by_code(code)
    if by_code is not None:
        return by_code(status_code, message)
    lowered = (message or "").lower()
    if "api key" in lowered or "unauthorized" in lowered or "authorization" in lowered:
        return BlandAuthError(status_code, message)
    if "not found" in lowered or "no batch" in lowered or "does not exist" in lowered:
        return BlandNotFoundError(status_code, message)
    return BlandStatusError(status_code, message)


def _by_code(code: str | None) -> type[BlandStatusError] | None:
    """The error class a v2 error code names (`NOT_FOUND`, `UNAUTHORIZED`...), if any.

    The codes are unconfirmed beyond `NOT_FOUND`, so they are read by their words."""
    words = (code or "").upper().replace("-", "_")
    if "NOT_FOUND" in words:
        return BlandNotFoundError
    if any(word in words for word in ("UNAUTHORI", "FORBIDDEN", "API_KEY", "AUTH")):
        return BlandAuthError
    if "RATE_LIMIT" in words or "TOO_MANY" in words:
        return BlandRateLimitError
    return None
