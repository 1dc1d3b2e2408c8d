"""The SQL store's polling: leasing due batches, recording polls, progress and completions."""

from __future__ import annotations

from collections.abc import Sequence

from bot.bland.models import IN_PROGRESS
from bot.bland.stats import CallCounts
from bot.storage.base import (
    ACTIVE,
    BATCH,
    CAMPAIGN_COMPLETION,
    COMPLETION,
    DONE,
    FINAL,
    PROGRESS_FINAL,
    WARNING,
    Alert,
    DueBatch,
    PollDone,
    Render,
    Watch,
)
from bot.storage.outbox_sql import OutboxSql
from bot.storage.sql_base import CLAIMABLE, TAKE_OVER, Tx
from bot.storage.sql_rows import _W_COLUMNS, WATCH_COLUMNS, WATCH_SELECT, Row, _watch

# A watch `w` of batch `b` whose channel has not been warned about it yet.
_NOT_WARNED = (
    "NOT EXISTS (SELECT 1 FROM alerts a WHERE a.batch_id = b.batch_id"
    f" AND a.channel_id = w.channel_id AND a.kind = '{WARNING}')"
)


class PollingSql(OutboxSql):
    """Batches are polled on a lease; a poll records its status, counts or completion."""

    async def claim_due_batches(
        self, *, owner: str, limit: int, lease_seconds: float
    ) -> list[DueBatch]:
        if limit <= 0:
            return []
        async with self.transaction() as tx:
            rows = await tx.fetch(
                self._q(
                    f"UPDATE batches SET {TAKE_OVER}, lease_owner = ?, "
                    "lease_until = {now} + CAST(? AS DOUBLE PRECISION) "
                    "WHERE batch_id IN ("
                    " SELECT t.batch_id FROM batches t"
                    " WHERE t.state = 'watching' AND t.next_poll_at <= {now}"
                    f" AND {CLAIMABLE}"
                    " AND (EXISTS (SELECT 1 FROM watches w WHERE w.kind = 'batch'"
                    "  AND w.target_id = t.batch_id AND w.state = 'active')"
                    "  OR EXISTS (SELECT 1 FROM watches w WHERE w.kind = 'campaign'"
                    "  AND w.target_id = t.campaign_id AND w.state = 'active'))"
                    " ORDER BY t.next_poll_at LIMIT ? {skip}) "
                    "RETURNING batch_id, failures, status, polls, taken_from"
                ),
                owner,
                lease_seconds,
                limit,
            )
            wanting: set[str] = set()
            if rows:
                marks = ", ".join("?" for _ in rows)
                wanting = {
                    str(r["batch_id"])
                    for r in await tx.fetch(
                        f"SELECT b.batch_id FROM batches b WHERE b.batch_id IN ({marks}) AND ("
                        " EXISTS (SELECT 1 FROM watches w WHERE w.kind = 'batch'"
                        "  AND w.target_id = b.batch_id AND w.state = 'active' AND ("
                        f"  (w.progress_ts IS NOT NULL AND w.progress_shown <> '{FINAL}')"
                        f"  OR (w.error_threshold IS NOT NULL AND {_NOT_WARNED})))"
                        " OR EXISTS (SELECT 1 FROM watches w WHERE w.kind = 'campaign'"
                        "  AND w.target_id = b.campaign_id AND w.state = 'active'"
                        f"  AND w.error_threshold IS NOT NULL AND {_NOT_WARNED}))",
                        *(r["batch_id"] for r in rows),
                    )
                }
        return [
            DueBatch(
                r["batch_id"],
                r["failures"],
                r["status"],
                polls=int(r["polls"]),
                wants_progress=r["batch_id"] in wanting,
                taken_from=r["taken_from"],
            )
            for r in rows
        ]

    async def finish_poll(
        self,
        batch_id: str,
        *,
        owner: str,
        status: str | None,
        delay: float,
        error: str | None = None,
    ) -> bool:
        async with self.transaction() as tx:
            touched = await tx.execute(
                self._q(
                    "UPDATE batches SET status = COALESCE(CAST(? AS TEXT), status), "
                    "next_poll_at = {now} + CAST(? AS DOUBLE PRECISION), "
                    "lease_owner = NULL, lease_until = NULL, polls = polls + 1, "
                    "failures = CASE WHEN CAST(? AS TEXT) IS NULL THEN 0 ELSE failures + 1 END, "
                    "last_error = CAST(? AS TEXT) "
                    "WHERE batch_id = ? AND lease_owner = ? AND state = 'watching'"
                ),
                status,
                delay,
                error,
                error,
                batch_id,
                owner,
            )
            if touched and status is not None:
                await tx.execute(
                    "UPDATE watches SET batch_status = ? WHERE kind = 'batch' "
                    "AND target_id = ? AND state = 'active' "
                    "AND (batch_status IS NULL OR batch_status <> ?)",
                    status,
                    batch_id,
                    status,
                )
        return touched > 0

    async def finish_polls(self, polls: Sequence[PollDone], *, owner: str) -> None:
        if not polls:
            return
        async with self.transaction() as tx:
            # Watches first, while the lease still says whose poll this was.
            changed = [
                (p.status, p.batch_id, p.status, p.batch_id, owner)
                for p in polls
                if p.status_changed
            ]
            if changed:
                await tx.executemany(
                    "UPDATE watches SET batch_status = ? WHERE kind = 'batch' "
                    "AND target_id = ? AND state = 'active' "
                    "AND (batch_status IS NULL OR batch_status <> ?) "
                    "AND EXISTS (SELECT 1 FROM batches b WHERE b.batch_id = ? "
                    "AND b.lease_owner = ? AND b.state = 'watching')",
                    changed,
                )
            await tx.executemany(
                self._q(
                    "UPDATE batches SET status = CAST(? AS TEXT), "
                    "next_poll_at = {now} + CAST(? AS DOUBLE PRECISION), "
                    "lease_owner = NULL, lease_until = NULL, polls = polls + 1, "
                    "failures = 0, last_error = NULL "
                    "WHERE batch_id = ? AND lease_owner = ? AND state = 'watching'"
                ),
                [(p.status, p.delay, p.batch_id, owner) for p in polls],
            )

    async def release_batch(self, batch_id: str, *, owner: str) -> bool:
        """Give a batch back unpolled (shutting down), due again at once."""
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    self._q(
                        "UPDATE batches SET lease_owner = NULL, lease_until = NULL, "
                        "next_poll_at = {now} WHERE batch_id = ? AND lease_owner = ?"
                    ),
                    batch_id,
                    owner,
                )
                > 0
            )

    async def record_progress(
        self,
        batch_id: str,
        *,
        owner: str,
        counts: CallCounts,
        render_warning: Render | None = None,
    ) -> list[Alert] | None:
        percent = counts.error_percent()
        async with self.transaction() as tx:
            touched = await tx.execute(
                "UPDATE batches SET lease_owner = lease_owner "
                "WHERE batch_id = ? AND lease_owner = ? AND state = 'watching'",
                batch_id,
                owner,
            )
            if not touched:
                return None
            await self._store_counts(tx, batch_id, counts)
            if render_warning is None or percent is None:
                return []
            rows = await tx.fetch(
                f"SELECT {_W_COLUMNS} FROM watches w WHERE w.kind = 'batch' AND w.target_id = ? "
                "AND w.state = 'active' AND w.error_threshold IS NOT NULL "
                "UNION ALL "
                f"SELECT {_W_COLUMNS} FROM watches w JOIN batches b ON w.target_id = b.campaign_id "
                "WHERE w.kind = 'campaign' AND b.batch_id = ? AND w.state = 'active' "
                "AND w.error_threshold IS NOT NULL",
                batch_id,
                batch_id,
            )
            alerts: list[Alert] = []
            warned: set[str] = set()
            # A channel watching both the batch and its campaign hears the batch watch.
            for row in sorted(rows, key=lambda r: (str(r["channel_id"]), r["kind"] != BATCH)):
                watch = _watch(row)
                threshold = watch.error_threshold
                if watch.channel_id in warned or threshold is None or percent <= threshold:
                    continue
                warned.add(watch.channel_id)
                alert = await self._queue(tx, batch_id, watch, render_warning(watch), WARNING)
                if alert is not None:
                    alerts.append(alert)
        return alerts

    async def progress_to_update(self, batch_id: str, *, shown: str) -> list[Watch]:
        async with self.transaction() as tx:
            rows = await tx.fetch(
                WATCH_SELECT + "WHERE w.kind = 'batch' AND w.target_id = ? "
                f"AND w.state = '{ACTIVE}' AND w.progress_ts IS NOT NULL "
                f"AND COALESCE(w.progress_shown, '') NOT IN (?, '{FINAL}') "
                "ORDER BY w.channel_id",
                batch_id,
                shown,
            )
        return [_watch(row) for row in rows]

    async def mark_progress_shown(
        self, *, channel_id: str, batch_id: str, ts: str, shown: str
    ) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    "UPDATE watches SET progress_shown = ? WHERE channel_id = ? "
                    "AND kind = 'batch' AND target_id = ? AND progress_ts = ? "
                    f"AND COALESCE(progress_shown, '') <> '{FINAL}'",
                    shown,
                    channel_id,
                    batch_id,
                    ts,
                )
                > 0
            )

    async def completion_audience(self, batch_id: str) -> int:
        async with self.transaction() as tx:
            batch = await tx.fetch(
                "SELECT status, bland_created_at FROM batches WHERE batch_id = ?", batch_id
            )
            if not batch:
                return 0
            direct = await tx.fetch(
                f"SELECT {_W_COLUMNS} FROM watches w WHERE w.kind = 'batch' "
                f"AND w.target_id = ? AND w.state = '{ACTIVE}'",
                batch_id,
            )
            by_campaign = await self._campaign_audience(
                tx, batch_id, batch[0], exclude={str(r["channel_id"]) for r in direct}
            )
        return len({str(r["channel_id"]) for r in direct}) + len(by_campaign)

    async def _campaign_audience(
        self, tx: Tx, batch_id: str, batch: Row, *, exclude: set[str]
    ) -> list[Watch]:
        """Campaign watches a completion of the batch alerts: those that saw it running,
        or that it was created after (by Bland's clock against the database's)."""
        seen_running = batch["status"] == IN_PROGRESS
        created = batch["bland_created_at"]
        rows = await tx.fetch(
            f"SELECT {_W_COLUMNS} FROM watches w JOIN batches b ON w.target_id = b.campaign_id "
            f"WHERE w.kind = 'campaign' AND b.batch_id = ? AND w.state = '{ACTIVE}' "
            "ORDER BY w.channel_id",
            batch_id,
        )
        chosen: list[Watch] = []
        for row in rows:
            watch = _watch(row)
            if watch.channel_id in exclude:
                continue
            if seen_running or (created is not None and float(created) >= float(row["created_at"])):
                chosen.append(watch)
        return chosen

    async def record_completion(
        self,
        batch_id: str,
        *,
        owner: str,
        status: str,
        render: Render,
        counts: CallCounts | None = None,
        render_progress: Render | None = None,
    ) -> list[Alert] | None:
        async with self.transaction() as tx:
            before = await tx.fetch(
                self._q(
                    "SELECT status, bland_created_at FROM batches WHERE batch_id = ? "
                    "AND lease_owner = ? AND state = 'watching' {lock}"
                ),
                batch_id,
                owner,
            )
            if not before:
                return None
            await tx.execute(
                self._q(
                    "UPDATE batches SET state = 'done', status = ?, finished_at = {now}, "
                    "lease_owner = NULL, lease_until = NULL, failures = 0, last_error = NULL, "
                    "polls = polls + 1 WHERE batch_id = ?"
                ),
                status,
                batch_id,
            )
            if counts is not None:
                await self._store_counts(tx, batch_id, counts)
            watches = await tx.fetch(
                f"UPDATE watches SET state = '{DONE}', batch_status = ? "
                f"WHERE kind = 'batch' AND target_id = ? AND state = '{ACTIVE}' "
                f"RETURNING {WATCH_COLUMNS}, progress_ts, progress_shown",
                status,
                batch_id,
            )
            watches.sort(key=lambda r: str(r["channel_id"]))
            alerts: list[Alert] = []
            for row in watches:
                watch = _watch(row)
                alert = await self._queue(tx, batch_id, watch, render(watch), COMPLETION)
                if alert is not None:
                    alerts.append(alert)
            for watch in await self._campaign_audience(
                tx, batch_id, before[0], exclude={str(r["channel_id"]) for r in watches}
            ):
                alert = await self._queue(tx, batch_id, watch, render(watch), CAMPAIGN_COMPLETION)
                if alert is not None:
                    alerts.append(alert)
            if render_progress is not None:
                for row in watches:
                    if not row["progress_ts"] or row["progress_shown"] == FINAL:
                        continue
                    watch = _watch(row)
                    alert = await self._queue(
                        tx,
                        batch_id,
                        watch,
                        render_progress(watch),
                        PROGRESS_FINAL,
                        target_ts=str(row["progress_ts"]),
                    )
                    if alert is not None:
                        alerts.append(alert)
                    await tx.execute(
                        f"UPDATE watches SET progress_shown = '{FINAL}' "
                        "WHERE channel_id = ? AND kind = 'batch' AND target_id = ?",
                        watch.channel_id,
                        batch_id,
                    )
        return alerts
