"""A status webhook and a poll that both see a v2 batch end produce one alert, on SQLite and
PostgreSQL: the webhook records the end through the poll's own path, under its lease."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.demo.dataset_v2 import v2_batch
from bot.demo.server import BlandServer
from bot.runner import Bot
from bot.storage.base import AlertKind, WatchState
from bot.webhook import ROUTE
from tests.support.bot import as_slack, base_url, running_bot
from tests.support.metrics import Scrape, scrape
from tests.support.postgres import PostgresServer
from tests.support.slack_standin import SlackStandIn
from tests.support.waiting import eventually
from tests.support.watcher import posts_of

SECRET = "whsec-race-5b7e"
CHANNEL = "C0CHANNEL"
# Polls as often as the loop ticks, so they meet the webhooks at the end.
FAST_POLL = 0.05
BATCHES = [f"3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e{n:02d}" for n in range(12)]


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return await server.new_database()


@pytest.fixture
async def bot(bland: BlandServer, slack: SlackStandIn, database_url: str) -> AsyncIterator[Bot]:
    async with running_bot(
        bland,
        slack,
        database_url,
        bland_webhook_secret=SECRET,
        watch_poll_seconds=FAST_POLL,
    ) as running:
        yield running


def moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


async def test_webhook_and_poll_racing_to_the_end_post_one_alert_per_batch(
    bot: Bot, bland: BlandServer, slack: SlackStandIn
) -> None:
    for batch_id in BATCHES:
        bland.v2_dataset.add(v2_batch(batch_id, hours_ago=0.1, calls=3, finished=1))
        bland.set_status_webhook(batch_id, f"{base_url(bot)}{ROUTE}", SECRET)
    async with as_slack(bot, bland, slack) as app, aiohttp.ClientSession() as http:
        for batch_id in BATCHES:
            reply = await app.reply(f"watch {batch_id}")
            assert "The message above shows its progress" in reply["text"]
        before = await scrape(http, base_url(bot))
        # Every batch ends at once: its webhook is POSTed while polls keep reading its log.
        await asyncio.gather(*(bland.finish_v2(batch_id) for batch_id in BATCHES))
        await eventually(
            lambda: all(len(posts_of(slack, CHANNEL, b)) == 1 for b in BATCHES), within=20
        )
        deliveries = [d for d in bland.webhook_deliveries if d.batch_id in BATCHES]
        assert {d.status for d in deliveries} == {200}

        async def all_counted() -> bool:
            now = await scrape(http, base_url(bot))
            webhooks = sum(
                moved(before, now, "bland_status_webhooks_total", outcome=outcome)
                for outcome in ("accepted", "ignored")
            )
            return webhooks == len(deliveries)

        await eventually(all_counted)
        after = await scrape(http, base_url(bot))
    # Each end was recorded once: by its webhook or by a poll, never both.
    by_webhook = moved(before, after, "bland_status_webhooks_total", outcome="accepted")
    by_poll = moved(before, after, "watcher_polls_total", outcome="finished")
    assert by_webhook + by_poll == len(BATCHES)
    for batch_id in BATCHES:
        kinds = [a.kind for a in await bot.store.list_alerts(batch_id=batch_id)]
        assert sorted(kinds) == [AlertKind.COMPLETION, AlertKind.PROGRESS_FINAL]
    # A replay of every final webhook, later, is counted and changes nothing.
    async with aiohttp.ClientSession() as http:
        for delivery in deliveries:
            headers = {"X-Webhook-Signature": delivery.signature}
            async with http.post(delivery.url, data=delivery.body, headers=headers) as response:
                assert response.status == 200

        async def replays_counted() -> bool:
            now = await scrape(http, base_url(bot))
            ignored = moved(after, now, "bland_status_webhooks_total", outcome="ignored")
            return ignored == len(deliveries)

        await eventually(replays_counted)
    watches = await bot.store.list_watches(channel_id=CHANNEL)
    assert {w.state for w in watches} == {WatchState.DONE}
    assert all(len(posts_of(slack, CHANNEL, b)) == 1 for b in BATCHES)
    assert len(await bot.store.list_alerts()) == 2 * len(BATCHES)
