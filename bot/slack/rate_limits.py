"""Waiting out Slack's 429s, but only for as long as the caller can afford to wait."""

from __future__ import annotations

import asyncio
import math
import random

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Slack's Retry-After is a whole number of seconds; without one, wait a little.
DEFAULT_WAIT = 1.0


def retry_after_seconds(response: HttpResponse) -> float | None:
    """The response's Retry-After as finite, non-negative seconds; None when absent or
    unreadable (slack_sdk's own handler raises on anything but an integer)."""
    for name, values in response.headers.items():
        if name.lower() != "retry-after":
            continue
        try:
            seconds = float(values[0] if isinstance(values, list) else values)
        except (TypeError, ValueError, IndexError):
            return None
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    return None


class BoundedRateLimitRetryHandler(AsyncRetryHandler):
    """Retries a 429 after its Retry-After, unless that is longer than `max_wait`: then
    the 429 is the caller's answer at once (a `ratelimited` SlackApiError), so a request
    holding a claim, or a person waiting for a reply, is never parked for minutes."""

    def __init__(self, *, max_retry_count: int, max_wait: float) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _wait(self, response: HttpResponse | None) -> float | None:
        if response is None or response.status_code != 429:
            return None
        seconds = retry_after_seconds(response)
        wait = DEFAULT_WAIT if seconds is None else seconds
        return wait if wait <= self.max_wait else None

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return self._wait(response) is not None

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = self._wait(response)
        if wait is None:  # not reached: _can_retry_async said no
            return
        state.next_attempt_requested = True
        # A little jitter, as slack_sdk adds, so that waiters don't all return at once.
        await asyncio.sleep(wait + random.random() / 2)
        state.increment_current_attempt()
