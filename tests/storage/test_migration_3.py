"""Migration 3 and the store methods it brings, on real SQLite and real PostgreSQL."""

from __future__ import annotations

import asyncio

from bot.bland.stats import CallCounts
from bot.storage import Store
from bot.storage.base import BATCH

B1 = "AAcQq8zXxLB56LWg-gen-batch"
HOLD = 60.0


async def _watch(store: Store, channel: str = "C1", batch_id: str = B1) -> None:
    await store.add_watch(
        channel_id=channel, kind=BATCH, target_id=batch_id, label=None, created_by="U1"
    )


async def test_one_claim_to_post_the_progress_message(store: Store) -> None:
    assert not await store.claim_progress_post(channel_id="C1", batch_id=B1, hold_seconds=HOLD)
    await _watch(store)
    claims = await asyncio.gather(
        *(store.claim_progress_post(channel_id="C1", batch_id=B1, hold_seconds=HOLD) for _ in "ab")
    )
    assert sorted(claims) == [False, True]

    # A failed post gives the claim back; a message posted ends claiming for good.
    await store.release_progress_post(channel_id="C1", batch_id=B1)
    assert await store.claim_progress_post(channel_id="C1", batch_id=B1, hold_seconds=HOLD)
    counts = CallCounts(total=10, completed=1, errored=0)
    assert await store.set_progress_message(channel_id="C1", batch_id=B1, ts="9.1", counts=counts)
    await store.release_progress_post(channel_id="C1", batch_id=B1)
    assert not await store.claim_progress_post(channel_id="C1", batch_id=B1, hold_seconds=0)


async def test_an_abandoned_claim_can_be_taken_again(store: Store) -> None:
    await _watch(store)
    assert await store.claim_progress_post(channel_id="C1", batch_id=B1, hold_seconds=HOLD)
    await asyncio.sleep(0.05)
    # Its process died mid-post: once older than the hold, the claim is anyone's.
    assert await store.claim_progress_post(channel_id="C1", batch_id=B1, hold_seconds=0.01)


async def test_a_rewatch_starts_with_no_claim(store: Store) -> None:
    await _watch(store)
    assert await store.claim_progress_post(channel_id="C1", batch_id=B1, hold_seconds=HOLD)
    assert await store.suspend_channel("C1", reason="not_in_channel") == 1
    assert not await store.claim_progress_post(channel_id="C1", batch_id=B1, hold_seconds=HOLD)
    await _watch(store)
    assert await store.claim_progress_post(channel_id="C1", batch_id=B1, hold_seconds=HOLD)
