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
)

LATEST = MIGRATIONS[-1].version
