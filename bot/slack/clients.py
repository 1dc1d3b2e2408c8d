"""The Slack Web API clients: the shared one, and those used while holding a claim."""

from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.call_metrics import CallCounter
from bot.slack.rate_limits import BoundedRateLimitRetryHandler

DEFAULT_BASE_URL = "https://slack.com/api/"
TIMEOUT_SECONDS = 15
RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 2
CONNECTION_RETRIES = 2
# The longest Retry-After waited out: by the shared client (nobody holds a claim; a late
# answer beats none), and by the posting client, whose callers hold a claim (a progress
# post's lasts 120 s: three waits must fit well inside it) or have a person waiting.
SHARED_MAX_WAIT = 60.0
POSTING_MAX_WAIT = 10.0


def make_slack_client(
    token: str,
    base_url: str = DEFAULT_BASE_URL,
    *,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """An AsyncWebClient that waits out 429s (per `Retry-After`) and retries 5xx and
    dropped connections; by default slack_sdk retries only the last."""
    base_url = base_url if base_url.endswith("/") else base_url + "/"
    return AsyncWebClient(
        token=token,
        session=session,
        base_url=base_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[
            CallCounter(base_url),
            AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
            BoundedRateLimitRetryHandler(
                max_retry_count=RATE_LIMIT_RETRIES, max_wait=SHARED_MAX_WAIT
            ),
            AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
        ],
    )


def posting_client(slack: AsyncWebClient) -> AsyncWebClient:
    """The same connection settings, retrying only rate limits, and only those whose
    Retry-After is at most POSTING_MAX_WAIT: a 5xx or a dropped connection may hide an
    accepted post, so those are not retried blindly (the outbox checks history before
    posting again; see `bot.watcher.outbox`)."""
    return _with_retries(
        slack,
        [
            BoundedRateLimitRetryHandler(
                max_retry_count=RATE_LIMIT_RETRIES, max_wait=POSTING_MAX_WAIT
            )
        ],
    )


def leased_posting_client(slack: AsyncWebClient) -> AsyncWebClient:
    """For posts and edits made while holding a claim: retries nothing.

    Not a 5xx or a dropped connection, as `posting_client`; and not a 429 either: its
    Retry-After can outlast the claim, and another process would then post too. The
    caller gives the work back, due after the wait."""
    return _with_retries(slack, [])


def leased_reading_client(slack: AsyncWebClient) -> AsyncWebClient:
    """For reads made while holding a claim: a read is safe to repeat, so 5xx and dropped
    connections are retried, but a 429 is not waited out (see `leased_posting_client`)."""
    return _with_retries(
        slack,
        [
            AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
            AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
        ],
    )


def _with_retries(slack: AsyncWebClient, handlers: list[AsyncRetryHandler]) -> AsyncWebClient:
    return AsyncWebClient(
        token=slack.token,
        base_url=slack.base_url,
        timeout=slack.timeout,
        session=slack.session,
        # The counter first, so that it sees every attempt (see `CallCounter`).
        retry_handlers=[CallCounter(slack.base_url), *handlers],
    )
