"""One error tree for everything that can go wrong talking to Bland."""

from __future__ import annotations


class BlandError(Exception):
    """Base of every error the Bland client raises: catch this, never ValueError."""


class BlandConnectionError(BlandError):
    """Bland could not be reached."""


class BlandTimeoutError(BlandConnectionError):
    """Bland did not answer in time."""


class BlandResponseError(BlandError):
    """Bland answered with something we cannot read: not HTTP, not the documented JSON,
    or a batch without a status."""


class BlandStatusError(BlandError):
    """Bland answered with an error status."""

    def __init__(
        self, status_code: int, message: str | None = None, retry_after: float | None = None
    ) -> None:
        self.status_code = status_code
        self.message = message
        self.retry_after = retry_after
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
    status_code: int, message: str | None, retry_after: float | None = None
) -> BlandStatusError:
    """Map an HTTP status to the error class; Bland's message decides only for 200/400.

    Bland sometimes answers 200 or 400 with `{"status": "error", "message": ...}` for
    what is really a missing batch or a bad key, so only then is the wording read.
    """
    if status_code in (401, 403):
        return BlandAuthError(status_code, message)
    if status_code == 404:
        return BlandNotFoundError(status_code, message)
    if status_code == 429:
        return BlandRateLimitError(status_code, message, retry_after)
    if status_code >= 500:
        return BlandServerError(status_code, message, retry_after)
    lowered = (message or "").lower()
    if "api key" in lowered or "unauthorized" in lowered or "authorization" in lowered:
        return BlandAuthError(status_code, message)
    if "not found" in lowered or "no batch" in lowered or "does not exist" in lowered:
        return BlandNotFoundError(status_code, message)
    return BlandStatusError(status_code, message)
