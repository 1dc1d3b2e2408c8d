"""Counting every Slack Web API request, 429s and retries included, for `/metrics`."""

from __future__ import annotations

import asyncio

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.metrics import SLACK_CALLS, slack_method


class CallCounter(AsyncRetryHandler):
    """Never retries: it only looks. slack_sdk asks each retry handler about every
    response and every failed attempt, in order, so this one placed first sees each
    HTTP request, including the 429s that the next handler then waits out. Wrapping
    `api_call` instead would see only the last attempt of each call."""

    def __init__(self, base_url: str) -> None:
        super().__init__(max_retry_count=0)
        self._base_url = base_url

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = slack_method(request.url, self._base_url)
        SLACK_CALLS.labels(method, _outcome(response, error)).inc()
        return False


def _outcome(response: HttpResponse | None, error: Exception | None) -> str:
    if response is not None:
        if response.status_code == 429:
            return "rate_limited"
        if response.status_code >= 500:
            return "server_error"
        body = response.body
        if response.status_code < 400 and isinstance(body, dict) and body.get("ok") is True:
            return "ok"
        return "error"
    if isinstance(error, asyncio.TimeoutError | TimeoutError):
        return "timeout"
    return "connection" if error is not None else "error"
