"""Read-only views keep answering while the database is down, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from bot.storage import open_store
from bot.storage.base import Store
from tests.support.blockkit import check_message
from tests.support.postgres import PostgresServer
from tests.support.slack_app import SlackApp

LIVE = "DemoLive00000040-gen-batch"

TakeDown = Callable[[], Awaitable[None]]


@pytest.fixture(params=["sqlite", "postgres"])
async def database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Store, TakeDown]]:
    """A real open store, and a way to make its database unreachable."""
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{tmp_path / 'bot.db'}")
        await store.open()

        async def take_down() -> None:
            await store.close()

    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = await server.new_database()
        name = url.rsplit("/", 1)[1]
        store = open_store(url)
        await store.open()

        async def take_down() -> None:
            # No new connections, and the pool's open ones are cut: as an outage looks.
            admin = await asyncpg.connect(server.url())
            try:
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                    name,
                )
            finally:
                await admin.close()

    yield store, take_down
    await store.close()


@pytest.fixture
def store(database: tuple[Store, TakeDown]) -> Store:
    return database[0]


async def test_summary_answers_without_watch_state_when_the_database_is_down(
    app: SlackApp, database: tuple[Store, TakeDown], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = await app.reply(LIVE)
    labels = [e["text"]["text"] for e in before["blocks"][-1]["elements"]]
    assert "Watch" in labels
    await database[1]()
    message = await app.reply(LIVE)
    check_message(message)
    assert message["text"].startswith("Batch Customer Satisfaction Follow-up")
    labels = [e["text"]["text"] for e in message["blocks"][-1]["elements"]]
    assert labels == ["Refresh", "Calls", "Transcripts", "Export CSV", "Stop"]
    assert any("watch state" in r.getMessage() for r in caplog.records)
    _, token = await app.click("batch_refresh", LIVE)
    refreshed = (await app.slack.wait_for_response(token))[0]
    assert refreshed["text"].startswith("Batch Customer Satisfaction Follow-up")
