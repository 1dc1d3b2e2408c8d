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
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from bot.storage.base import (
    ACTIVE,
    BATCH,
    DONE,
    DROPPED,
    PENDING,
    SENT,
    SUSPENDED,
    Alert,
    DueBatch,
    Render,
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
    "id, batch_id, channel_id, message, state, attempts, created_at, message_ts, last_error"
)


class Tx(Protocol):
    """One open transaction."""

    async def fetch(self, sql: str, *args: object) -> list[Row]: ...

    async def execute(self, sql: str, *args: object) -> int:
        """Run a statement; the number of rows it touched."""


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
                        "batch_status = NULL, label = COALESCE(CAST(? AS TEXT), label), "
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
                f"SELECT {WATCH_COLUMNS} FROM watches "
                "WHERE channel_id = ? AND kind = ? AND target_id = ?",
                *key,
            )
        return _watch(row[0]), created

    async def remove_watch(self, *, channel_id: str, kind: str, target_id: str) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    "DELETE FROM watches WHERE channel_id = ? AND kind = ? AND target_id = ?",
                    channel_id,
                    kind,
                    target_id,
                )
                > 0
            )

    async def list_watches(
        self, *, channel_id: str | None = None, created_by: str | None = None
    ) -> list[Watch]:
        async with self.transaction() as tx:
            rows = await tx.fetch(
                f"SELECT {WATCH_COLUMNS} FROM watches "
                "WHERE (CAST(? AS TEXT) IS NULL OR channel_id = ?) "
                "AND (CAST(? AS TEXT) IS NULL OR created_by = ?) "
                "ORDER BY created_at, channel_id, target_id",
                channel_id,
                channel_id,
                created_by,
                created_by,
            )
        return [_watch(row) for row in rows]

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
                    " AND EXISTS (SELECT 1 FROM watches w WHERE w.kind = 'batch'"
                    "  AND w.target_id = t.batch_id AND w.state = 'active')"
                    " ORDER BY t.next_poll_at LIMIT ? {skip}) "
                    "RETURNING batch_id, failures, status"
                ),
                owner,
                lease_seconds,
                limit,
            )
        return [DueBatch(r["batch_id"], r["failures"], r["status"]) for r in rows]

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

    async def record_completion(
        self, batch_id: str, *, owner: str, status: str, render: Render
    ) -> list[Alert] | None:
        async with self.transaction() as tx:
            touched = await tx.execute(
                self._q(
                    "UPDATE batches SET state = 'done', status = ?, finished_at = {now}, "
                    "lease_owner = NULL, lease_until = NULL, failures = 0, last_error = NULL, "
                    "polls = polls + 1 "
                    "WHERE batch_id = ? AND lease_owner = ? AND state = 'watching'"
                ),
                status,
                batch_id,
                owner,
            )
            if not touched:
                return None
            watches = await tx.fetch(
                f"UPDATE watches SET state = '{DONE}', batch_status = ? "
                f"WHERE kind = 'batch' AND target_id = ? AND state = '{ACTIVE}' "
                f"RETURNING {WATCH_COLUMNS}",
                status,
                batch_id,
            )
            alerts: list[Alert] = []
            for row in sorted(watches, key=lambda r: str(r["channel_id"])):
                watch = _watch(row)
                message = render(watch)
                alert_id = uuid.uuid4().hex
                inserted = await tx.fetch(
                    self._q(
                        "INSERT INTO alerts (id, batch_id, channel_id, message, state, "
                        "next_attempt_at, created_at) "
                        f"VALUES (?, ?, ?, ?, '{PENDING}', {{now}}, {{now}}) "
                        f"RETURNING {ALERT_COLUMNS}"
                    ),
                    alert_id,
                    batch_id,
                    watch.channel_id,
                    json.dumps(message, separators=(",", ":")),
                )
                alerts.append(_alert(inserted[0]))
        return alerts

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
    )


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
    )
