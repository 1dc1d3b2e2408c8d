"""Migration 2 and the store methods it brings, on real SQLite and real PostgreSQL."""

from __future__ import annotations

from typing import Any

import aiosqlite
import asyncpg

from bot.bland.stats import CallCounts
from bot.storage import Store, Watch, open_store
from bot.storage.base import FINAL, AlertKind, SeenBatch, WatchKind, WatchState
from bot.storage.migrations import CREATE_VERSIONS, MIGRATIONS
from bot.storage.sqlite import sqlite_path
from tests.support.stores import OpenStore

B1, B2 = "AAcQq8zXxLB56LWg-gen-batch", "ZfowpkhOSVCZJ94i-gen-batch"
CAMPAIGN = "a2shduf92f74p8288c93nid5"
LEASE = 30.0


def render(watch: Watch) -> dict[str, Any]:
    return {"text": f"{watch.kind} {watch.target_id} for {watch.channel_id}", "blocks": []}


async def _at_migration_1(url: str) -> None:
    """A database as the previous release left it: schema 1, a watch and a sent alert."""
    first = MIGRATIONS[0]
    rows = [
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'v1', 0)",
        "INSERT INTO watches (channel_id, kind, target_id, label, created_by, created_at, "
        f"state) VALUES ('C1', 'batch', '{B1}', 'Old', 'U1', 1000, 'active')",
        f"INSERT INTO batches (batch_id, state, next_poll_at) VALUES ('{B1}', 'watching', 0)",
        "INSERT INTO alerts (id, batch_id, channel_id, message, state, next_attempt_at, "
        f"created_at) VALUES ('a1', '{B2}', 'C1', '{{\"text\": \"x\"}}', 'sent', 0, 1000)",
    ]
    if url.startswith("postgres"):
        conn = await asyncpg.connect(url)
        try:
            for statement in (CREATE_VERSIONS, *first.for_backend("postgres"), *rows):
                await conn.execute(statement)
        finally:
            await conn.close()
        return
    async with aiosqlite.connect(sqlite_path(url)) as db:
        for statement in (CREATE_VERSIONS, *first.for_backend("sqlite"), *rows):
            await db.execute(statement)
        await db.commit()


async def test_migration_2_upgrades_a_version_1_database(database_url: str) -> None:
    await _at_migration_1(database_url)
    store = open_store(database_url)
    await store.open()
    try:
        [old] = await store.list_watches()
        assert (old.label, old.progress_ts, old.calls_total) == ("Old", None, None)
        [alert] = await store.list_alerts()
        assert (alert.id, alert.kind, alert.target_ts) == ("a1", AlertKind.COMPLETION, None)
        # The old watch takes part in the new features.
        assert await store.set_progress_message(
            channel_id="C1", batch_id=B1, ts="1.1", counts=CallCounts(10, 2, 0)
        )
        [due] = await store.claim_due_batches(owner="p", limit=5, lease_seconds=LEASE)
        assert (due.batch_id, due.wants_progress) == (B1, True)
        [old] = await store.list_watches()
        assert (old.progress_ts, old.calls_total, old.calls_completed) == ("1.1", 10, 2)
    finally:
        await store.close()
    again = open_store(database_url)  # already at 2: nothing applied twice
    await again.open()
    await again.close()


async def test_progress_message_and_counts(store: Store) -> None:
    await store.add_watch(
        channel_id="C1", kind=WatchKind.BATCH, target_id=B1, label=None, created_by="U"
    )
    assert await store.progress_message(channel_id="C1", batch_id=B1) is None
    counts = CallCounts(total=10, completed=4, errored=1)
    assert await store.set_progress_message(channel_id="C1", batch_id=B1, ts="9.1", counts=counts)
    assert not await store.set_progress_message(
        channel_id="C1", batch_id=B1, ts="9.2", counts=counts
    ), "one progress message per watch"
    assert await store.progress_message(channel_id="C1", batch_id=B1) == "9.1"
    assert await store.progress_to_update(B1, shown=counts.key()) == []

    assert len(await store.claim_due_batches(owner="p", limit=1, lease_seconds=LEASE)) == 1
    later = CallCounts(total=10, completed=6, errored=1)
    assert await store.record_progress(B1, owner="p", counts=later) == []
    assert await store.record_progress(B1, owner="other", counts=later) is None
    [stale] = await store.progress_to_update(B1, shown=later.key())
    assert (stale.progress_ts, stale.calls_completed) == ("9.1", 6)
    assert await store.mark_progress_shown(channel_id="C1", batch_id=B1, ts="9.1", shown=FINAL)
    assert await store.progress_to_update(B1, shown="anything") == []
    assert not await store.mark_progress_shown(
        channel_id="C1", batch_id=B1, ts="9.1", shown=later.key()
    ), "a final message is never edited again"


async def test_warning_is_queued_once_per_channel(connect: OpenStore) -> None:
    first, second = await connect(), await connect()
    for channel, threshold in (("C1", 10.0), ("C2", 50.0), ("C3", None)):
        await first.add_watch(
            channel_id=channel,
            kind=WatchKind.BATCH,
            target_id=B1,
            label=None,
            created_by="U",
            error_threshold=threshold,
        )
    bad = CallCounts(total=100, completed=20, errored=5)  # 25%
    [due] = await first.claim_due_batches(owner="p1", limit=1, lease_seconds=LEASE)
    assert due.wants_progress
    queued = await first.record_progress(B1, owner="p1", counts=bad, render_warning=render)
    assert queued is not None, "p1 holds the lease"
    [warning] = queued
    assert (warning.channel_id, warning.kind) == ("C1", AlertKind.WARNING)
    assert await first.record_progress(B1, owner="p1", counts=bad, render_warning=render) == []
    await first.finish_poll(B1, owner="p1", status="in-progress", delay=0)
    # Another process sees it too: still one warning.
    [due] = await second.claim_due_batches(owner="p2", limit=1, lease_seconds=LEASE)
    assert due.wants_progress, "C2's 50% may still be crossed"
    assert await second.record_progress(B1, owner="p2", counts=bad, render_warning=render) == []
    worse = CallCounts(total=100, completed=20, errored=15)  # 75%: C2's turn, C1 not again
    queued = await second.record_progress(B1, owner="p2", counts=worse, render_warning=render)
    assert queued is not None, "p2 holds the lease"
    [late] = queued
    assert late.channel_id == "C2"
    await second.finish_poll(B1, owner="p2", status="in-progress", delay=0)
    [due] = await first.claim_due_batches(owner="p1", limit=1, lease_seconds=LEASE)
    assert not due.wants_progress, "every threshold crossed and warned: status polls suffice"
    alerts = await second.list_alerts(batch_id=B1)
    assert sorted((a.channel_id, a.kind) for a in alerts) == [
        ("C1", AlertKind.WARNING),
        ("C2", AlertKind.WARNING),
    ]


async def test_campaign_scan_and_who_hears_a_completion(store: Store) -> None:
    await store.add_watch(
        channel_id="C1", kind=WatchKind.CAMPAIGN, target_id=CAMPAIGN, label=None, created_by="U"
    )
    [watch] = await store.list_watches()
    started = watch.created_at.timestamp()
    [due] = await store.claim_due_campaigns(owner="p", limit=5, lease_seconds=LEASE)
    assert due.campaign_id == CAMPAIGN
    assert await store.claim_due_campaigns(owner="q", limit=5, lease_seconds=LEASE) == []
    seen = [SeenBatch(B1, started - 3600), SeenBatch(B2, started + 5)]
    assert await store.finish_scan(CAMPAIGN, owner="p", batches=seen, delay=0) == 2
    [due] = await store.claim_due_campaigns(owner="p", limit=5, lease_seconds=LEASE)
    assert await store.finish_scan(CAMPAIGN, owner="p", batches=seen, delay=60) == 0
    [watch] = await store.list_watches()
    assert (watch.batches_seen, watch.batches_running) == (2, 0)

    claimed = await store.claim_due_batches(owner="p", limit=5, lease_seconds=LEASE)
    assert sorted(d.batch_id for d in claimed) == [B1, B2]
    # B1 was created before the watch and never seen running: nobody hears of it.
    assert await store.completion_audience(B1) == 0
    assert await store.record_completion(B1, owner="p", status="completed", render=render) == []
    # B2 was created after the watch.
    assert await store.completion_audience(B2) == 1
    queued = await store.record_completion(B2, owner="p", status="completed", render=render)
    assert queued is not None, "p holds the lease and B2 is not done yet"
    [alert] = queued
    assert (alert.channel_id, alert.kind) == ("C1", AlertKind.CAMPAIGN_COMPLETION)
    assert alert.message["text"] == f"campaign {CAMPAIGN} for C1"
    [watch] = await store.list_watches()
    assert watch.state == WatchState.ACTIVE, "a campaign watch outlives its batches"


async def test_unwatch_queues_the_final_edit_once(store: Store) -> None:
    await store.add_watch(
        channel_id="C1", kind=WatchKind.BATCH, target_id=B1, label=None, created_by="U"
    )
    counts = CallCounts(total=10, completed=4, errored=1)
    await store.set_progress_message(channel_id="C1", batch_id=B1, ts="9.1", counts=counts)
    assert await store.remove_watch(
        channel_id="C1", kind=WatchKind.BATCH, target_id=B1, render_progress=render
    )
    [alert] = await store.list_alerts()
    assert (alert.kind, alert.target_ts, alert.channel_id) == (
        AlertKind.PROGRESS_FINAL,
        "9.1",
        "C1",
    )
    assert not await store.remove_watch(
        channel_id="C1", kind=WatchKind.BATCH, target_id=B1, render_progress=render
    )
    assert len(await store.list_alerts()) == 1
