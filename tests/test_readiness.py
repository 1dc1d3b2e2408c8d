"""/readyz: 503 with a reason while the database is down or the watcher is not running."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.demo.server import BlandServer
from tests.support.bot import base_url, running_bot
from tests.support.metrics import scrape
from tests.support.ports import free_port
from tests.support.postgres import running_postgres
from tests.support.slack_standin import SlackStandIn
from tests.support.waiting import eventually


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def readyz(http: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, Any]]:
    async with http.get(f"{url}/readyz") as response:
        return response.status, await response.json()


async def test_not_ready_while_postgres_is_down_and_ready_once_it_is_back(
    bland: BlandServer, slack: SlackStandIn, http: aiohttp.ClientSession
) -> None:
    # A server of its own: this test stops it, which the shared one must never be.
    with running_postgres() as server:
        database = await server.new_database()
        async with running_bot(bland, slack, database) as bot:
            url = base_url(bot)

            async def status_is(expected: int) -> bool:
                return (await readyz(http, url))[0] == expected

            await eventually(lambda: status_is(200))
            assert (await readyz(http, url))[1] == {"ready": True}

            server.stop()
            await eventually(lambda: status_is(503), within=15)
            _, body = await readyz(http, url)
            assert body["ready"] is False
            assert any(reason.startswith("database") for reason in body["reasons"]), body
            # Liveness is not readiness: the process itself is fine.
            async with http.get(f"{url}/healthz") as response:
                assert response.status == 200
            # /metrics still answers, without the gauges it could not read.
            during = await scrape(http, url)
            assert during.value("metrics_store_read_failed") == 1
            assert not during.has("outbox_pending")

            server.start()
            await eventually(lambda: status_is(200), within=30)
            after = await scrape(http, url)
            assert after.value("metrics_store_read_failed") == 0
            assert after.has("outbox_pending")


async def test_not_ready_once_the_watcher_has_stopped(
    bland: BlandServer, slack: SlackStandIn, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with running_bot(bland, slack, f"sqlite:///{tmp_path / 'bot.db'}") as bot:
        url = base_url(bot)
        await eventually(lambda: _status(http, url, 200))
        await bot.watcher.stop()
        status, body = await readyz(http, url)
        assert status == 503
        assert body == {"ready": False, "reasons": ["watcher is not running"]}


async def _status(http: aiohttp.ClientSession, url: str, expected: int) -> bool:
    return (await readyz(http, url))[0] == expected


@pytest.mark.parametrize("mode", ["socket", "watcher-only"])
async def test_metrics_port_serves_all_three_without_a_listener(
    bland: BlandServer, slack: SlackStandIn, tmp_path: Path, http: aiohttp.ClientSession, mode: str
) -> None:
    port = free_port()
    options: dict[str, Any] = {"metrics_port": port}
    if mode == "socket":
        options.update(slack_app_token="xapp-ops-test", slack_signing_secret="")
    async with running_bot(
        bland,
        slack,
        f"sqlite:///{tmp_path / 'bot.db'}",
        listen=mode == "socket",
        **options,
    ) as bot:
        assert bot.metrics_port == port
        url = base_url(bot)
        async with http.get(f"{url}/healthz") as response:
            assert response.status == 200
        await eventually(lambda: _status(http, url, 200))
        result = await scrape(http, url)
        assert result.has("watched_batches")
        assert result.has("process_start_time_seconds")
        # No Slack listener on this port.
        async with http.post(f"{url}/slack/events", data=b"x=1") as response:
            assert response.status == 404
