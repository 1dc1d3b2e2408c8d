"""Fixtures for the watcher: a store on each backend, a real-clock Slack stand-in, a runner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.bland.client import BlandClient
from bot.demo.server import BlandServer
from bot.storage import Store
from bot.watcher import Watcher
from tests.support.slack_standin import RealClockSlack
from tests.support.stores import backend_url, opened
from tests.support.watcher import RunWatcher, running_watcher, watcher_bland_client


@pytest.fixture
async def slack_api() -> AsyncIterator[RealClockSlack]:
    async with RealClockSlack() as stand_in:
        yield stand_in


@pytest.fixture(params=["sqlite", "postgres"])
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with opened(await backend_url(request, tmp_path, "bland.db")) as store:
        yield store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with opened(f"sqlite:///{tmp_path / 'bland.db'}") as store:
        yield store


@pytest.fixture
async def bland_client(bland: BlandServer) -> AsyncIterator[BlandClient]:
    async with watcher_bland_client(bland.url) as client:
        yield client


@pytest.fixture
def run_watcher(bland_client: BlandClient, slack_api: RealClockSlack) -> Iterator[RunWatcher]:
    """`async with run_watcher(store) as watcher:` a started Watcher, stopped after."""

    @asynccontextmanager
    async def _run(store: Store, **options: Any) -> AsyncIterator[Watcher]:
        async with running_watcher(store, bland_client, slack_api.api_url, **options) as watcher:
            yield watcher

    yield _run
