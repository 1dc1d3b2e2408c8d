"""The SQL store's alert outbox: queueing, claiming and settling alerts; muting a channel."""

from __future__ import annotations

import json
import uuid
from typing import Any

from bot.storage.base import ACTIVE, DROPPED, PENDING, SENT, SUSPENDED, Alert, Watch
from bot.storage.sql_base import CLAIMABLE, TAKE_OVER, SqlBase, Tx
from bot.storage.sql_rows import ALERT_COLUMNS, _alert


class OutboxSql(SqlBase):
    """Alerts wait in the `alerts` table until a sender claims, posts and marks them."""

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
                    f" WHERE t.state = '{PENDING}' AND t.next_attempt_at <= {{now}}"
                    f" AND {CLAIMABLE}"
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
                        f"WHERE id = ? AND lease_owner = ? AND state = '{PENDING}'"
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
