"""Migration 4 and the store methods it brings, on real SQLite and real PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.bland.stats import CallCounts
from bot.storage import Store, Watch
from bot.storage.base import FINAL, Alert, AlertKind, PollDone, WatchKind, WatchState

B1 = "AAcQq8zXxLB56LWg-gen-batch"
HOLD = 60.0
LEASE = 30.0


async def _watch(store: Store, channel: str = "C1", batch_id: str = B1) -> None:
    await store.add_watch(
        channel_id=channel, kind=WatchKind.BATCH, target_id=batch_id, label=None, created_by="U1"
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


def _unwatched(watch: Watch) -> dict[str, Any]:
    return {"text": f"no longer watched: {watch.target_id}", "blocks": []}


async def _editing(store: Store) -> dict[str, Any]:
    """A watch with a progress message that worker w1 has begun to edit: the edit's key."""
    await _watch(store)
    counts = CallCounts(total=10, completed=1, errored=0)
    assert await store.set_progress_message(channel_id="C1", batch_id=B1, ts="9.1", counts=counts)
    edit = {"channel_id": "C1", "batch_id": B1, "ts": "9.1"}
    assert await store.begin_progress_edit(**edit, owner="w1", lease_seconds=LEASE)
    return edit


async def test_an_unwatch_waits_for_the_progress_edit_in_flight(store: Store) -> None:
    edit = await _editing(store)
    assert not await store.begin_progress_edit(**edit, owner="w2", lease_seconds=LEASE)

    assert await store.remove_watch(
        channel_id="C1", kind=WatchKind.BATCH, target_id=B1, render_progress=_unwatched
    )
    # No new edit starts, and the final edit is not due while w1's may still land.
    assert not await store.begin_progress_edit(**edit, owner="w2", lease_seconds=LEASE)
    assert await store.claim_alerts(owner="o", limit=5, lease_seconds=LEASE) == []

    await store.end_progress_edit(**edit, owner="w1", shown="1/10")
    [final] = await store.claim_alerts(owner="o", limit=5, lease_seconds=LEASE)
    assert (final.kind, final.target_ts) == (AlertKind.PROGRESS_FINAL, "9.1")


async def test_an_edit_lease_ends_with_the_edit_or_runs_out(store: Store) -> None:
    edit = await _editing(store)
    # A failed edit gives the lease back and leaves what the message shows alone.
    await store.end_progress_edit(**edit, owner="w1", shown=None)
    stale = await store.progress_to_update(B1, shown="2/10")
    assert [w.progress_ts for w in stale] == ["9.1"]
    assert await store.begin_progress_edit(**edit, owner="w2", lease_seconds=0.01)
    await asyncio.sleep(0.05)
    # w2 died mid-edit: its lease runs out and another process edits.
    assert await store.begin_progress_edit(**edit, owner="w3", lease_seconds=LEASE)
    await store.end_progress_edit(**edit, owner="w3", shown=FINAL)
    assert not await store.begin_progress_edit(**edit, owner="w4", lease_seconds=LEASE)


def _gone(watch: Watch) -> dict[str, Any]:
    return {"text": f"gone: {watch.target_id} in {watch.channel_id}", "blocks": []}


async def _poll(store: Store) -> None:
    """Take the batch's polling lease, as the watcher does before asking Bland."""
    [due] = await store.claim_due_batches(owner="w", limit=1, lease_seconds=LEASE)
    assert due.batch_id == B1


async def _not_found(store: Store, gone_after: float) -> list[Alert] | None:
    return await store.record_not_found(
        B1,
        owner="w",
        delay=0,
        error="BlandNotFoundError: 404",
        gone_after=gone_after,
        render=_gone,
    )


async def test_a_5xx_between_404s_does_not_restart_the_not_found_clock(store: Store) -> None:
    await _watch(store)
    await _poll(store)
    assert await _not_found(store, gone_after=0.2) is None, "the first 404 starts the clock"
    await asyncio.sleep(0.3)
    await _poll(store)
    await store.finish_poll(B1, owner="w", status=None, delay=0, error="BlandServerError: 500")
    await _poll(store)
    alerts = await _not_found(store, gone_after=0.2)
    assert alerts is not None
    assert [(a.kind, a.message["text"]) for a in alerts] == [(AlertKind.GONE, f"gone: {B1} in C1")]
    [watch] = await store.list_watches()
    assert watch.state == WatchState.DONE
    assert await store.claim_due_batches(owner="w", limit=1, lease_seconds=LEASE) == []


async def test_a_successful_poll_between_404s_restarts_the_not_found_clock(store: Store) -> None:
    await _watch(store)
    await _poll(store)
    assert await _not_found(store, gone_after=0.2) is None
    await asyncio.sleep(0.3)
    await _poll(store)
    await store.finish_polls([PollDone(B1, "in-progress", 0)], owner="w")
    await _poll(store)
    assert await _not_found(store, gone_after=0.2) is None, "Bland knew it a moment ago"
    [watch] = await store.list_watches()
    assert watch.state == WatchState.ACTIVE
    assert await store.list_alerts() == []
