"""Closing a store lets go of the database, even when a task is stuck mid-transaction."""

from __future__ import annotations

import asyncio
import contextlib

from bot.shutdown import Step, run_steps
from bot.storage import open_store
from bot.storage.base import WatchKind
from tests.support.stores import OpenStore

BATCH = "AAcQq8zXxLB56LWg-gen-batch"
UPDATE = "UPDATE watches SET label = ? WHERE target_id = ?"


async def test_close_lets_go_of_the_database_though_a_task_is_stuck_in_it(
    database_url: str, connect: OpenStore
) -> None:
    store = open_store(database_url)
    await store.open()
    await store.add_watch(
        channel_id="C1", kind=WatchKind.BATCH, target_id=BATCH, label="Survey", created_by="U1"
    )
    holding = asyncio.Event()

    async def stuck_mid_transaction() -> None:
        # A task left behind by a shutdown step that ran out of time, holding a write.
        async with store.transaction() as tx:  # type: ignore[attr-defined]
            await tx.execute(UPDATE, "held", BATCH)
            holding.set()
            await asyncio.Event().wait()

    holder = asyncio.create_task(stuck_mid_transaction())
    await holding.wait()
    await run_steps([Step("store", 1.0, store.close)])

    # Another process can write the same row at once: the stuck transaction is gone.
    other = await connect()
    async with asyncio.timeout(5):
        async with other.transaction() as tx:  # type: ignore[attr-defined]
            assert await tx.execute(UPDATE, "free", BATCH) == 1
    holder.cancel()
    with contextlib.suppress(BaseException):
        await holder
