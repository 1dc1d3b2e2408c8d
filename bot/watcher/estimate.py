"""How long a batch has left, from its completion rate, and what that lets the watcher skip.

Pure functions over what the store remembers of a batch: two samples of its work done
(calls finished in v1; calls dispatched in v2, a lower bound on its end) and when each
was taken, in seconds relative to now (so always <= 0, and by the database's clock).

The estimate is deliberately conservative: no estimate (None, and so the normal
interval) when the total is unknown, the window is short, too few calls finished in it,
the batch stalled, or its estimated end has passed. The wait it allows is half the time
left, so a batch that speeds up to twice its observed rate is still polled before it
ends, and the wait shrinks back to the interval as the end approaches.
"""

from __future__ import annotations

from dataclasses import dataclass

# Too few calls to read a rate from: 2 calls in a minute says little about the next hour.
MIN_DONE_IN_WINDOW = 5
# The share of the estimated time left that a poll may wait: the margin before the end is
# the other half.
WAIT_SHARE = 0.5


@dataclass(frozen=True)
class RateWindow:
    """Work done at the start of the window (`since_*`) and at its end (`at`, `done`), of
    `total`; times are seconds relative to now (<= 0)."""

    since_at: float
    since_done: int
    at: float
    done: int
    total: int


def seconds_left(window: RateWindow | None, *, min_window: float) -> float | None:
    """Seconds until the batch's work is done, at its rate over the window; None when the
    window says too little (shorter than `min_window` seconds, fewer than
    MIN_DONE_IN_WINDOW calls in it, no total) or its estimated end has passed."""
    if window is None or window.total <= 0:
        return None
    span = window.at - window.since_at
    gained = window.done - window.since_done
    if span < min_window or gained < min(MIN_DONE_IN_WINDOW, window.total):
        return None
    remaining = max(0, window.total - window.done)
    left = remaining * span / gained + window.at
    return left if left > 0 else None


def poll_wait(left: float | None, *, interval: float, max_interval: float) -> float:
    """Seconds to wait before the next poll: the interval when nothing is known, else
    half the time left, within [interval, max_interval]. Never longer for a batch whose
    end is nearer."""
    if left is None or max_interval <= interval:
        return interval
    return min(max_interval, max(interval, left * WAIT_SHARE))


def counts_allowed_after(fetched_bytes: int | None, *, bytes_per_minute: float) -> float:
    """Seconds that must pass after a counts fetch of `fetched_bytes` before the next, so
    that a batch's counts cost at most `bytes_per_minute`; 0 when nothing is known."""
    if not fetched_bytes or bytes_per_minute <= 0:
        return 0.0
    return 60.0 * fetched_bytes / bytes_per_minute
