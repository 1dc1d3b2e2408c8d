"""Storage test helpers: a database on each backend, an opened store, the `connect` type."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.storage import Store, open_store
from tests.support.postgres import PostgresServer

# `await connect()` opens another store on the test's database, as another process would.
OpenStore = Callable[[], Awaitable[Store]]


async def backend_url(request: pytest.FixtureRequest, tmp_path: Path, name: str) -> str:
    """A fresh database for a fixture parametrized over `["sqlite", "postgres"]`: the file
    `tmp_path / name`, or a new database on the session's PostgreSQL server (started on
    first use, so a SQLite-only run never starts one)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / name}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return await server.new_database()


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Store]:
    """`async with opened(url) as store:` a store open for the block, closed after."""
    store = open_store(url)
    await store.open()
    try:
        yield store
    finally:
        await store.close()
