"""Caps on long jobs running at once, per user and per process; taking one never waits."""

from __future__ import annotations

from collections import Counter

USER_BUSY = "user"
ALL_BUSY = "all"


class Slots:
    """At most `per_user` jobs for one user and `total` in all, at the same time.

    Nothing awaits between the check and the count, so on one event loop no lock is
    needed; the caps hold per process, which is where the memory is spent.
    """

    def __init__(self, *, per_user: int, total: int) -> None:
        self.per_user = per_user
        self.total = total
        self._running: Counter[str] = Counter()

    def take(self, user_id: str) -> str | None:
        """Take a slot for `user_id`: None when taken, else why not (USER_BUSY, ALL_BUSY)."""
        if self._running[user_id] >= self.per_user:
            return USER_BUSY
        if self._running.total() >= self.total:
            return ALL_BUSY
        self._running[user_id] += 1
        return None

    def release(self, user_id: str) -> None:
        """Give back a slot taken for `user_id`."""
        self._running[user_id] -= 1
        if self._running[user_id] <= 0:
            del self._running[user_id]
