"""`Store.claim_batch`, on real SQLite and PostgreSQL: a webhook leases one named batch on
the terms a poll does, so one owner at a time records its end."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.storage import Store, Watch
from bot.storage.base import WatchKind
from tests.support.stores import OpenStore

BATCH = "4d3c2b1a-0f9e-4d8c-9b7a-6f5e4d3c2b1a"
LEASE = 30.0


def render(watch: Watch) -> dict[str, Any]:
    return {"text": f"done {watch.target_id}", "blocks": []}


async def watch(store: Store, channel: str = "C1") -> None:
    await store.add_watch(
        channel_id=channel, kind=WatchKind.BATCH, target_id=BATCH, label=None, created_by="U1"
    )


async def test_a_watched_batch_is_claimed_whether_or_not_it_is_due(store: Store) -> None:
    await watch(store)
    assert len(await store.claim_due_batches(owner="poller", limit=5, lease_seconds=LEASE)) == 1
    await store.finish_poll(BATCH, owner="poller", status="in_progress", delay=3600)
    claimed = await store.claim_batch(BATCH, owner="webhook", lease_seconds=LEASE)
    assert claimed is not None
    assert (claimed.batch_id, claimed.status, claimed.polls) == (BATCH, "in_progress", 1)
    alerts = await store.record_completion(
        BATCH, owner="webhook", status="completed", render=render
    )
    assert alerts is not None and len(alerts) == 1
    # Done: neither a webhook nor a poll can claim it again.
    assert await store.claim_batch(BATCH, owner="webhook", lease_seconds=LEASE) is None
    assert await store.completion_audience(BATCH) == 0


async def test_a_lease_held_by_a_poll_is_not_taken(store: Store) -> None:
    await watch(store)
    assert len(await store.claim_due_batches(owner="poller", limit=5, lease_seconds=LEASE)) == 1
    assert await store.claim_batch(BATCH, owner="webhook", lease_seconds=LEASE) is None
    assert await store.completion_audience(BATCH) == 1
    await store.release_batch(BATCH, owner="poller")
    assert await store.claim_batch(BATCH, owner="webhook", lease_seconds=LEASE) is not None


async def test_an_expired_lease_is_taken(store: Store) -> None:
    await watch(store)
    await store.claim_due_batches(owner="dead", limit=5, lease_seconds=0.01)
    await asyncio.sleep(0.05)
    assert await store.claim_batch(BATCH, owner="webhook", lease_seconds=LEASE) is not None


async def test_a_dead_pollers_lease_is_taken_before_it_expires(store: Store) -> None:
    """As for polls: a long lease held by a process whose heartbeat lapsed is claimable."""
    await watch(store)
    await store.heartbeat("dead", takeover_seconds=0.05)
    await store.claim_due_batches(owner="dead", limit=5, lease_seconds=LEASE)
    await store.heartbeat("alive", takeover_seconds=LEASE)
    await store.claim_due_batches(owner="alive", limit=5, lease_seconds=LEASE)
    await asyncio.sleep(0.2)
    claimed = await store.claim_batch(BATCH, owner="webhook", lease_seconds=LEASE)
    assert claimed is not None and claimed.batch_id == BATCH


async def test_a_live_pollers_lease_is_not_taken(store: Store) -> None:
    await watch(store)
    await store.heartbeat("alive", takeover_seconds=LEASE)
    await store.claim_due_batches(owner="alive", limit=5, lease_seconds=LEASE)
    await asyncio.sleep(0.2)
    assert await store.claim_batch(BATCH, owner="webhook", lease_seconds=LEASE) is None


async def test_unknown_and_unwatched_batches_are_not_claimed(store: Store) -> None:
    assert await store.claim_batch(BATCH, owner="webhook", lease_seconds=LEASE) is None
    await watch(store)
    await store.remove_watch(channel_id="C1", kind=WatchKind.BATCH, target_id=BATCH)
    assert await store.claim_batch(BATCH, owner="webhook", lease_seconds=LEASE) is None


async def test_two_processes_claiming_at_once_get_one_lease(connect: OpenStore) -> None:
    first, second = await connect(), await connect()
    await watch(first)
    for _ in range(10):
        claims = await asyncio.gather(
            first.claim_batch(BATCH, owner="a", lease_seconds=LEASE),
            second.claim_batch(BATCH, owner="b", lease_seconds=LEASE),
        )
        winners = [c for c in claims if c is not None]
        assert len(winners) == 1
        await first.release_batch(BATCH, owner="a")
        await first.release_batch(BATCH, owner="b")
