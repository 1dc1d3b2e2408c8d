"""Readiness: can this process do its work right now? The database, and the watcher loop."""

from __future__ import annotations

import asyncio

from bot.storage.base import Store
from bot.watcher import Watcher

PING_TIMEOUT_SECONDS = 1.0
# The loop may run this many ticks late before the process is reported not ready.
LATE_TICKS = 3
# Claims failing this many times in a row mean no work is being done, whatever the ping says.
FAILED_CLAIMS = 3


class Readiness:
    """Asks the store for a trivial query and the watcher how late its loop is."""

    def __init__(self, store: Store, watcher: Watcher) -> None:
        self._store = store
        self._watcher = watcher

    async def problems(self) -> list[str]:
        """Why the process is not ready, one reason each; empty when it is."""
        found: list[str] = []
        try:
            await asyncio.wait_for(self._store.ping(), PING_TIMEOUT_SECONDS)
        except TimeoutError:
            found.append(f"database did not answer within {PING_TIMEOUT_SECONDS:g}s")
        except Exception as exc:
            found.append(f"database unreachable ({type(exc).__name__})")
        lag = self._watcher.loop_lag()
        tick = self._watcher.tick_seconds
        if lag is None:
            found.append("watcher is not running")
        elif lag > LATE_TICKS * tick:
            found.append(f"watcher loop has not ticked for {lag + tick:.1f}s (tick {tick:g}s)")
        if self._watcher.claim_failures >= FAILED_CLAIMS:
            found.append(
                f"watcher could not claim work {self._watcher.claim_failures} times in a row"
            )
        return found
