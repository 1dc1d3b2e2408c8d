"""Claims that survive rate limits: the outbox never sleeps on a lease, through the real
watcher."""

from __future__ import annotations

import asyncio

from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from bot.storage import Store
from bot.storage.base import SENT
from tests.watcher.conftest import RealClockSlack, RunWatcher, eventually
from tests.watcher.test_watcher import BATCH, alerts_in, watch


async def test_429s_longer_than_the_lease_never_double_an_alert(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(make_batch(BATCH, calls=10))
    await watch(any_store, "C01")
    # Each 429 asks for longer than a claim lasts: a sender that waited it out while
    # holding the claim would let the other owner post too.
    slack_api.rate_limit("chat.postMessage", times=3, retry_after=2)

    async with run_watcher(any_store, lease_seconds=1), run_watcher(any_store, lease_seconds=1):
        await eventually(lambda: bool(alerts_in(slack_api, "C01")), within=30)
        # Long enough for a second post, if a second owner were still going to make one.
        await asyncio.sleep(3)

    assert len(alerts_in(slack_api, "C01")) == 1
    assert len(slack_api.calls_to("chat.postMessage")) == 4, "three 429s, then the post"
    # A 429 is never a post, so nobody looked in history for one.
    assert slack_api.calls_to("conversations.history") == []
    [alert] = await any_store.list_alerts()
    assert (alert.state, alert.attempts) == (SENT, 1), "only the claim that posted counts"
