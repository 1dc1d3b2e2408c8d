"""The store's operational reads (ping, gauges), on real SQLite and real PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.storage import Store, Watch
from bot.storage.base import StoreGauges, WatchKind

B1, B2, B3 = "GaugeBatch000001-gen-batch", "GaugeBatch000002-gen-batch", "GaugeBatch3-gen-batch"
LEASE = 30.0


def render(watch: Watch) -> dict[str, Any]:
    return {"text": f"done {watch.target_id}", "blocks": []}


async def add(store: Store, channel: str, kind: WatchKind, target: str) -> None:
    await store.add_watch(
        channel_id=channel, kind=kind, target_id=target, label=None, created_by="U1"
    )


async def test_an_empty_store_answers_with_zeros(store: Store) -> None:
    await store.ping()
    assert await store.gauges() == StoreGauges(0, 0.0, 0, 0)


async def test_gauges_follow_watches_and_the_outbox(store: Store) -> None:
    await add(store, "C1", WatchKind.BATCH, B1)
    await add(store, "C2", WatchKind.BATCH, B1)  # one batch, however many channels
    await add(store, "C1", WatchKind.BATCH, B2)
    await add(store, "C1", WatchKind.CAMPAIGN, "camp-1")
    await add(store, "C2", WatchKind.CAMPAIGN, "camp-1")
    await add(store, "C1", WatchKind.CAMPAIGN, "camp-2")
    await add(store, "C1", WatchKind.BATCH, B3)
    await store.remove_watch(channel_id="C1", kind=WatchKind.BATCH, target_id=B3)
    gauges = await store.gauges()
    assert (gauges.watched_batches, gauges.watched_campaigns) == (2, 2)
    assert (gauges.outbox_pending, gauges.outbox_oldest_pending_seconds) == (0, 0.0)

    await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE)
    alerts = await store.record_completion(B1, owner="p1", status="completed", render=render)
    assert alerts is not None and len(alerts) == 2
    await asyncio.sleep(0.05)
    gauges = await store.gauges()
    assert (gauges.watched_batches, gauges.outbox_pending) == (1, 2)
    assert gauges.outbox_oldest_pending_seconds > 0

    for alert in await store.claim_alerts(owner="p1", limit=10, lease_seconds=LEASE):
        await store.mark_alert_sent(alert.id, message_ts="1.1")
    gauges = await store.gauges()
    assert (gauges.outbox_pending, gauges.outbox_oldest_pending_seconds) == (0, 0.0)
