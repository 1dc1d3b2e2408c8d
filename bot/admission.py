"""How many requests may do their work after the ack at once; the rest wait their turn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

# The default of REPLY_CONCURRENCY: a quarter of the Bland client's 64 connections, so
# the watcher's polls keep the rest.
REPLY_CONCURRENCY = 16


class Admission:
    """At most `limit` requests fetch, format and reply at once; the others wait, in order.

    Acks, replies and new requests share one event loop. Under a burst, every request
    doing its Bland fetch, parse and reply at the same time takes loop turns from the
    requests not yet acked (300 at once pushed the ack p99 to 600 ms). A waiting request
    costs no CPU, so with the work bounded the loop reaches the new requests first.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)
        # Acked requests waiting for their turn: for tests and metrics.
        self.waiting = 0

    async def enter(self) -> None:
        """Wait for a turn; `leave()` gives it back."""
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1

    def leave(self) -> None:
        self._slots.release()

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Wait for a turn, then hold it while the block runs."""
        await self.enter()
        try:
            yield
        finally:
            self.leave()
