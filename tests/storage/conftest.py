"""Fixtures for the storage contract: the same tests on real SQLite and real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Store, open_store
from tests.support.stores import OpenStore, backend_url


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return await backend_url(request, tmp_path, "bland.db")


@pytest.fixture
async def connect(database_url: str) -> AsyncIterator[OpenStore]:
    """Open as many stores on the database as a test wants (as separate processes would)."""
    stores: list[Store] = []

    async def _open() -> Store:
        store = open_store(database_url)
        await store.open()
        stores.append(store)
        return store

    yield _open
    for store in reversed(stores):
        await store.close()


@pytest.fixture
async def store(connect: OpenStore) -> Store:
    return await connect()
