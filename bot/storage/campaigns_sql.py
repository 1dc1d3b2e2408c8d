"""The SQL store's campaign discovery: leasing due campaigns and recording what a scan found."""

from __future__ import annotations

from collections.abc import Sequence

from bot.storage.base import DueCampaign, SeenBatch, WatchKind, WatchState
from bot.storage.sql_base import CLAIMABLE, TAKE_OVER, SqlBase


class CampaignsSql(SqlBase):
    """Campaigns are scanned on their own lease; each new batch found is then polled."""

    async def claim_due_campaigns(
        self, *, owner: str, limit: int, lease_seconds: float
    ) -> list[DueCampaign]:
        if limit <= 0:
            return []
        async with self.transaction() as tx:
            rows = await tx.fetch(
                self._q(
                    f"UPDATE campaigns SET {TAKE_OVER}, lease_owner = ?, "
                    "lease_until = {now} + CAST(? AS DOUBLE PRECISION) "
                    "WHERE campaign_id IN ("
                    " SELECT t.campaign_id FROM campaigns t"
                    " WHERE t.next_scan_at <= {now}"
                    f" AND {CLAIMABLE}"
                    f" AND EXISTS (SELECT 1 FROM watches w WHERE w.kind = '{WatchKind.CAMPAIGN}'"
                    f"  AND w.target_id = t.campaign_id AND w.state = '{WatchState.ACTIVE}')"
                    " ORDER BY t.next_scan_at LIMIT ? {skip}) "
                    "RETURNING campaign_id, failures, taken_from"
                ),
                owner,
                lease_seconds,
                limit,
            )
        return [DueCampaign(r["campaign_id"], r["failures"], r["taken_from"]) for r in rows]

    async def finish_scan(
        self,
        campaign_id: str,
        *,
        owner: str,
        batches: Sequence[SeenBatch],
        delay: float,
        error: str | None = None,
    ) -> int | None:
        async with self.transaction() as tx:
            touched = await tx.execute(
                self._q(
                    "UPDATE campaigns SET next_scan_at = {now} + CAST(? AS DOUBLE PRECISION), "
                    "lease_owner = NULL, lease_until = NULL, scans = scans + 1, "
                    "failures = CASE WHEN CAST(? AS TEXT) IS NULL THEN 0 ELSE failures + 1 END, "
                    "last_error = CAST(? AS TEXT), "
                    "last_scan_at = CASE WHEN CAST(? AS TEXT) IS NULL THEN {now} "
                    "ELSE last_scan_at END "
                    "WHERE campaign_id = ? AND lease_owner = ?"
                ),
                delay,
                error,
                error,
                error,
                campaign_id,
                owner,
            )
            if not touched:
                return None
            if error is not None:
                return 0
            known = {
                str(r["batch_id"])
                for r in await tx.fetch(
                    "SELECT batch_id FROM batches WHERE campaign_id = ?", campaign_id
                )
            }
            new = 0
            for seen in batches:
                if seen.batch_id in known:
                    continue
                known.add(seen.batch_id)
                # A batch already watched on its own joins the campaign; a finished one
                # stays finished.
                new += await tx.execute(
                    self._q(
                        "INSERT INTO batches (batch_id, state, next_poll_at, campaign_id, "
                        "bland_created_at) "
                        "VALUES (?, 'watching', {now}, ?, CAST(? AS DOUBLE PRECISION)) "
                        "ON CONFLICT (batch_id) DO UPDATE SET campaign_id = excluded.campaign_id, "
                        "bland_created_at = "
                        "COALESCE(batches.bland_created_at, excluded.bland_created_at) "
                        "WHERE batches.campaign_id IS NULL"
                    ),
                    seen.batch_id,
                    campaign_id,
                    seen.created_at,
                )
        return new

    async def release_campaign(self, campaign_id: str, *, owner: str) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    self._q(
                        "UPDATE campaigns SET lease_owner = NULL, lease_until = NULL, "
                        "next_scan_at = {now} WHERE campaign_id = ? AND lease_owner = ?"
                    ),
                    campaign_id,
                    owner,
                )
                > 0
            )
