"""The SQL store's process heartbeats: who is alive, and giving back a stopping owner's work."""

from __future__ import annotations

from bot.storage.base import AlertState
from bot.storage.sql_base import SqlBase

# A dead process's row is kept this long past its heartbeat, then deleted. Its claims
# are judged by their leases alone after that, and no lease is longer (Settings caps
# WATCH_LEASE_SECONDS at an hour), so deleting the row frees nothing early.
FORGET_DEAD_AFTER_SECONDS = 3600.0


class ProcessesSql(SqlBase):
    """Each watcher renews a heartbeat; claims of an owner whose heartbeat lapsed are void."""

    async def heartbeat(self, owner: str, *, takeover_seconds: float) -> None:
        async with self.transaction() as tx:
            await tx.execute(
                self._q(
                    "INSERT INTO processes (owner, started_at, heartbeat_at, alive_until) "
                    "VALUES (?, {now}, {now}, {now} + CAST(? AS DOUBLE PRECISION)) "
                    "ON CONFLICT (owner) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, "
                    "alive_until = excluded.alive_until"
                ),
                owner,
                takeover_seconds,
            )
            await tx.execute(
                self._q(
                    "DELETE FROM processes WHERE alive_until < {now} - CAST(? AS DOUBLE PRECISION)"
                ),
                FORGET_DEAD_AFTER_SECONDS,
            )

    async def forget(self, owner: str) -> None:
        async with self.transaction() as tx:
            # Due again at once, as `release_batch` and `release_campaign` leave them.
            for table, due in (("batches", "next_poll_at"), ("campaigns", "next_scan_at")):
                await tx.execute(
                    self._q(
                        f"UPDATE {table} SET lease_owner = NULL, lease_until = NULL, "
                        f"{due} = {{now}} WHERE lease_owner = ?"
                    ),
                    owner,
                )
            # Its claims may have posted: `attempts` keeps counting them.
            await tx.execute(
                "UPDATE alerts SET lease_owner = NULL, lease_until = NULL "
                f"WHERE lease_owner = ? AND state = '{AlertState.PENDING}'",
                owner,
            )
            # A digest being built stays due (its `next_run_at` moves only once queued).
            await tx.execute(
                "UPDATE digests SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                owner,
            )
            await tx.execute("DELETE FROM processes WHERE owner = ?", owner)
