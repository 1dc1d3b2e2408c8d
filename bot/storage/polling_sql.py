"""The SQL store's polling: leasing due batches, recording polls, progress and completions."""

from __future__ import annotations

from collections.abc import Sequence

from bot.bland.models import IN_PROGRESS
from bot.bland.stats import CallCounts
from bot.bland.values import clamp_count
from bot.storage.base import (
    FINAL,
    Alert,
    AlertKind,
    AlertState,
    DueBatch,
    PollDone,
    PollHistory,
    Render,
    Watch,
    WatchKind,
    WatchState,
    WorkSample,
)
from bot.storage.outbox_sql import OutboxSql
from bot.storage.sql_base import CLAIMABLE, TAKE_OVER, Tx
from bot.storage.sql_rows import W_COLUMNS, WATCH_COLUMNS, WATCH_SELECT, Row, read_watch

# A watch `w` of batch `b` whose channel has not been warned about it yet.
_NOT_WARNED = (
    "NOT EXISTS (SELECT 1 FROM alerts a WHERE a.batch_id = b.batch_id"
    f" AND a.channel_id = w.channel_id AND a.kind = '{AlertKind.WARNING}')"
)

# The batch `t` has an active watch, of its own or of its campaign.
_WATCHED = (
    f"(EXISTS (SELECT 1 FROM watches w WHERE w.kind = '{WatchKind.BATCH}'"
    f" AND w.target_id = t.batch_id AND w.state = '{WatchState.ACTIVE}')"
    f" OR EXISTS (SELECT 1 FROM watches w WHERE w.kind = '{WatchKind.CAMPAIGN}'"
    f" AND w.target_id = t.campaign_id AND w.state = '{WatchState.ACTIVE}'))"
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
                    f" AND {CLAIMABLE} AND {_WATCHED}"
                    " ORDER BY t.next_poll_at LIMIT ? {skip}) "
                    "RETURNING batch_id, failures, status, polls, taken_from, "
                    f"{_HISTORY}"
                ),
                owner,
                lease_seconds,
                limit,
            )
            shown: dict[str, set[str]] = {}
            warn: set[str] = set()
            if rows:
                marks = ", ".join("?" for _ in rows)
                ids = [r["batch_id"] for r in rows]
                # One read for both reasons a poll wants counts: each live progress
                # message (and what it shows), and each batch with a threshold to check.
                for r in await tx.fetch(
                    "SELECT w.target_id AS batch_id, w.progress_shown AS shown FROM watches w"
                    f" WHERE w.kind = '{WatchKind.BATCH}' AND w.target_id IN ({marks})"
                    f" AND w.state = '{WatchState.ACTIVE}' AND w.progress_ts IS NOT NULL"
                    f" AND w.progress_shown <> '{FINAL}' "
                    "UNION ALL "
                    "SELECT b.batch_id, NULL FROM batches b"
                    f" WHERE b.batch_id IN ({marks}) AND ("
                    f" EXISTS (SELECT 1 FROM watches w WHERE w.kind = '{WatchKind.BATCH}'"
                    f"  AND w.target_id = b.batch_id AND w.state = '{WatchState.ACTIVE}'"
                    f"  AND w.error_threshold IS NOT NULL AND {_NOT_WARNED})"
                    f" OR EXISTS (SELECT 1 FROM watches w WHERE w.kind = '{WatchKind.CAMPAIGN}'"
                    f"  AND w.target_id = b.campaign_id AND w.state = '{WatchState.ACTIVE}'"
                    f"  AND w.error_threshold IS NOT NULL AND {_NOT_WARNED}))",
                    *ids,
                    *ids,
                ):
                    batch_id = str(r["batch_id"])
                    if r["shown"] is None:
                        warn.add(batch_id)
                    else:
                        shown.setdefault(batch_id, set()).add(str(r["shown"]))
        return [
            DueBatch(
                r["batch_id"],
                r["failures"],
                r["status"],
                polls=int(r["polls"]),
                wants_progress=r["batch_id"] in shown or r["batch_id"] in warn,
                taken_from=r["taken_from"],
                history=_history(r),
                progress_shown=frozenset(shown.get(r["batch_id"], ())),
                may_warn=r["batch_id"] in warn,
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
                    "last_error = CAST(? AS TEXT), "
                    # Only a success says Bland knows the batch; a 5xx says nothing.
                    "not_found_since = CASE WHEN CAST(? AS TEXT) IS NULL THEN NULL "
                    "ELSE not_found_since END "
                    "WHERE batch_id = ? AND lease_owner = ? AND state = 'watching'"
                ),
                status,
                delay,
                error,
                error,
                error,
                batch_id,
                owner,
            )
            if touched and status is not None:
                await tx.execute(
                    f"UPDATE watches SET batch_status = ? WHERE kind = '{WatchKind.BATCH}' "
                    f"AND target_id = ? AND state = '{WatchState.ACTIVE}' "
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
                    f"UPDATE watches SET batch_status = ? WHERE kind = '{WatchKind.BATCH}' "
                    f"AND target_id = ? AND state = '{WatchState.ACTIVE}' "
                    "AND (batch_status IS NULL OR batch_status <> ?) "
                    "AND EXISTS (SELECT 1 FROM batches b WHERE b.batch_id = ? "
                    "AND b.lease_owner = ? AND b.state = 'watching')",
                    changed,
                )
            # Counts first too: their statement asks for the lease the next one releases.
            counted = [p for p in polls if p.counts is not None]
            if counted:
                await tx.executemany(
                    self._q(
                        "UPDATE batches SET calls_total = CAST(? AS BIGINT), "
                        "calls_completed = CAST(? AS BIGINT), "
                        "calls_errored = CAST(? AS BIGINT), progress_at = {now} "
                        "WHERE batch_id = ? AND lease_owner = ? AND state = 'watching'"
                    ),
                    [
                        (
                            clamp_count(p.counts.total),
                            clamp_count(p.counts.completed),
                            clamp_count(p.counts.errored),
                            p.batch_id,
                            owner,
                        )
                        for p in counted
                        if p.counts is not None
                    ],
                )
                # The rate reading and bytes of those fetches, for the next poll's pacing:
                # two statements for the lot, not two per poll.
                await self._store_samples(
                    tx, [(p.batch_id, p.sample, p.fetched_bytes) for p in counted]
                )
            await tx.executemany(
                self._q(
                    "UPDATE batches SET status = CAST(? AS TEXT), "
                    "next_poll_at = {now} + CAST(? AS DOUBLE PRECISION), "
                    "lease_owner = NULL, lease_until = NULL, polls = polls + 1, "
                    "failures = 0, last_error = NULL, not_found_since = NULL "
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

    async def renew_batch(self, batch_id: str, *, owner: str, lease_seconds: float) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    self._q(
                        "UPDATE batches AS t SET lease_until = {now} + CAST(? AS DOUBLE PRECISION) "
                        "WHERE t.batch_id = ? AND t.lease_owner = ? AND t.state = 'watching'"
                        # Still watched, as a claim asks: removing the last watch leaves
                        # the batch 'watching', and a poll then would be for no one.
                        f" AND {_WATCHED}"
                    ),
                    lease_seconds,
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
        sample: WorkSample | None = None,
        fetched_bytes: int | None = None,
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
            if sample is not None or fetched_bytes is not None:
                await self._store_samples(tx, [(batch_id, sample, fetched_bytes)])
            if render_warning is None or percent is None:
                return []
            rows = await tx.fetch(
                f"SELECT {W_COLUMNS} FROM watches w WHERE w.kind = '{WatchKind.BATCH}' "
                "AND w.target_id = ? "
                f"AND w.state = '{WatchState.ACTIVE}' AND w.error_threshold IS NOT NULL "
                "UNION ALL "
                f"SELECT {W_COLUMNS} FROM watches w JOIN batches b ON w.target_id = b.campaign_id "
                f"WHERE w.kind = '{WatchKind.CAMPAIGN}' AND b.batch_id = ? "
                f"AND w.state = '{WatchState.ACTIVE}' "
                "AND w.error_threshold IS NOT NULL",
                batch_id,
                batch_id,
            )
            alerts: list[Alert] = []
            warned: set[str] = set()
            # A channel watching both the batch and its campaign hears the batch watch.
            for row in sorted(
                rows, key=lambda r: (str(r["channel_id"]), r["kind"] != WatchKind.BATCH)
            ):
                watch = read_watch(row)
                threshold = watch.error_threshold
                if watch.channel_id in warned or threshold is None or percent <= threshold:
                    continue
                warned.add(watch.channel_id)
                alert = await self._queue(
                    tx, batch_id, watch, render_warning(watch), AlertKind.WARNING
                )
                if alert is not None:
                    alerts.append(alert)
        return alerts

    async def _store_samples(
        self, tx: Tx, samples: Sequence[tuple[str, WorkSample | None, int | None]]
    ) -> None:
        """Each batch's bytes fetched for its counts, and its rate reading, where given."""
        sized = [(fetched, batch_id) for batch_id, _, fetched in samples if fetched is not None]
        if sized:
            await tx.executemany(
                "UPDATE batches SET counts_bytes = CAST(? AS BIGINT) WHERE batch_id = ?", sized
            )
        read = [
            (
                int(sample.restart),
                int(sample.restart),
                clamp_count(sample.done),
                clamp_count(sample.done),
                clamp_count(sample.total),
                batch_id,
            )
            for batch_id, sample, _ in samples
            if sample is not None
        ]
        if read:
            await tx.executemany(
                self._q(
                    "UPDATE batches SET "
                    "rate_since_at = CASE WHEN ? = 1 THEN {now} ELSE rate_since_at END, "
                    "rate_since_done = CASE WHEN ? = 1 THEN CAST(? AS BIGINT) "
                    "ELSE rate_since_done END, "
                    "rate_at = {now}, rate_done = CAST(? AS BIGINT), "
                    "rate_total = CAST(? AS BIGINT) "
                    "WHERE batch_id = ?"
                ),
                read,
            )

    async def progress_to_update(self, batch_id: str, *, shown: str) -> list[Watch]:
        async with self.transaction() as tx:
            rows = await tx.fetch(
                WATCH_SELECT + f"WHERE w.kind = '{WatchKind.BATCH}' AND w.target_id = ? "
                f"AND w.state = '{WatchState.ACTIVE}' AND w.progress_ts IS NOT NULL "
                f"AND COALESCE(w.progress_shown, '') NOT IN (?, '{FINAL}') "
                "ORDER BY w.channel_id",
                batch_id,
                shown,
            )
        return [read_watch(row) for row in rows]

    async def mark_progress_shown(
        self, *, channel_id: str, batch_id: str, ts: str, shown: str
    ) -> bool:
        async with self.transaction() as tx:
            return (
                await tx.execute(
                    "UPDATE watches SET progress_shown = ? WHERE channel_id = ? "
                    f"AND kind = '{WatchKind.BATCH}' AND target_id = ? AND progress_ts = ? "
                    f"AND COALESCE(progress_shown, '') <> '{FINAL}'",
                    shown,
                    channel_id,
                    batch_id,
                    ts,
                )
                > 0
            )

    async def begin_progress_edit(
        self, *, channel_id: str, batch_id: str, ts: str, owner: str, lease_seconds: float
    ) -> bool:
        async with self.transaction() as tx:
            touched = await tx.execute(
                self._q(
                    "UPDATE watches SET edit_owner = ?, "
                    "edit_until = {now} + CAST(? AS DOUBLE PRECISION) "
                    f"WHERE channel_id = ? AND kind = '{WatchKind.BATCH}' AND target_id = ? "
                    f"AND state = '{WatchState.ACTIVE}' AND progress_ts = ? "
                    f"AND COALESCE(progress_shown, '') <> '{FINAL}' "
                    "AND (edit_until IS NULL OR edit_until < {now})"
                ),
                owner,
                lease_seconds,
                channel_id,
                batch_id,
                ts,
            )
        return touched > 0

    async def end_progress_edit(
        self, *, channel_id: str, batch_id: str, ts: str, owner: str, shown: str | None
    ) -> None:
        async with self.transaction() as tx:
            await tx.execute(
                "UPDATE watches SET edit_owner = NULL, edit_until = NULL, "
                "progress_shown = CASE WHEN CAST(? AS TEXT) IS NULL "
                f"OR COALESCE(progress_shown, '') = '{FINAL}' THEN progress_shown "
                "ELSE CAST(? AS TEXT) END "
                f"WHERE channel_id = ? AND kind = '{WatchKind.BATCH}' AND target_id = ? "
                "AND progress_ts = ? AND edit_owner = ?",
                shown,
                shown,
                channel_id,
                batch_id,
                ts,
                owner,
            )
            # A final edit queued behind this one (the watch ended meanwhile) need not
            # wait for the lease to run out.
            await tx.execute(
                self._q(
                    "UPDATE alerts SET next_attempt_at = {now} "
                    f"WHERE kind = '{AlertKind.PROGRESS_FINAL}' AND channel_id = ? "
                    f"AND target_ts = ? AND state = '{AlertState.PENDING}' AND lease_owner IS NULL "
                    "AND next_attempt_at > {now}"
                ),
                channel_id,
                ts,
            )

    async def completion_audience(self, batch_id: str) -> int:
        async with self.transaction() as tx:
            batch = await tx.fetch(
                "SELECT status, bland_created_at FROM batches WHERE batch_id = ?", batch_id
            )
            if not batch:
                return 0
            direct = await tx.fetch(
                f"SELECT {W_COLUMNS} FROM watches w WHERE w.kind = '{WatchKind.BATCH}' "
                f"AND w.target_id = ? AND w.state = '{WatchState.ACTIVE}'",
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
            f"SELECT {W_COLUMNS} FROM watches w JOIN batches b ON w.target_id = b.campaign_id "
            f"WHERE w.kind = '{WatchKind.CAMPAIGN}' AND b.batch_id = ? "
            f"AND w.state = '{WatchState.ACTIVE}' "
            "ORDER BY w.channel_id",
            batch_id,
        )
        chosen: list[Watch] = []
        for row in rows:
            watch = read_watch(row)
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
            return await self._end_watches(
                tx,
                batch_id,
                before[0],
                status=status,
                render=render,
                kinds=(AlertKind.COMPLETION, AlertKind.CAMPAIGN_COMPLETION),
                render_progress=render_progress,
            )

    async def _end_watches(
        self,
        tx: Tx,
        batch_id: str,
        batch: Row,
        *,
        status: str | None,
        render: Render,
        kinds: tuple[AlertKind, AlertKind],
        render_progress: Render | None,
    ) -> list[Alert]:
        """The batch is over for its watchers (done, or gone): its active watches are done,
        each watching channel gets one alert (`kinds`: for watches of the batch, of its
        campaign), and progress messages not yet final get their final edit, queued
        behind any edit still in flight."""
        direct, by_campaign = kinds
        watches = await tx.fetch(
            f"UPDATE watches SET state = '{WatchState.DONE}', batch_status = ? "
            f"WHERE kind = '{WatchKind.BATCH}' AND target_id = ? "
            f"AND state = '{WatchState.ACTIVE}' "
            f"RETURNING {WATCH_COLUMNS}, progress_ts, progress_shown, edit_until",
            status,
            batch_id,
        )
        watches.sort(key=lambda r: str(r["channel_id"]))
        alerts: list[Alert] = []
        for row in watches:
            watch = read_watch(row)
            alert = await self._queue(tx, batch_id, watch, render(watch), direct)
            if alert is not None:
                alerts.append(alert)
        for watch in await self._campaign_audience(
            tx, batch_id, batch, exclude={str(r["channel_id"]) for r in watches}
        ):
            alert = await self._queue(tx, batch_id, watch, render(watch), by_campaign)
            if alert is not None:
                alerts.append(alert)
        if render_progress is None:
            return alerts
        # The last counts stored, for a final edit that has no fresher ones.
        stored = await tx.fetch(
            "SELECT calls_total, calls_completed, calls_errored FROM batches WHERE batch_id = ?",
            batch_id,
        )
        for row in watches:
            if not row["progress_ts"] or row["progress_shown"] == FINAL:
                continue
            watch = read_watch({**row, **(stored[0] if stored else {})})
            alert = await self._queue(
                tx,
                batch_id,
                watch,
                render_progress(watch),
                AlertKind.PROGRESS_FINAL,
                target_ts=str(row["progress_ts"]),
                not_before=row["edit_until"],
            )
            if alert is not None:
                alerts.append(alert)
            await tx.execute(
                f"UPDATE watches SET progress_shown = '{FINAL}' "
                f"WHERE channel_id = ? AND kind = '{WatchKind.BATCH}' AND target_id = ?",
                watch.channel_id,
                batch_id,
            )
        return alerts


# What `PollHistory` is read from, in a claim's RETURNING: ages by the database's clock.
_HISTORY = (
    "{now} - progress_at AS counts_age, counts_bytes, "
    "{now} - rate_since_at AS rate_since_age, rate_since_done, "
    "{now} - rate_at AS rate_age, rate_done, rate_total"
)


def _history(row: Row) -> PollHistory:
    def number(key: str) -> float | None:
        value = row[key]
        return None if value is None else float(value)

    def whole(key: str) -> int | None:
        value = row[key]
        return None if value is None else int(value)

    return PollHistory(
        counts_age=number("counts_age"),
        counts_bytes=whole("counts_bytes"),
        rate_since_age=number("rate_since_age"),
        rate_since_done=whole("rate_since_done"),
        rate_age=number("rate_age"),
        rate_done=whole("rate_done"),
        rate_total=whole("rate_total"),
    )
