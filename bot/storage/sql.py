"""The store's logic and SQL, shared by both backends; each supplies transactions.

The parts live in their own modules (`watches_sql`, `polling_sql`, `gone_sql`,
`webhook_sql`, `campaigns_sql`, `outbox_sql`, `gauges_sql`, `processes_sql`, `digests_sql`,
on `sql_base`);
this one puts them together and migrates the schema.
"""

from __future__ import annotations

import logging

from bot.storage.campaigns_sql import CampaignsSql
from bot.storage.digests_sql import DigestsSql
from bot.storage.gauges_sql import GaugesSql
from bot.storage.gone_sql import GoneSql
from bot.storage.migrations import CREATE_VERSIONS, MIGRATIONS
from bot.storage.outbox_sql import OutboxSql
from bot.storage.processes_sql import ProcessesSql
from bot.storage.sql_base import Tx
from bot.storage.sql_rows import Row
from bot.storage.watches_sql import WatchesSql
from bot.storage.webhook_sql import WebhookSql

log = logging.getLogger(__name__)


class SqlStore(
    WatchesSql, GoneSql, WebhookSql, CampaignsSql, OutboxSql, GaugesSql, ProcessesSql, DigestsSql
):
    """Everything but the connection: see `sqlite.SqliteStore` and `postgres.PostgresStore`."""

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


__all__ = ["Row", "SqlStore", "Tx"]
