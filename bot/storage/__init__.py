"""Where watches, polling leases and the alert outbox live: SQLite or PostgreSQL."""

from __future__ import annotations

from bot.storage.base import Alert, DueBatch, Store, StoreOpenError, Watch


def open_store(database_url: str) -> Store:
    """The store for `database_url` (not yet opened: `await store.open()`).

    `postgres://` and `postgresql://` select PostgreSQL; anything else is taken as a
    SQLite URL such as `sqlite:///bland_batches.db`.
    """
    if database_url.startswith(("postgres://", "postgresql://")):
        from bot.storage.postgres import PostgresStore

        return PostgresStore(database_url)
    from bot.storage.sqlite import SqliteStore

    return SqliteStore(database_url)


__all__ = ["Alert", "DueBatch", "Store", "StoreOpenError", "Watch", "open_store"]
