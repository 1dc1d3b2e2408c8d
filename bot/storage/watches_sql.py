"""The SQL store's watches: adding, removing and listing them, and their progress messages."""

from __future__ import annotations

from bot.bland.stats import CallCounts
from bot.storage.base import FINAL, AlertKind, Render, Watch, WatchKind, WatchState
from bot.storage.outbox_sql import OutboxSql
from bot.storage.sql_rows import WATCH_SELECT, read_watch


class WatchesSql(OutboxSql):
    """Watches of batches and campaigns by channel; removing one finalizes its progress message."""

    async def add_watch(
        self,
        *,
        channel_id: str,
        kind: WatchKind,
        target_id: str,
        label: str | None,
        created_by: str,
        error_threshold: float | None = None,
    ) -> tuple[Watch, bool]:
        key = (channel_id, kind, target_id)
        async with self.transaction() as tx:
            if kind == WatchKind.BATCH:
                # The batch row first: completion locks it, so the two serialize.
                await tx.execute(
                    self._q(
                        "INSERT INTO batches (batch_id, state, next_poll_at) "
                        "VALUES (?, 'watching', {now}) "
                        "ON CONFLICT (batch_id) DO UPDATE SET state = 'watching', "
                        "next_poll_at = {now}, failures = 0, last_error = NULL, "
                        "finished_at = NULL WHERE batches.state = 'done'"
                    ),
                    target_id,
                )
            elif kind == WatchKind.CAMPAIGN:
                # Due for discovery at once, so the first scan follows the watch.
                await tx.execute(
                    self._q(
                        "INSERT INTO campaigns (campaign_id, next_scan_at) VALUES (?, {now}) "
                        "ON CONFLICT (campaign_id) DO UPDATE SET next_scan_at = {now}, "
                        "failures = 0, last_error = NULL"
                    ),
                    target_id,
                )
            rows = await tx.fetch(
                self._q(
                    "SELECT state FROM watches WHERE channel_id = ? AND kind = ? "
                    "AND target_id = ? {lock}"
                ),
                *key,
            )
            if not rows:
                created = (
                    await tx.execute(
                        self._q(
                            "INSERT INTO watches (channel_id, kind, target_id, label, created_by, "
                            "created_at, state, error_threshold) "
                            f"VALUES (?, ?, ?, ?, ?, {{now}}, '{WatchState.ACTIVE}', "
                            "CAST(? AS DOUBLE PRECISION)) "
                            "ON CONFLICT (channel_id, kind, target_id) DO NOTHING"
                        ),
                        *key,
                        label,
                        created_by,
                        error_threshold,
                    )
                    == 1
                )
            elif rows[0]["state"] != WatchState.ACTIVE:
                created = True
                await tx.execute(
                    self._q(
                        f"UPDATE watches SET state = '{WatchState.ACTIVE}', state_reason = NULL, "
                        "batch_status = NULL, progress_ts = NULL, progress_shown = NULL, "
                        "progress_claimed_at = NULL, "
                        "label = COALESCE(CAST(? AS TEXT), label), "
                        "created_by = ?, created_at = {now}, "
                        "error_threshold = CAST(? AS DOUBLE PRECISION) "
                        "WHERE channel_id = ? AND kind = ? AND target_id = ?"
                    ),
                    label,
                    created_by,
                    error_threshold,
                    *key,
                )
            else:
                created = False
                await tx.execute(
                    "UPDATE watches SET label = COALESCE(CAST(? AS TEXT), label), "
                    "error_threshold = COALESCE(CAST(? AS DOUBLE PRECISION), error_threshold) "
                    "WHERE channel_id = ? AND kind = ? AND target_id = ?",
                    label,
                    error_threshold,
                    *key,
                )
            row = await tx.fetch(
                WATCH_SELECT + "WHERE w.channel_id = ? AND w.kind = ? AND w.target_id = ?",
                *key,
            )
        return read_watch(row[0]), created

    async def remove_watch(
        self,
        *,
        channel_id: str,
        kind: WatchKind,
        target_id: str,
        render_progress: Render | None = None,
    ) -> bool:
        key = (channel_id, kind, target_id)
        async with self.transaction() as tx:
            # Locked first: no progress edit can take its lease between this read and
            # the delete, and one already holding it is seen (its end is waited for).
            leases = await tx.fetch(
                self._q(
                    "SELECT edit_until FROM watches WHERE channel_id = ? AND kind = ? "
                    "AND target_id = ? {lock}"
                ),
                *key,
            )
            rows = await tx.fetch(
                WATCH_SELECT + "WHERE w.channel_id = ? AND w.kind = ? AND w.target_id = ?",
                *key,
            )
            removed = await tx.execute(
                "DELETE FROM watches WHERE channel_id = ? AND kind = ? AND target_id = ?", *key
            )
            if removed and rows and render_progress is not None:
                watch = read_watch(rows[0])
                # A message already final (the batch finished) keeps its final state.
                if watch.progress_ts and rows[0]["progress_shown"] != FINAL:
                    await self._queue(
                        tx,
                        target_id,
                        watch,
                        render_progress(watch),
                        AlertKind.PROGRESS_FINAL,
                        target_ts=watch.progress_ts,
                        not_before=leases[0]["edit_until"] if leases else None,
                    )
        return removed > 0

    async def list_watches(
        self, *, channel_id: str | None = None, created_by: str | None = None
    ) -> list[Watch]:
        async with self.transaction() as tx:
            rows = await tx.fetch(
                WATCH_SELECT + "WHERE (CAST(? AS TEXT) IS NULL OR w.channel_id = ?) "
                "AND (CAST(? AS TEXT) IS NULL OR w.created_by = ?) "
                "ORDER BY w.created_at, w.channel_id, w.target_id",
                channel_id,
                channel_id,
                created_by,
                created_by,
            )
        return [read_watch(row) for row in rows]

    async def set_progress_message(
        self, *, channel_id: str, batch_id: str, ts: str, counts: CallCounts
    ) -> bool:
        async with self.transaction() as tx:
            touched = await tx.execute(
                "UPDATE watches SET progress_ts = ?, progress_shown = ?, "
                "progress_claimed_at = NULL "
                f"WHERE channel_id = ? AND kind = '{WatchKind.BATCH}' AND target_id = ? "
                f"AND state = '{WatchState.ACTIVE}' AND progress_ts IS NULL",
                ts,
                counts.key(),
                channel_id,
                batch_id,
            )
            if touched:
                await self._store_counts(tx, batch_id, counts)
        return touched > 0

    async def progress_message(self, *, channel_id: str, batch_id: str) -> str | None:
        async with self.transaction() as tx:
            rows = await tx.fetch(
                f"SELECT progress_ts FROM watches WHERE channel_id = ? "
                f"AND kind = '{WatchKind.BATCH}' AND target_id = ?",
                channel_id,
                batch_id,
            )
        return str(rows[0]["progress_ts"]) if rows and rows[0]["progress_ts"] else None

    async def claim_progress_post(
        self, *, channel_id: str, batch_id: str, hold_seconds: float
    ) -> bool:
        async with self.transaction() as tx:
            touched = await tx.execute(
                self._q(
                    "UPDATE watches SET progress_claimed_at = {now} "
                    f"WHERE channel_id = ? AND kind = '{WatchKind.BATCH}' AND target_id = ? "
                    f"AND state = '{WatchState.ACTIVE}' AND progress_ts IS NULL "
                    "AND (progress_claimed_at IS NULL "
                    "OR progress_claimed_at < {now} - CAST(? AS DOUBLE PRECISION))"
                ),
                channel_id,
                batch_id,
                hold_seconds,
            )
        return touched > 0

    async def release_progress_post(self, *, channel_id: str, batch_id: str) -> None:
        async with self.transaction() as tx:
            await tx.execute(
                "UPDATE watches SET progress_claimed_at = NULL "
                f"WHERE channel_id = ? AND kind = '{WatchKind.BATCH}' AND target_id = ? "
                "AND progress_ts IS NULL",
                channel_id,
                batch_id,
            )
