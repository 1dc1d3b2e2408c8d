"""The SQL store's channel digests: the setting, its lease while built, and its outbox entry."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from bot.digests.schedule import Cadence, DigestSchedule
from bot.storage.base import Alert, AlertKind, AlertState, Digest
from bot.storage.sql_base import CLAIMABLE, TAKE_OVER, SqlBase
from bot.storage.sql_rows import ALERT_COLUMNS, Row, read_alert

DIGEST_COLUMNS = (
    "channel_id, cadence, weekday, minute_of_day, tz, created_by, created_at, next_run_at, "
    "failures, taken_from"
)


def _read_digest(row: Row) -> Digest:
    weekday = row["weekday"]
    return Digest(
        channel_id=row["channel_id"],
        schedule=DigestSchedule(
            cadence=Cadence(row["cadence"]),
            minute_of_day=int(row["minute_of_day"]),
            tz=row["tz"],
            weekday=None if weekday is None else int(weekday),
        ),
        created_by=row["created_by"],
        created_at=datetime.fromtimestamp(float(row["created_at"]), UTC),
        next_run_at=datetime.fromtimestamp(float(row["next_run_at"]), UTC),
        failures=int(row["failures"]),
        taken_from=row["taken_from"],
    )


class DigestsSql(SqlBase):
    """Digests wait in `digests` until due, are leased while built, and go out as alerts."""

    async def set_digest(
        self, *, channel_id: str, schedule: DigestSchedule, created_by: str, next_run_at: datetime
    ) -> Digest:
        async with self.transaction() as tx:
            rows = await tx.fetch(
                self._q(
                    "INSERT INTO digests (channel_id, cadence, weekday, minute_of_day, tz, "
                    "created_by, created_at, next_run_at) "
                    "VALUES (?, ?, CAST(? AS INTEGER), ?, ?, ?, {now}, ?) "
                    "ON CONFLICT (channel_id) DO UPDATE SET cadence = excluded.cadence, "
                    "weekday = excluded.weekday, minute_of_day = excluded.minute_of_day, "
                    "tz = excluded.tz, created_by = excluded.created_by, "
                    "created_at = excluded.created_at, next_run_at = excluded.next_run_at, "
                    # A claim on the old setting is void: its digest is not recorded.
                    "not_before = NULL, failures = 0, last_error = NULL, "
                    "lease_owner = NULL, lease_until = NULL, taken_from = NULL "
                    f"RETURNING {DIGEST_COLUMNS}"
                ),
                channel_id,
                str(schedule.cadence),
                schedule.weekday,
                schedule.minute_of_day,
                schedule.tz,
                created_by,
                next_run_at.timestamp(),
            )
        return _read_digest(rows[0])

    async def remove_digest(self, channel_id: str, *, set_before: datetime | None = None) -> bool:
        async with self.transaction() as tx:
            if set_before is None:
                return await tx.execute("DELETE FROM digests WHERE channel_id = ?", channel_id) > 0
            return (
                await tx.execute(
                    "DELETE FROM digests WHERE channel_id = ? "
                    "AND created_at <= CAST(? AS DOUBLE PRECISION)",
                    channel_id,
                    # Stored as float seconds, read back as a datetime (whole microseconds):
                    # a millisecond's slack keeps the setting a digest was built from ≤.
                    set_before.timestamp() + 0.001,
                )
                > 0
            )

    async def get_digest(self, channel_id: str) -> Digest | None:
        async with self.transaction() as tx:
            rows = await tx.fetch(
                f"SELECT {DIGEST_COLUMNS} FROM digests WHERE channel_id = ?", channel_id
            )
        return _read_digest(rows[0]) if rows else None

    async def list_digests(self, *, created_by: str | None = None) -> list[Digest]:
        async with self.transaction() as tx:
            rows = await tx.fetch(
                f"SELECT {DIGEST_COLUMNS} FROM digests "
                "WHERE (CAST(? AS TEXT) IS NULL OR created_by = ?) ORDER BY channel_id",
                created_by,
                created_by,
            )
        return [_read_digest(row) for row in rows]

    async def claim_due_digests(
        self, *, owner: str, now: datetime, limit: int, lease_seconds: float
    ) -> list[Digest]:
        if limit <= 0:
            return []
        async with self.transaction() as tx:
            rows = await tx.fetch(
                self._q(
                    f"UPDATE digests SET {TAKE_OVER}, lease_owner = ?, "
                    "lease_until = {now} + CAST(? AS DOUBLE PRECISION) "
                    "WHERE channel_id IN ("
                    " SELECT t.channel_id FROM digests t"
                    " WHERE t.next_run_at <= CAST(? AS DOUBLE PRECISION)"
                    " AND (t.not_before IS NULL OR t.not_before <= {now})"
                    f" AND {CLAIMABLE}"
                    " ORDER BY t.next_run_at LIMIT ? {skip}) "
                    f"RETURNING {DIGEST_COLUMNS}"
                ),
                owner,
                lease_seconds,
                now.timestamp(),
                limit,
            )
        return [_read_digest(row) for row in rows]

    async def record_digest(
        self,
        channel_id: str,
        *,
        owner: str,
        period_key: str,
        message: dict[str, Any],
        next_run_at: datetime,
    ) -> Alert | None:
        async with self.transaction() as tx:
            moved = await tx.execute(
                "UPDATE digests SET next_run_at = ?, not_before = NULL, failures = 0, "
                "last_error = NULL, lease_owner = NULL, lease_until = NULL "
                "WHERE channel_id = ? AND lease_owner = ?",
                next_run_at.timestamp(),
                channel_id,
                owner,
            )
            if not moved:
                return None
            inserted = await tx.fetch(
                self._q(
                    "INSERT INTO alerts (id, batch_id, channel_id, message, state, "
                    "next_attempt_at, created_at, kind) "
                    f"VALUES (?, ?, ?, ?, '{AlertState.PENDING}', {{now}}, {{now}}, "
                    f"'{AlertKind.DIGEST}') "
                    f"ON CONFLICT DO NOTHING RETURNING {ALERT_COLUMNS}"
                ),
                uuid.uuid4().hex,
                period_key,
                channel_id,
                json.dumps(message, separators=(",", ":")),
            )
        return read_alert(inserted[0]) if inserted else None

    async def release_digest(
        self, channel_id: str, *, owner: str, delay: float, error: str | None = None
    ) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    self._q(
                        "UPDATE digests SET lease_owner = NULL, lease_until = NULL, "
                        "not_before = {now} + CAST(? AS DOUBLE PRECISION), "
                        "failures = failures + ?, "
                        "last_error = COALESCE(CAST(? AS TEXT), last_error) "
                        "WHERE channel_id = ? AND lease_owner = ?"
                    ),
                    delay,
                    0 if error is None else 1,
                    error,
                    channel_id,
                    owner,
                )
                > 0
            )
