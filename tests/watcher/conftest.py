"""Fixtures for the watcher: a store on each backend, a real-clock Slack stand-in, a runner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.bland.client import Backoff, BlandClient
from bot.demo.server import BlandServer
from bot.slack.clients import make_slack_client
from bot.storage import Store, open_store
from bot.watcher import Watcher
from tests.support.bland import BLAND_KEY
from tests.support.postgres import PostgresServer
from tests.support.slack_standin import RealClockSlack
from tests.support.watcher import POLL, RunWatcher


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


@pytest.fixture
def run_watcher(bland_client: BlandClient, slack_api: RealClockSlack) -> Iterator[RunWatcher]:
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
