"""When the watcher fetches a batch's counts and polls it next: the bytes budget and the
completion-rate schedule, over what the store remembers of its earlier polls.

Counts (every call, without transcripts: 5.7 MB for 10,000 calls) are fetched on every
`progress_every`-th poll as before, or on any poll once that much time has passed, but
never sooner after the last fetch than its size allows under `bytes_per_minute`: small
batches refresh as often as before, big ones less often.

Each poll is followed by the next after `estimate.poll_wait` of the batch's estimated
time left (`interval` when unknown), at the batch's own phase (`schedule`). The next
poll time is stored with the poll (`finish_polls`), so every process follows it, and a
claim, a lease or a takeover works as for any other due batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.storage.base import DueBatch, PollHistory, WorkSample
from bot.watcher.estimate import RateWindow, counts_allowed_after, poll_wait, seconds_left
from bot.watcher.schedule import waited_poll_delay

DEFAULT_PROGRESS_BYTES_PER_MINUTE = 1_000_000
# A rate is read from at least this many intervals of a batch's progress.
MIN_WINDOW_INTERVALS = 1.5


@dataclass(frozen=True)
class Reading:
    """A poll's reading of a batch's work: the sample to store, and the time left by it."""

    sample: WorkSample
    seconds_left: float | None


class Pacing:
    """The watcher's schedule for one process's settings; the store holds each batch's state."""

    def __init__(
        self,
        *,
        interval: float,
        max_interval: float | None = None,
        bytes_per_minute: float = DEFAULT_PROGRESS_BYTES_PER_MINUTE,
        progress_every: int = 2,
    ) -> None:
        self.interval = interval
        self.max_interval = max(interval, max_interval if max_interval is not None else interval)
        self.bytes_per_minute = bytes_per_minute
        self._every = max(1, progress_every)
        self._min_window = interval * MIN_WINDOW_INTERVALS

    def wants_counts(self, due: DueBatch) -> bool:
        """Whether this poll of a v1 batch fetches its counts (calls without transcripts)."""
        if not due.wants_progress:
            return False
        age = due.history.counts_age
        if age is None:
            return due.polls % self._every == 0
        # A poll after a long wait counts even off its turn: its counts are stale.
        turn = due.polls % self._every == 0 or age >= self._every * self.interval
        budget = counts_allowed_after(
            due.history.counts_bytes, bytes_per_minute=self.bytes_per_minute
        )
        return turn and age >= budget

    def reading(self, history: PollHistory, *, done: int, total: int) -> Reading:
        """A fresh reading of `done` of `total`: restarts the rate window on the first
        reading, a stall (nothing more done) or a new total; and the time left by it."""
        restart = (
            history.rate_since_age is None
            or history.rate_since_done is None
            or history.rate_done is None
            or history.rate_total != total
            or done <= history.rate_done
        )
        sample = WorkSample(done=done, total=total, restart=restart)
        if restart or history.rate_since_age is None or history.rate_since_done is None:
            return Reading(sample, None)
        window = RateWindow(
            since_at=-history.rate_since_age,
            since_done=history.rate_since_done,
            at=0.0,
            done=done,
            total=total,
        )
        return Reading(sample, seconds_left(window, min_window=self._min_window))

    def stored_left(self, history: PollHistory) -> float | None:
        """The time left by the batch's stored rate window, when this poll read nothing."""
        h = history
        if (
            h.rate_since_age is None
            or h.rate_since_done is None
            or h.rate_age is None
            or h.rate_done is None
            or h.rate_total is None
        ):
            return None
        window = RateWindow(
            since_at=-h.rate_since_age,
            since_done=h.rate_since_done,
            at=-h.rate_age,
            done=h.rate_done,
            total=h.rate_total,
        )
        return seconds_left(window, min_window=self._min_window)

    def next_delay(self, batch_id: str, seconds_left: float | None) -> float:
        """Seconds to the batch's next poll: its next slot, or a later one when its end is
        far enough off (`estimate.poll_wait`)."""
        wait = poll_wait(seconds_left, interval=self.interval, max_interval=self.max_interval)
        return waited_poll_delay(batch_id, self.interval, time.time(), wait)
