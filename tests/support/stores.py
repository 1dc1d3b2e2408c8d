"""Storage test helpers: the type of the `connect` fixture."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.storage import Store

# `await connect()` opens another store on the test's database, as another process would.
OpenStore = Callable[[], Awaitable[Store]]
