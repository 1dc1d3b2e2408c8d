"""When requests may do their work after the ack: a bounded number at once, and only
while no request waits for its ack."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

# The default of REPLY_CONCURRENCY: a quarter of the Bland client's 64 connections, so
# the watcher's polls keep the rest.
REPLY_CONCURRENCY = 16
# A request counts as waiting for its ack at most this long (Bolt gives up at 3 s), so
# one never acked (no listener matched it) cannot hold the work of others.
ACK_WITHIN = 3.0
# Work after the ack waits for the acks at most this long: under a flood that never
# lets up, replies still move.
ACKS_FIRST_FOR = 1.0


class Admission:
    """At most `limit` requests fetch, format and reply at once, in order of arrival; and
    a turn starts only once every request that has arrived is acked.

    Acks, replies and new requests share one event loop. Under a burst, requests doing
    their Bland fetch, parse and reply take loop turns from the requests not yet acked
    (300 at once pushed the ack p99 to 600 ms); a waiting request costs no CPU, so with
    the work held back the loop acks the new requests first.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)
        self._unacked = 0
        self._acked = asyncio.Event()
        self._acked.set()
        # Acked requests waiting for their turn: for tests and metrics.
        self.waiting = 0

    @property
    def unacked(self) -> int:
        """Requests that have arrived and are not yet acked."""
        return self._unacked

    def arrived(self) -> Callable[[], None]:
        """Count a request as waiting for its ack; call what is returned once its ack has
        left (`bot.slack.ack_first`; later calls do nothing). Past ACK_WITHIN it stops
        counting by itself."""
        self._unacked += 1
        self._acked.clear()
        settled = False

        def acked() -> None:
            nonlocal settled
            if settled:
                return
            settled = True
            expiry.cancel()
            self._unacked -= 1
            if self._unacked == 0:
                self._acked.set()

        expiry = asyncio.get_running_loop().call_later(ACK_WITHIN, acked)
        return acked

    async def enter(self) -> None:
        """Wait for a turn, then for the acks; `leave()` gives the turn back."""
        self.waiting += 1
        try:
            await self._slots.acquire()
            try:
                if not self._acked.is_set():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(ACKS_FIRST_FOR):
                            await self._acked.wait()
            except BaseException:
                self._slots.release()
                raise
        finally:
            self.waiting -= 1

    def leave(self) -> None:
        self._slots.release()

    @contextlib.contextmanager
    def unacked_until_done(self) -> Iterator[None]:
        """`arrived()` for the block: counted as unacked until it ends (the transport's
        handler, whose end is the ack leaving; see `bot.slack.ack_first`)."""
        acked = self.arrived()
        try:
            yield
        finally:
            acked()

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Wait for a turn, then hold it while the block runs."""
        await self.enter()
        try:
            yield
        finally:
            self.leave()
