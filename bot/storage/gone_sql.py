"""The SQL store's batches Bland no longer knows: the 404 clock, and giving a batch up."""

from __future__ import annotations

from bot.storage.base import Alert, AlertKind, Render
from bot.storage.polling_sql import PollingSql

# What the watches of a batch given up show as its status (`/batch watches`, App Home).
NOT_FOUND = "not found"


class GoneSql(PollingSql):
    """A batch answering 404 for `gone_after` seconds ends its watches, like a completion."""

    async def record_not_found(
        self,
        batch_id: str,
        *,
        owner: str,
        delay: float,
        error: str,
        gone_after: float,
        render: Render,
        render_progress: Render | None = None,
    ) -> list[Alert] | None:
        async with self.transaction() as tx:
            before = await tx.fetch(
                self._q(
                    "SELECT status, bland_created_at, "
                    "{now} - COALESCE(not_found_since, {now}) AS missing "
                    "FROM batches WHERE batch_id = ? AND lease_owner = ? "
                    "AND state = 'watching' {lock}"
                ),
                batch_id,
                owner,
            )
            if not before:
                return None
            if float(before[0]["missing"]) < gone_after:
                await tx.execute(
                    self._q(
                        "UPDATE batches SET not_found_since = COALESCE(not_found_since, {now}), "
                        "next_poll_at = {now} + CAST(? AS DOUBLE PRECISION), "
                        "lease_owner = NULL, lease_until = NULL, polls = polls + 1, "
                        "failures = failures + 1, last_error = ? WHERE batch_id = ?"
                    ),
                    delay,
                    error,
                    batch_id,
                )
                return None
            # `not_found_since` stays: when Bland lost it, for anyone looking later.
            await tx.execute(
                self._q(
                    "UPDATE batches SET state = 'done', finished_at = {now}, "
                    "lease_owner = NULL, lease_until = NULL, polls = polls + 1, "
                    "last_error = ? WHERE batch_id = ?"
                ),
                error,
                batch_id,
            )
            return await self._end_watches(
                tx,
                batch_id,
                before[0],
                status=NOT_FOUND,
                render=render,
                kinds=(AlertKind.GONE, AlertKind.GONE),
                render_progress=render_progress,
            )
