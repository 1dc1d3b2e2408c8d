"""The store on PostgreSQL (asyncpg), for several processes sharing the work."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import ClassVar

import asyncpg

from bot.storage.base import StoreOpenError
from bot.storage.sql import Row, SqlStore, Tx
from bot.storage.urls import safe_reason

# Any constant works, as long as every process of this app uses the same one.
MIGRATION_LOCK_KEY = 0x626C616E64  # "bland"


@lru_cache(maxsize=256)
def numbered(sql: str) -> str:
    """`?` placeholders -> `$1, $2, …` (our SQL has no `?` inside literals)."""
    counter = iter(range(1, 1000))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


class _PostgresTx:
    def __init__(self, conn: asyncpg.pool.PoolConnectionProxy[asyncpg.Record]) -> None:
        self._conn = conn

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        return [dict(row) for row in await self._conn.fetch(numbered(sql), *args)]

    async def execute(self, sql: str, *args: object) -> int:
        status = await self._conn.execute(numbered(sql), *args)
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        await self._conn.executemany(numbered(sql), rows)


class PostgresStore(SqlStore):
    """A small connection pool; leases by row locks with `SKIP LOCKED`."""

    backend: ClassVar[str] = "postgres"
    now_sql: ClassVar[str] = "CAST(extract(epoch FROM clock_timestamp()) AS DOUBLE PRECISION)"
    lock_sql: ClassVar[str] = "FOR UPDATE"
    skip_sql: ClassVar[str] = "FOR UPDATE OF t SKIP LOCKED"
    migration_lock: ClassVar[str | None] = f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"

    def __init__(self, database_url: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self._url = database_url
        self._min_size = min_size
        self._max_size = max_size
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None

    async def open(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(
                self._url, min_size=self._min_size, max_size=self._max_size, command_timeout=30
            )
        except Exception as exc:
            # `from None`: the driver's message, in a chained traceback, may quote the URL.
            raise StoreOpenError(safe_reason(exc, self._url)) from None
        await self._migrate()

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        if self._pool is None:
            raise RuntimeError("store is not open")
        async with self._pool.acquire() as conn, conn.transaction():
            yield _PostgresTx(conn)
