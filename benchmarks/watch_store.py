"""Watches written straight into a store, and its poll counters: for the process figures."""

from __future__ import annotations

import time
from typing import Any


async def add_watches(store: Any, ids: list[str]) -> None:
    from bot.storage.base import WatchKind

    for index, batch_id in enumerate(ids):
        await store.add_watch(
            channel_id=f"C{index % 50:04d}",
            kind=WatchKind.BATCH,
            target_id=batch_id,
            label=None,
            created_by="U0BENCH",
        )


async def seed_schedule(store: Any, ids: list[str], interval: float, *, park: bool) -> None:
    """Each batch due at its phase slot in the next interval (or parked far ahead)."""
    from bot.watcher.schedule import next_poll_delay

    now = time.time()
    async with store.transaction() as tx:
        for batch_id in ids:
            when = now + 1e6 if park else now + next_poll_delay(batch_id, interval, now) % interval
            await tx.execute(
                "UPDATE batches SET next_poll_at = ? WHERE batch_id = ?", when, batch_id
            )


async def poll_counts(store: Any) -> dict[str, int]:
    async with store.transaction() as tx:
        rows = await tx.fetch("SELECT batch_id, polls FROM batches")
    return {str(r["batch_id"]): int(r["polls"]) for r in rows}


def window_stats(before: dict[str, int], after: dict[str, int]) -> dict[str, Any]:
    per_batch = [after.get(k, 0) - v for k, v in before.items()]
    return {
        "polls": sum(per_batch),
        "min_per_batch": min(per_batch, default=0),
        "max_per_batch": max(per_batch, default=0),
    }
