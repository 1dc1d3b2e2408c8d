"""The status webhook's queued work against a poll holding the batch, on SQLite and
PostgreSQL: it waits for the lease, then records the end, or finds it recorded."""

from __future__ import annotations

import asyncio

from bot.bland.models_v2 import BatchV2, StatusWebhook
from bot.bland.view import view_of_v2
from bot.storage import Store
from bot.storage.base import AlertKind, WatchKind
from bot.watcher.poll_v2 import LifecycleCompletion
from bot.watcher.status_webhooks import ACCEPTED, IGNORED, StatusWebhooks

BATCH = "2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182"
END = StatusWebhook(
    batch_id=BATCH, status="completed", calls_total=4, calls_successful=3, calls_failed=1
)
LEASE = 30.0


def worker(store: Store, owner: str) -> tuple[StatusWebhooks, LifecycleCompletion]:
    completion = LifecycleCompletion(store, owner=owner, on_alerts=lambda: None)
    return StatusWebhooks(store, completion, owner=owner, lease_seconds=LEASE), completion


async def watched(store: Store) -> None:
    await store.add_watch(
        channel_id="C1", kind=WatchKind.BATCH, target_id=BATCH, label="Q1", created_by="U0A"
    )


async def test_a_webhook_waits_for_a_poll_that_saw_the_batch_running(any_store: Store) -> None:
    await watched(any_store)
    assert await any_store.claim_due_batches(owner="poller", limit=1, lease_seconds=LEASE)
    webhooks, _ = worker(any_store, "webhook")
    recording = asyncio.create_task(webhooks.record(END))
    await asyncio.sleep(0.2)
    assert not recording.done(), "the poll holds the lease"
    # The poll read the log before the end: it records the batch running and lets go.
    await any_store.finish_poll(BATCH, owner="poller", status="in_progress", delay=3600)
    assert await asyncio.wait_for(recording, 5) == ACCEPTED
    [alert] = await any_store.list_alerts(batch_id=BATCH)
    assert alert.kind == AlertKind.COMPLETION
    assert "4 calls, 3 successful, 1 failed (75% success)" in alert.message["text"]


async def test_a_webhook_behind_a_poll_that_saw_the_end_records_nothing(
    any_store: Store,
) -> None:
    await watched(any_store)
    [due] = await any_store.claim_due_batches(owner="poller", limit=1, lease_seconds=LEASE)
    webhooks, _ = worker(any_store, "webhook")
    _, poll = worker(any_store, "poller")
    recording = asyncio.create_task(webhooks.record(END))
    await asyncio.sleep(0.2)
    view = view_of_v2(BatchV2(id=BATCH), [END.as_log_entry()])
    assert await poll.record(due.batch_id, view, seen_by="poll") is not None
    assert await asyncio.wait_for(recording, 5) == IGNORED
    assert len(await any_store.list_alerts(batch_id=BATCH)) == 1


async def test_phases_and_strangers_are_ignored(any_store: Store) -> None:
    webhooks, _ = worker(any_store, "webhook")
    assert await webhooks.record(END) == IGNORED
    await watched(any_store)
    phase = StatusWebhook(batch_id=BATCH, status="dispatching")
    assert await webhooks.record(phase) == IGNORED
    assert await any_store.list_alerts() == []


async def test_submit_refuses_when_not_running_or_full(any_store: Store) -> None:
    completion = LifecycleCompletion(any_store, owner="w", on_alerts=lambda: None)
    webhooks = StatusWebhooks(any_store, completion, owner="w", lease_seconds=LEASE, queue_limit=1)
    assert not webhooks.submit(END), "no worker yet"
    await webhooks.start()
    try:
        results = [webhooks.submit(END) for _ in range(50)]
        assert results[0] and not all(results)
    finally:
        await webhooks.stop()
    assert not webhooks.submit(END)
