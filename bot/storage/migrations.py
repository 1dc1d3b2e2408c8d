"""The schema, as numbered migrations applied once each and recorded in `schema_migrations`.

Times are seconds since the epoch (DOUBLE PRECISION, which SQLite reads as REAL), so the
same DDL and queries serve both backends. Append new migrations; never edit an old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    # Statements that differ on PostgreSQL, replacing `statements` there.
    postgres: tuple[str, ...] | None = field(default=None)

    def for_backend(self, backend: str) -> tuple[str, ...]:
        if backend == "postgres" and self.postgres is not None:
            return self.postgres
        return self.statements


CREATE_VERSIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL
)
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "watches, batches to poll, alert outbox",
        (
            """
            CREATE TABLE watches (
                channel_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                target_id TEXT NOT NULL,
                label TEXT,
                created_by TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                state TEXT NOT NULL DEFAULT 'active',
                state_reason TEXT,
                batch_status TEXT,
                error_threshold DOUBLE PRECISION,
                PRIMARY KEY (channel_id, kind, target_id)
            )
            """,
            "CREATE INDEX watches_by_target ON watches (kind, target_id, state)",
            "CREATE INDEX watches_by_creator ON watches (created_by)",
            # One row per distinct watched batch: the unit of polling, however many
            # channels watch it.
            """
            CREATE TABLE batches (
                batch_id TEXT PRIMARY KEY,
                state TEXT NOT NULL DEFAULT 'watching',
                status TEXT,
                next_poll_at DOUBLE PRECISION NOT NULL,
                lease_owner TEXT,
                lease_until DOUBLE PRECISION,
                failures INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                polls INTEGER NOT NULL DEFAULT 0,
                finished_at DOUBLE PRECISION
            )
            """,
            "CREATE INDEX batches_due ON batches (state, next_poll_at)",
            # The outbox: one row per channel per completion, with the rendered message.
            """
            CREATE TABLE alerts (
                id TEXT PRIMARY KEY,
                batch_id TEXT NOT NULL,
                channel_id TEXT NOT NULL,
                message TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending',
                attempts INTEGER NOT NULL DEFAULT 0,
                lease_owner TEXT,
                lease_until DOUBLE PRECISION,
                next_attempt_at DOUBLE PRECISION NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                sent_at DOUBLE PRECISION,
                message_ts TEXT,
                last_error TEXT
            )
            """,
            "CREATE INDEX alerts_due ON alerts (state, next_attempt_at)",
            "CREATE INDEX alerts_by_batch ON alerts (batch_id)",
        ),
    ),
    Migration(
        2,
        "live progress, campaign discovery, early warnings",
        (
            # Which campaign a batch was discovered through, and when Bland created it:
            # a campaign watch alerts only batches created after it or seen running.
            "ALTER TABLE batches ADD COLUMN campaign_id TEXT",
            "ALTER TABLE batches ADD COLUMN bland_created_at DOUBLE PRECISION",
            # The latest counts from a progress fetch, for App Home and `/batch watches`.
            "ALTER TABLE batches ADD COLUMN calls_total INTEGER",
            "ALTER TABLE batches ADD COLUMN calls_completed INTEGER",
            "ALTER TABLE batches ADD COLUMN calls_errored INTEGER",
            "ALTER TABLE batches ADD COLUMN progress_at DOUBLE PRECISION",
            "CREATE INDEX batches_by_campaign ON batches (campaign_id, state)",
            # The channel's live progress message and what it now shows ('final': no
            # more edits).
            "ALTER TABLE watches ADD COLUMN progress_ts TEXT",
            "ALTER TABLE watches ADD COLUMN progress_shown TEXT",
            # Alert kinds beyond the completion post: warnings, campaign completions and
            # the final edit of a progress message (`target_ts`), each once per channel.
            "ALTER TABLE alerts ADD COLUMN kind TEXT NOT NULL DEFAULT 'completion'",
            "ALTER TABLE alerts ADD COLUMN target_ts TEXT",
            "CREATE UNIQUE INDEX alerts_once ON alerts (batch_id, channel_id, kind) "
            "WHERE kind IN ('warning', 'campaign_completion')",
            "CREATE UNIQUE INDEX alerts_one_final_edit ON alerts (channel_id, target_ts) "
            "WHERE kind = 'progress_final'",
            # One row per watched campaign: the unit of discovery, leased like batches.
            """
            CREATE TABLE campaigns (
                campaign_id TEXT PRIMARY KEY,
                next_scan_at DOUBLE PRECISION NOT NULL,
                lease_owner TEXT,
                lease_until DOUBLE PRECISION,
                failures INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                scans INTEGER NOT NULL DEFAULT 0,
                last_scan_at DOUBLE PRECISION
            )
            """,
            "CREATE INDEX campaigns_due ON campaigns (next_scan_at)",
        ),
    ),
    Migration(
        3,
        "call counts as BIGINT",
        # Bland's counts can pass 2**31; SQLite's INTEGER already holds 64 bits.
        (),
        postgres=(
            # One statement: one rewrite of the table, not three.
            "ALTER TABLE batches ALTER COLUMN calls_total TYPE BIGINT, "
            "ALTER COLUMN calls_completed TYPE BIGINT, ALTER COLUMN calls_errored TYPE BIGINT",
        ),
    ),
    Migration(
        4,
        "progress post claims, progress edit leases, batches Bland no longer knows",
        (
            # Who may post the channel's progress message: claimed before posting, so
            # two watch requests at once post one message. A claim older than a post can
            # take is abandoned (the process died mid-post) and may be taken again.
            "ALTER TABLE watches ADD COLUMN progress_claimed_at DOUBLE PRECISION",
            # The progress edit in flight, if any: a final edit waits for it to end, so
            # a late "running" never lands over "no longer watched".
            "ALTER TABLE watches ADD COLUMN edit_owner TEXT",
            "ALTER TABLE watches ADD COLUMN edit_until DOUBLE PRECISION",
            # Since when every poll of the batch has answered 404; NULL once one succeeds.
            # Long enough (WATCH_GONE_AFTER) and the batch's watches end.
            "ALTER TABLE batches ADD COLUMN not_found_since DOUBLE PRECISION",
        ),
    ),
    Migration(
        5,
        "process heartbeats; whose claim a claim took over",
        (
            # One row per running watcher: a claim is void once its owner's heartbeat
            # is past `alive_until`, so a dead process's work goes in seconds, not at
            # the end of its lease.
            """
            CREATE TABLE processes (
                owner TEXT PRIMARY KEY,
                started_at DOUBLE PRECISION NOT NULL,
                heartbeat_at DOUBLE PRECISION NOT NULL,
                alive_until DOUBLE PRECISION NOT NULL
            )
            """,
            # The owner whose unfinished claim the latest claim took over (NULL: the
            # row was free), for counting and logging takeovers.
            "ALTER TABLE batches ADD COLUMN taken_from TEXT",
            "ALTER TABLE campaigns ADD COLUMN taken_from TEXT",
            "ALTER TABLE alerts ADD COLUMN taken_from TEXT",
        ),
    ),
    Migration(
        6,
        "what a batch's poll schedule and counts budget are built on",
        (
            # Bytes of the last counts fetch: the next waits until it fits the budget.
            "ALTER TABLE batches ADD COLUMN counts_bytes BIGINT",
            # Two samples of work done (v1: calls finished; v2: calls dispatched) of
            # `rate_total`: the window the completion rate, and so the next poll, is
            # read from. The start moves up to the end when the batch stalls.
            "ALTER TABLE batches ADD COLUMN rate_since_at DOUBLE PRECISION",
            "ALTER TABLE batches ADD COLUMN rate_since_done BIGINT",
            "ALTER TABLE batches ADD COLUMN rate_at DOUBLE PRECISION",
            "ALTER TABLE batches ADD COLUMN rate_done BIGINT",
            "ALTER TABLE batches ADD COLUMN rate_total BIGINT",
        ),
    ),
    Migration(
        7,
        "channel digests",
        (
            # One digest per channel; `next_run_at` is the run now due or next due (UTC,
            # computed in `tz` by bot.digests.schedule), leased like batches while built.
            """
            CREATE TABLE digests (
                channel_id TEXT PRIMARY KEY,
                cadence TEXT NOT NULL,
                weekday INTEGER,
                minute_of_day INTEGER NOT NULL,
                tz TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                next_run_at DOUBLE PRECISION NOT NULL,
                not_before DOUBLE PRECISION,
                failures INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                lease_owner TEXT,
                lease_until DOUBLE PRECISION,
                taken_from TEXT
            )
            """,
            "CREATE INDEX digests_due ON digests (next_run_at)",
            "CREATE INDEX digests_by_creator ON digests (created_by)",
            # Exactly once per period: a digest's `batch_id` is its period key, and a
            # second insert of the same key for the channel (another process, a restart)
            # does nothing.
            "CREATE UNIQUE INDEX alerts_one_digest ON alerts (batch_id, channel_id) "
            "WHERE kind = 'digest'",
        ),
    ),
)
