"""The SQL store's claim of one named batch: how a status webhook joins the watcher's path."""

from __future__ import annotations

from bot.storage.base import DueBatch, WatchKind, WatchState
from bot.storage.polling_sql import PollingSql
from bot.storage.sql_base import CLAIMABLE, TAKE_OVER


class WebhookSql(PollingSql):
    """A webhook's completion is recorded under the batch's polling lease, like a poll's."""

    async def claim_batch(
        self, batch_id: str, *, owner: str, lease_seconds: float
    ) -> DueBatch | None:
        # One conditional UPDATE, as a claim of due batches is, but of this batch whether
        # or not its next poll is due: on PostgreSQL a racing claim waits on the row and
        # then finds the lease taken, so one owner holds it, as for any poll.
        async with self.transaction() as tx:
            rows = await tx.fetch(
                self._q(
                    # Claimable as a poll is: lease over, or its owner's heartbeat lapsed.
                    f"UPDATE batches AS t SET {TAKE_OVER}, lease_owner = ?, "
                    "lease_until = {now} + CAST(? AS DOUBLE PRECISION) "
                    "WHERE t.batch_id = ? AND t.state = 'watching' "
                    f"AND {CLAIMABLE} "
                    f"AND (EXISTS (SELECT 1 FROM watches w WHERE w.kind = '{WatchKind.BATCH}'"
                    f" AND w.target_id = t.batch_id AND w.state = '{WatchState.ACTIVE}')"
                    f" OR EXISTS (SELECT 1 FROM watches w WHERE w.kind = '{WatchKind.CAMPAIGN}'"
                    f" AND w.target_id = t.campaign_id AND w.state = '{WatchState.ACTIVE}')) "
                    "RETURNING batch_id, failures, status, polls"
                ),
                owner,
                lease_seconds,
                batch_id,
            )
        if not rows:
            return None
        row = rows[0]
        return DueBatch(row["batch_id"], row["failures"], row["status"], polls=int(row["polls"]))
