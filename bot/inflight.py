"""The requests being answered right now, so that a shutdown can cut them off cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class InFlight:
    """The tasks answering requests. `stop()` lets them finish for a moment, then cancels
    the rest; each cancelled one tells its user it was cut off (`handlers.delivery`)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    @contextmanager
    def track(self) -> Iterator[None]:
        """Count the current task as answering a request while the block runs."""
        task = asyncio.current_task()
        if task is None:
            yield
            return
        self._tasks.add(task)
        try:
            yield
        finally:
            self._tasks.discard(task)

    async def stop(self, *, finish_within: float, cancel_within: float) -> int:
        """Wait up to `finish_within` for the requests to be answered, then cancel those
        still running and give them `cancel_within` to say so. How many were cancelled."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=finish_within)
        left = set(self._tasks)
        for task in left:
            task.cancel()
        if left:
            await asyncio.wait(left, timeout=cancel_within)
        return len(left)
