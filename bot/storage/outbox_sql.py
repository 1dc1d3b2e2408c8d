"""The SQL store's alert outbox: queueing, claiming and settling alerts; muting a channel."""

from __future__ import annotations

import json
import uuid
from typing import Any

from bot.storage.base import Alert, AlertKind, AlertState, Watch, WatchState
from bot.storage.sql_base import CLAIMABLE, TAKE_OVER, SqlBase, Tx
from bot.storage.sql_rows import ALERT_COLUMNS, read_alert


class OutboxSql(SqlBase):
    """Alerts wait in the `alerts` table until a sender claims, posts and marks them."""

    async def _queue(
        self,
        tx: Tx,
        batch_id: str,
        watch: Watch,
        message: dict[str, Any],
        kind: AlertKind,
        *,
        target_ts: str | None = None,
        not_before: float | None = None,
    ) -> Alert | None:
        """Put one alert in the outbox, due at once or at `not_before` if later (a final
        edit waits for the edit lease in flight); None when this kind was already queued
        for the channel (kinds other than COMPLETION are unique per batch and channel)."""
        inserted = await tx.fetch(
            self._q(
                "INSERT INTO alerts (id, batch_id, channel_id, message, state, "
                "next_attempt_at, created_at, kind, target_ts) "
                f"VALUES (?, ?, ?, ?, '{AlertState.PENDING}', "
                "CASE WHEN CAST(? AS DOUBLE PRECISION) > {now} "
                "THEN CAST(? AS DOUBLE PRECISION) ELSE {now} END, "
                "{now}, ?, CAST(? AS TEXT)) "
                f"ON CONFLICT DO NOTHING RETURNING {ALERT_COLUMNS}"
            ),
            uuid.uuid4().hex,
            batch_id,
            watch.channel_id,
            json.dumps(message, separators=(",", ":")),
            not_before,
            not_before,
            kind,
            target_ts,
        )
        return read_alert(inserted[0]) if inserted else None

    async def claim_alerts(self, *, owner: str, limit: int, lease_seconds: float) -> list[Alert]:
        if limit <= 0:
            return []
        async with self.transaction() as tx:
            rows = await tx.fetch(
                self._q(
                    f"UPDATE alerts SET {TAKE_OVER}, lease_owner = ?, "
                    "lease_until = {now} + CAST(? AS DOUBLE PRECISION), "
                    "attempts = attempts + 1 "
                    "WHERE id IN ("
                    " SELECT t.id FROM alerts t"
                    f" WHERE t.state = '{AlertState.PENDING}' AND t.next_attempt_at <= {{now}}"
                    f" AND {CLAIMABLE}"
                    " ORDER BY t.next_attempt_at LIMIT ? {skip}) "
                    f"RETURNING {ALERT_COLUMNS}"
                ),
                owner,
                lease_seconds,
                limit,
            )
        alerts = [read_alert(row, claimed=True) for row in rows]
        return sorted(alerts, key=lambda a: a.created_at)

    async def mark_alert_sent(self, alert_id: str, *, message_ts: str) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    self._q(
                        f"UPDATE alerts SET state = '{AlertState.SENT}', message_ts = ?, "
                        "sent_at = {now}, "
                        "lease_owner = NULL, lease_until = NULL, last_error = NULL "
                        f"WHERE id = ? AND state = '{AlertState.PENDING}'"
                    ),
                    message_ts,
                    alert_id,
                )
                > 0
            )

    async def release_alert(
        self,
        alert_id: str,
        *,
        owner: str,
        delay: float,
        error: str | None = None,
        unposted: bool = False,
    ) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    self._q(
                        "UPDATE alerts SET lease_owner = NULL, lease_until = NULL, "
                        "next_attempt_at = {now} + CAST(? AS DOUBLE PRECISION), "
                        "last_error = COALESCE(CAST(? AS TEXT), last_error), "
                        "attempts = attempts - ? "
                        f"WHERE id = ? AND lease_owner = ? AND state = '{AlertState.PENDING}'"
                    ),
                    delay,
                    error,
                    1 if unposted else 0,
                    alert_id,
                    owner,
                )
                > 0
            )

    async def drop_alert(self, alert_id: str, *, reason: str) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    f"UPDATE alerts SET state = '{AlertState.DROPPED}', last_error = ?, "
                    "lease_owner = NULL, lease_until = NULL "
                    f"WHERE id = ? AND state = '{AlertState.PENDING}'",
                    reason,
                    alert_id,
                )
                > 0
            )

    async def suspend_channel(self, channel_id: str, *, reason: str) -> int:
        async with self.transaction() as tx:
            return await tx.execute(
                f"UPDATE watches SET state = '{WatchState.SUSPENDED}', state_reason = ? "
                f"WHERE channel_id = ? AND state = '{WatchState.ACTIVE}'",
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
        return [read_alert(row) for row in rows]
