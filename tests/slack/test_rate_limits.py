"""Slack's Retry-After read the way the bot reads everything from outside: a value that
is not a finite, non-negative number is no wait at all, never an exception."""

from __future__ import annotations

import pytest
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.slack.rate_limits import DEFAULT_WAIT, BoundedRateLimitRetryHandler, retry_after_seconds


def limited(value: str | None, status: int = 429) -> HttpResponse:
    headers: dict[str, str | list[str]] = {} if value is None else {"Retry-After": [value]}
    return HttpResponse(status_code=status, headers=headers, body={"ok": False})


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("1.5", 1.5),
        ("0", 0.0),
        (None, None),
        ("soon", None),
        ("NaN", None),
        ("inf", None),
        ("-2", None),
        ("", None),
    ],
)
def test_retry_after_is_read_safely(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(limited(value)) == seconds


@pytest.mark.parametrize(
    ("value", "retried"),
    [("2", True), ("10", True), ("11", False), ("600", False), ("garbage", True), (None, True)],
)
async def test_only_waits_the_caller_can_afford_are_retried(
    value: str | None, retried: bool
) -> None:
    handler = BoundedRateLimitRetryHandler(max_retry_count=3, max_wait=10)
    request = HttpRequest(method="POST", url="http://127.0.0.1/api/chat.postMessage", headers={})
    can = await handler.can_retry_async(
        state=RetryState(), request=request, response=limited(value)
    )
    assert can is retried


async def test_an_unreadable_retry_after_waits_the_default_only() -> None:
    handler = BoundedRateLimitRetryHandler(max_retry_count=3, max_wait=0.5)
    request = HttpRequest(method="POST", url="http://127.0.0.1/api/chat.postMessage", headers={})
    # DEFAULT_WAIT is over this handler's max_wait, so an unreadable value is not retried.
    assert handler.max_wait < DEFAULT_WAIT
    assert not await handler.can_retry_async(
        state=RetryState(), request=request, response=limited("soon")
    )


async def test_other_statuses_are_not_this_handlers_to_retry() -> None:
    handler = BoundedRateLimitRetryHandler(max_retry_count=3, max_wait=10)
    request = HttpRequest(method="POST", url="http://127.0.0.1/api/chat.postMessage", headers={})
    assert not await handler.can_retry_async(
        state=RetryState(), request=request, response=limited("1", status=500)
    )
