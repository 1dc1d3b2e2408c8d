"""Migration 3: call counts past 2**31 fit, on a database the previous release left."""

from __future__ import annotations

import aiosqlite
import asyncpg

from bot.bland.stats import CallCounts
from bot.storage import open_store
from bot.storage.migrations import CREATE_VERSIONS, MIGRATIONS
from bot.storage.sqlite import sqlite_path

BATCH = "AAcQq8zXxLB56LWg-gen-batch"
OVER_INT4 = 2**31 + 5


async def _at_migration_2(url: str) -> None:
    """Schema 2 with a watched batch whose counts were stored."""
    backend = "postgres" if url.startswith("postgres") else "sqlite"
    statements = [
        CREATE_VERSIONS,
        *(s for m in MIGRATIONS[:2] for s in m.for_backend(backend)),
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'v1', 0)",
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (2, 'v2', 0)",
        "INSERT INTO watches (channel_id, kind, target_id, created_by, created_at) "
        f"VALUES ('C1', 'batch', '{BATCH}', 'U1', 1000)",
        "INSERT INTO batches (batch_id, next_poll_at, calls_total, calls_completed) "
        f"VALUES ('{BATCH}', 0, 10, 4)",
    ]
    if backend == "postgres":
        conn = await asyncpg.connect(url)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()
        return
    async with aiosqlite.connect(sqlite_path(url)) as db:
        for statement in statements:
            await db.execute(statement)
        await db.commit()


async def test_migration_3_keeps_counts_and_takes_bigger_ones(database_url: str) -> None:
    await _at_migration_2(database_url)
    store = open_store(database_url)
    await store.open()
    try:
        [watch] = await store.list_watches()
        assert (watch.calls_total, watch.calls_completed, watch.calls_errored) == (10, 4, None)
        big = CallCounts(total=OVER_INT4, completed=OVER_INT4, errored=2**62)
        assert await store.set_progress_message(
            channel_id="C1", batch_id=BATCH, ts="1.1", counts=big
        )
        [watch] = await store.list_watches()
        assert (watch.calls_total, watch.calls_completed, watch.calls_errored) == (
            OVER_INT4,
            OVER_INT4,
            2**62,
        )
    finally:
        await store.close()
