"""This process's heartbeat in the store: while it is fresh, the process's claims stand."""

from __future__ import annotations

import asyncio
import logging
import time

from bot.storage.base import Store

log = logging.getLogger(__name__)

# Heartbeats per takeover window: two can fail or be late before others take over.
HEARTBEATS_PER_TAKEOVER = 3


class Heartbeat:
    """Renews `owner`'s heartbeat every third of `takeover_seconds`. `start()`, `stop()`.

    Once a heartbeat is `takeover_seconds` old, other processes may take over the
    owner's claims: a dead process's work goes in seconds rather than when its leases
    end. `stop()` deletes the heartbeat and gives back what the owner still holds.
    """

    def __init__(self, store: Store, *, owner: str, takeover_seconds: float) -> None:
        self._store = store
        self._owner = owner
        self._takeover = takeover_seconds
        # Until then (monotonic) this process's claims stand. None: no heartbeat yet, so
        # they are judged by their leases alone.
        self._alive_until: float | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is not None:
            return
        await self._beat()
        self._task = asyncio.create_task(self._beats(), name="watcher heartbeat")

    async def stop(self) -> None:
        self.halt()
        try:
            await self._store.forget(self._owner)
        except Exception as exc:
            # The heartbeat lapses instead: what it held is taken over a little later.
            log.warning("%s could not sign off (%s)", self._owner, type(exc).__name__)

    def halt(self) -> None:
        """Stop renewing the heartbeat (harmless to repeat); it then lapses on its own."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def alive(self) -> bool:
        """False once the heartbeat has lapsed: another process may hold our claims."""
        return self._alive_until is None or time.monotonic() < self._alive_until

    async def _beat(self) -> None:
        sent = time.monotonic()
        try:
            await self._store.heartbeat(self._owner, takeover_seconds=self._takeover)
        except Exception as exc:
            log.warning("%s heartbeat failed (%s)", self._owner, type(exc).__name__)
            return
        # Counted from before the write: the database's own deadline is later.
        self._alive_until = sent + self._takeover

    async def _beats(self) -> None:
        every = self._takeover / HEARTBEATS_PER_TAKEOVER
        while True:
            await asyncio.sleep(every)
            await self._beat()
