"""The SQL store's operational reads: a ping for readiness, and the gauges `/metrics` shows."""

from __future__ import annotations

from bot.storage.base import AlertState, StoreGauges, WatchKind, WatchState
from bot.storage.sql_base import SqlBase

# Every count is over an index (alerts_due, batches_due, watches_by_target), so a scrape
# costs a few milliseconds however many alerts were ever sent.
_GAUGES = (
    "SELECT"
    f" (SELECT COUNT(*) FROM alerts WHERE state = '{AlertState.PENDING}') AS outbox_pending,"
    " (SELECT {now} - MIN(created_at) FROM alerts"
    f" WHERE state = '{AlertState.PENDING}') AS oldest,"
    " (SELECT COUNT(*) FROM batches t WHERE t.state = 'watching'"
    f"  AND (EXISTS (SELECT 1 FROM watches w WHERE w.kind = '{WatchKind.BATCH}'"
    f"  AND w.target_id = t.batch_id AND w.state = '{WatchState.ACTIVE}')"
    f"  OR EXISTS (SELECT 1 FROM watches w WHERE w.kind = '{WatchKind.CAMPAIGN}'"
    f"  AND w.target_id = t.campaign_id AND w.state = '{WatchState.ACTIVE}'))) AS watched_batches,"
    " (SELECT COUNT(DISTINCT target_id) FROM watches"
    f"  WHERE kind = '{WatchKind.CAMPAIGN}' AND state = '{WatchState.ACTIVE}') AS watched_campaigns"
)


class GaugesSql(SqlBase):
    """Reads only; no leases, nothing written."""

    async def ping(self) -> None:
        async with self.transaction() as tx:
            await tx.fetch("SELECT 1 AS one")

    async def gauges(self) -> StoreGauges:
        async with self.transaction() as tx:
            row = (await tx.fetch(self._q(_GAUGES)))[0]
        oldest = row["oldest"]
        return StoreGauges(
            outbox_pending=int(row["outbox_pending"]),
            outbox_oldest_pending_seconds=max(0.0, float(oldest)) if oldest is not None else 0.0,
            watched_batches=int(row["watched_batches"]),
            watched_campaigns=int(row["watched_campaigns"]),
        )
