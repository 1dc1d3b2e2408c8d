"""Fixtures for the watcher: a store on each backend, a real-clock Slack stand-in, helpers."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.bland.client import Backoff, BlandClient
from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from bot.slack.clients import make_slack_client
from bot.storage import Store, open_store
from bot.watcher import Watcher
from tests.conftest import BLAND_KEY
from tests.postgres_server import PostgresServer, postgres_server  # noqa: F401
from tests.standins.slack import SlackStandIn

POLL = 0.2


class RealClockSlack(SlackStandIn):
    """Message ts from the real clock, as Slack's are: the history check asks for
    messages newer than the alert's creation time."""

    _seq = itertools.count(1)

    def _next_ts(self) -> str:
        return f"{time.time():.4f}{next(self._seq) % 100:02d}"


@pytest.fixture
async def slack_api() -> AsyncIterator[RealClockSlack]:
    async with RealClockSlack() as stand_in:
        yield stand_in


@pytest.fixture(params=["sqlite", "postgres"])
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/bland.db"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = await server.new_database()
    store = open_store(url)
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = open_store(f"sqlite:///{tmp_path}/bland.db")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def bland_client(bland: BlandServer) -> AsyncIterator[BlandClient]:
    client = BlandClient(
        api_key=BLAND_KEY,
        base_url=bland.url,
        max_retries=1,
        backoff=Backoff(initial=0.05, cap=0.1, max_retry_after=1.0),
    )
    yield client
    await client.aclose()


RunWatcher = Callable[..., Any]


@pytest.fixture
def run_watcher(
    bland_client: BlandClient, slack_api: RealClockSlack
) -> Iterator[Callable[..., Any]]:
    """`async with run_watcher(store) as watcher:` a started Watcher, stopped after."""

    @asynccontextmanager
    async def _run(store: Store, **options: Any) -> AsyncIterator[Watcher]:
        options.setdefault("poll_seconds", POLL)
        options.setdefault("concurrency", 4)
        slack = make_slack_client("xoxb-test-token", slack_api.api_url)
        watcher = Watcher(store, bland_client, slack, **options)
        await watcher.start()
        try:
            yield watcher
        finally:
            await watcher.stop()

    yield _run


def in_progress_batch(batch_id: str, *, calls: int = 20, errors: int = 2) -> dict[str, Any]:
    return make_batch(
        batch_id, calls=calls, status="in-progress", completed=calls // 2, errors=errors
    )


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], *, within: float = 10.0, every: float = 0.05
) -> None:
    """Wait until `check()` is true; fail with a clear message after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(every)
