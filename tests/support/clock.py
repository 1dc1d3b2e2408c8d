"""A wall clock a test sets by hand, passed to the bot where it takes a `clock`."""

from __future__ import annotations

from datetime import datetime, timedelta


class SetClock:
    """`clock()` is `now`, until the test moves it with `set()` or `advance()`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, by: timedelta) -> None:
        self.now += by
