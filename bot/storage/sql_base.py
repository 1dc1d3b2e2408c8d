"""What every part of the SQL store builds on: transactions, dialect tokens, shared writes.

Queries are written once with `?` placeholders and three tokens the backend fills in:
`{now}` (the database's clock, in epoch seconds, so every process leases by one clock),
`{lock}` (`FOR UPDATE` on PostgreSQL) and `{skip}` (`FOR UPDATE OF t SKIP LOCKED`; the
claimed table is always aliased `t`).
SQLite needs neither lock: its writers take the database with `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import ClassVar, Protocol

from bot.bland.stats import CallCounts
from bot.bland.values import clamp_count
from bot.storage.sql_rows import Row

# A claimed row (aliased `t`) another owner may take: free, its lease over, or its
# owner's heartbeat lapsed (a dead process). An owner with no heartbeat row is held to
# its lease alone, and a live one's lease stays the upper bound of a hung claim.
CLAIMABLE = (
    "(t.lease_until IS NULL OR t.lease_until < {now} OR EXISTS (SELECT 1 FROM processes p"
    " WHERE p.owner = t.lease_owner AND p.alive_until < {now}))"
)
# Set beside `lease_owner` in a claim: SET sees the old owner, RETURNING the new values.
TAKE_OVER = "taken_from = lease_owner"


class Tx(Protocol):
    """One open transaction."""

    async def fetch(self, sql: str, *args: object) -> list[Row]: ...

    async def execute(self, sql: str, *args: object) -> int:
        """Run a statement; the number of rows it touched."""

    async def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        """Run one statement for each row of arguments, in one round trip."""


class SqlBase(ABC):
    """What every part of the SQL store builds on: the backend's transactions and dialect."""

    backend: ClassVar[str]
    now_sql: ClassVar[str]
    lock_sql: ClassVar[str] = ""
    skip_sql: ClassVar[str] = ""
    migration_lock: ClassVar[str | None] = None

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """A transaction that commits on success and rolls back on error."""

    def _q(self, sql: str) -> str:
        return (
            sql.replace("{now}", self.now_sql)
            .replace("{lock}", self.lock_sql)
            .replace("{skip}", self.skip_sql)
        )

    async def _store_counts(self, tx: Tx, batch_id: str, counts: CallCounts) -> None:
        # Counts are Bland's and may be anything; clamped, they always fit (migration 3).
        await tx.execute(
            self._q(
                "UPDATE batches SET calls_total = CAST(? AS BIGINT), "
                "calls_completed = CAST(? AS BIGINT), calls_errored = CAST(? AS BIGINT), "
                "progress_at = {now} WHERE batch_id = ?"
            ),
            clamp_count(counts.total),
            clamp_count(counts.completed),
            clamp_count(counts.errored),
            batch_id,
        )
