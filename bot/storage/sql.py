"""The store's logic and SQL, shared by both backends; each supplies transactions.

Queries are written once with `?` placeholders and three tokens the backend fills in:
`{now}` (the database's clock, in epoch seconds, so every process leases by one clock),
`{lock}` (`FOR UPDATE` on PostgreSQL) and `{skip}` (`FOR UPDATE OF t SKIP LOCKED`; the
claimed table is always aliased `t`).
SQLite needs neither lock: its writers take the database with `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

import json
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from bot.storage.base import (
    ACTIVE,
    BATCH,
    CAMPAIGN,
    CAMPAIGN_COMPLETION,
    COMPLETION,
    DONE,
    DROPPED,
    FINAL,
    IN_PROGRESS,
    PENDING,
    PROGRESS_FINAL,
    SENT,
    SUSPENDED,
    WARNING,
    Alert,
    CallCounts,
    DueBatch,
    DueCampaign,
    PollDone,
    Render,
    SeenBatch,
    Watch,
)
from bot.storage.migrations import CREATE_VERSIONS, MIGRATIONS

log = logging.getLogger(__name__)

Row = dict[str, Any]

WATCH_COLUMNS = (
    "channel_id, kind, target_id, label, created_by, created_at, state, batch_status, "
    "error_threshold"
)
ALERT_COLUMNS = (
    "id, batch_id, channel_id, message, state, attempts, created_at, message_ts, last_error, "
    "kind, target_ts"
)
# Watches as the handlers and App Home read them: with the batch's latest counts, and
# for a campaign how many batches it has found and how many of those are running.
WATCH_SELECT = (
    "SELECT w.channel_id, w.kind, w.target_id, w.label, w.created_by, w.created_at, "
    "w.state, w.batch_status, w.error_threshold, w.progress_ts, w.progress_shown, "
    "b.calls_total, b.calls_completed, b.calls_errored, "
    "CASE WHEN w.kind = 'campaign' THEN (SELECT COUNT(*) FROM batches c "
    " WHERE c.campaign_id = w.target_id) END AS batches_seen, "
    "CASE WHEN w.kind = 'campaign' THEN (SELECT COUNT(*) FROM batches c "
    f" WHERE c.campaign_id = w.target_id AND c.state = 'watching' "
    f" AND c.status = '{IN_PROGRESS}') END AS batches_running "
    "FROM watches w LEFT JOIN batches b ON w.kind = 'batch' AND b.batch_id = w.target_id "
)


# Watch columns qualified by the alias `w`, for queries that join.
_W_COLUMNS = ", ".join(f"w.{c.strip()}" for c in WATCH_COLUMNS.split(","))

# A watch `w` of batch `b` whose channel has not been warned about it yet.
_NOT_WARNED = (
    "NOT EXISTS (SELECT 1 FROM alerts a WHERE a.batch_id = b.batch_id"
    f" AND a.channel_id = w.channel_id AND a.kind = '{WARNING}')"
)


class Tx(Protocol):
    """One open transaction."""

    async def fetch(self, sql: str, *args: object) -> list[Row]: ...

    async def execute(self, sql: str, *args: object) -> int:
        """Run a statement; the number of rows it touched."""

    async def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        """Run one statement for each row of arguments, in one round trip."""


class SqlStore(ABC):
    """Everything but the connection: see `sqlite.SqliteStore` and `postgres.PostgresStore`."""

    backend: ClassVar[str]
    now_sql: ClassVar[str]
    lock_sql: ClassVar[str] = ""
    skip_sql: ClassVar[str] = ""
    migration_lock: ClassVar[str | None] = None

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """A transaction that commits on success and rolls back on error."""

    async def _migrate(self) -> None:
        async with self.transaction() as tx:
            if self.migration_lock:
                await tx.fetch(self.migration_lock)
            await tx.execute(CREATE_VERSIONS)
            done = {
                row["version"] for row in await tx.fetch("SELECT version FROM schema_migrations")
            }
            for migration in MIGRATIONS:
                if migration.version in done:
                    continue
                for statement in migration.for_backend(self.backend):
                    await tx.execute(statement)
                await tx.execute(
                    self._q(
                        "INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES (?, ?, {now})"
                    ),
                    migration.version,
                    migration.name,
                )
                log.info("storage: applied migration %d (%s)", migration.version, migration.name)

    def _q(self, sql: str) -> str:
        return (
            sql.replace("{now}", self.now_sql)
            .replace("{lock}", self.lock_sql)
            .replace("{skip}", self.skip_sql)
        )

    # --- Watches ---

    async def add_watch(
        self,
        *,
        channel_id: str,
        kind: str,
        target_id: str,
        label: str | None,
        created_by: str,
        error_threshold: float | None = None,
    ) -> tuple[Watch, bool]:
        key = (channel_id, kind, target_id)
        async with self.transaction() as tx:
            if kind == BATCH:
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
            elif kind == CAMPAIGN:
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
                            "VALUES (?, ?, ?, ?, ?, {now}, 'active', CAST(? AS DOUBLE PRECISION)) "
                            "ON CONFLICT (channel_id, kind, target_id) DO NOTHING"
                        ),
                        *key,
                        label,
                        created_by,
                        error_threshold,
                    )
                    == 1
                )
            elif rows[0]["state"] != ACTIVE:
                created = True
                await tx.execute(
                    self._q(
                        "UPDATE watches SET state = 'active', state_reason = NULL, "
                        "batch_status = NULL, progress_ts = NULL, progress_shown = NULL, "
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
        return _watch(row[0]), created

    async def remove_watch(
        self,
        *,
        channel_id: str,
        kind: str,
        target_id: str,
        render_progress: Render | None = None,
    ) -> bool:
        key = (channel_id, kind, target_id)
        async with self.transaction() as tx:
            rows = await tx.fetch(
                WATCH_SELECT + "WHERE w.channel_id = ? AND w.kind = ? AND w.target_id = ?",
                *key,
            )
            removed = await tx.execute(
                "DELETE FROM watches WHERE channel_id = ? AND kind = ? AND target_id = ?", *key
            )
            if removed and rows and render_progress is not None:
                watch = _watch(rows[0])
                # A message already final (the batch finished) keeps its final state.
                if watch.progress_ts and rows[0]["progress_shown"] != FINAL:
                    await self._queue(
                        tx,
                        target_id,
                        watch,
                        render_progress(watch),
                        PROGRESS_FINAL,
                        target_ts=watch.progress_ts,
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
        return [_watch(row) for row in rows]

    async def set_progress_message(
        self, *, channel_id: str, batch_id: str, ts: str, counts: CallCounts
    ) -> bool:
        async with self.transaction() as tx:
            touched = await tx.execute(
                "UPDATE watches SET progress_ts = ?, progress_shown = ? "
                "WHERE channel_id = ? AND kind = 'batch' AND target_id = ? "
                f"AND state = '{ACTIVE}' AND progress_ts IS NULL",
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
                "SELECT progress_ts FROM watches WHERE channel_id = ? AND kind = 'batch' "
                "AND target_id = ?",
                channel_id,
                batch_id,
            )
        return str(rows[0]["progress_ts"]) if rows and rows[0]["progress_ts"] else None

    async def _store_counts(self, tx: Tx, batch_id: str, counts: CallCounts) -> None:
        await tx.execute(
            self._q(
                "UPDATE batches SET calls_total = CAST(? AS INTEGER), "
                "calls_completed = CAST(? AS INTEGER), calls_errored = CAST(? AS INTEGER), "
                "progress_at = {now} WHERE batch_id = ?"
            ),
            counts.total,
            counts.completed,
            counts.errored,
            batch_id,
        )

    # --- Polling ---

    async def claim_due_batches(
        self, *, owner: str, limit: int, lease_seconds: float
    ) -> list[DueBatch]:
        if limit <= 0:
            return []
        async with self.transaction() as tx:
            rows = await tx.fetch(
                self._q(
                    "UPDATE batches SET lease_owner = ?, "
                    "lease_until = {now} + CAST(? AS DOUBLE PRECISION) "
                    "WHERE batch_id IN ("
                    " SELECT t.batch_id FROM batches t"
                    " WHERE t.state = 'watching' AND t.next_poll_at <= {now}"
                    " AND (t.lease_until IS NULL OR t.lease_until < {now})"
                    " AND (EXISTS (SELECT 1 FROM watches w WHERE w.kind = 'batch'"
                    "  AND w.target_id = t.batch_id AND w.state = 'active')"
                    "  OR EXISTS (SELECT 1 FROM watches w WHERE w.kind = 'campaign'"
                    "  AND w.target_id = t.campaign_id AND w.state = 'active'))"
                    " ORDER BY t.next_poll_at LIMIT ? {skip}) "
                    "RETURNING batch_id, failures, status, polls"
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

    async def _queue(
        self,
        tx: Tx,
        batch_id: str,
        watch: Watch,
        message: dict[str, Any],
        kind: str,
        *,
        target_ts: str | None = None,
    ) -> Alert | None:
        """Put one alert in the outbox; None when this kind was already queued for the
        channel (kinds other than COMPLETION are unique per batch and channel)."""
        inserted = await tx.fetch(
            self._q(
                "INSERT INTO alerts (id, batch_id, channel_id, message, state, "
                "next_attempt_at, created_at, kind, target_ts) "
                f"VALUES (?, ?, ?, ?, '{PENDING}', {{now}}, {{now}}, ?, CAST(? AS TEXT)) "
                f"ON CONFLICT DO NOTHING RETURNING {ALERT_COLUMNS}"
            ),
            uuid.uuid4().hex,
            batch_id,
            watch.channel_id,
            json.dumps(message, separators=(",", ":")),
            kind,
            target_ts,
        )
        return _alert(inserted[0]) if inserted else None

    # --- Campaign discovery ---

    async def claim_due_campaigns(
        self, *, owner: str, limit: int, lease_seconds: float
    ) -> list[DueCampaign]:
        if limit <= 0:
            return []
        async with self.transaction() as tx:
            rows = await tx.fetch(
                self._q(
                    "UPDATE campaigns SET lease_owner = ?, "
                    "lease_until = {now} + CAST(? AS DOUBLE PRECISION) "
                    "WHERE campaign_id IN ("
                    " SELECT t.campaign_id FROM campaigns t"
                    " WHERE t.next_scan_at <= {now}"
                    " AND (t.lease_until IS NULL OR t.lease_until < {now})"
                    " AND EXISTS (SELECT 1 FROM watches w WHERE w.kind = 'campaign'"
                    "  AND w.target_id = t.campaign_id AND w.state = 'active')"
                    " ORDER BY t.next_scan_at LIMIT ? {skip}) "
                    "RETURNING campaign_id, failures"
                ),
                owner,
                lease_seconds,
                limit,
            )
        return [DueCampaign(r["campaign_id"], r["failures"]) for r in rows]

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

    # --- The outbox ---

    async def claim_alerts(self, *, owner: str, limit: int, lease_seconds: float) -> list[Alert]:
        if limit <= 0:
            return []
        async with self.transaction() as tx:
            rows = await tx.fetch(
                self._q(
                    "UPDATE alerts SET lease_owner = ?, "
                    "lease_until = {now} + CAST(? AS DOUBLE PRECISION), "
                    "attempts = attempts + 1 "
                    "WHERE id IN ("
                    " SELECT t.id FROM alerts t"
                    f" WHERE t.state = '{PENDING}' AND t.next_attempt_at <= {{now}}"
                    " AND (t.lease_until IS NULL OR t.lease_until < {now})"
                    " ORDER BY t.next_attempt_at LIMIT ? {skip}) "
                    f"RETURNING {ALERT_COLUMNS}"
                ),
                owner,
                lease_seconds,
                limit,
            )
        alerts = [_alert(row, claimed=True) for row in rows]
        return sorted(alerts, key=lambda a: a.created_at)

    async def mark_alert_sent(self, alert_id: str, *, message_ts: str) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    self._q(
                        f"UPDATE alerts SET state = '{SENT}', message_ts = ?, sent_at = {{now}}, "
                        "lease_owner = NULL, lease_until = NULL, last_error = NULL "
                        f"WHERE id = ? AND state = '{PENDING}'"
                    ),
                    message_ts,
                    alert_id,
                )
                > 0
            )

    async def release_alert(
        self, alert_id: str, *, owner: str, delay: float, error: str | None = None
    ) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    self._q(
                        "UPDATE alerts SET lease_owner = NULL, lease_until = NULL, "
                        "next_attempt_at = {now} + CAST(? AS DOUBLE PRECISION), "
                        "last_error = COALESCE(CAST(? AS TEXT), last_error) "
                        f"WHERE id = ? AND lease_owner = ? AND state = '{PENDING}'"
                    ),
                    delay,
                    error,
                    alert_id,
                    owner,
                )
                > 0
            )

    async def drop_alert(self, alert_id: str, *, reason: str) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    f"UPDATE alerts SET state = '{DROPPED}', last_error = ?, "
                    "lease_owner = NULL, lease_until = NULL "
                    f"WHERE id = ? AND state = '{PENDING}'",
                    reason,
                    alert_id,
                )
                > 0
            )

    async def suspend_channel(self, channel_id: str, *, reason: str) -> int:
        async with self.transaction() as tx:
            return await tx.execute(
                f"UPDATE watches SET state = '{SUSPENDED}', state_reason = ? "
                f"WHERE channel_id = ? AND state = '{ACTIVE}'",
                reason,
                channel_id,
            )

    async def list_alerts(self, *, batch_id: str | None = None) -> list[Alert]:
        async with self.transaction() as tx:
            rows = await tx.fetch(
                f"SELECT {ALERT_COLUMNS} FROM alerts "
                "WHERE (CAST(? AS TEXT) IS NULL OR batch_id = ?) ORDER BY created_at, channel_id",
                batch_id,
                batch_id,
            )
        return [_alert(row) for row in rows]


def _time(value: float) -> datetime:
    return datetime.fromtimestamp(float(value), UTC)


def _watch(row: Row) -> Watch:
    threshold = row["error_threshold"]
    return Watch(
        channel_id=row["channel_id"],
        kind=row["kind"],
        target_id=row["target_id"],
        label=row["label"],
        created_by=row["created_by"],
        created_at=_time(row["created_at"]),
        state=row["state"],
        batch_status=row["batch_status"],
        error_threshold=None if threshold is None else float(threshold),
        calls_total=_int(row.get("calls_total")),
        calls_completed=_int(row.get("calls_completed")),
        calls_errored=_int(row.get("calls_errored")),
        progress_ts=row.get("progress_ts"),
        batches_seen=_int(row.get("batches_seen")),
        batches_running=_int(row.get("batches_running")),
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _alert(row: Row, *, claimed: bool = False) -> Alert:
    message: dict[str, Any] = json.loads(row["message"])
    return Alert(
        id=row["id"],
        batch_id=row["batch_id"],
        channel_id=row["channel_id"],
        message=message,
        state=row["state"],
        attempts=int(row["attempts"]) - (1 if claimed else 0),
        created_at=_time(row["created_at"]),
        message_ts=row["message_ts"],
        last_error=row["last_error"],
        kind=row["kind"],
        target_ts=row["target_ts"],
    )
