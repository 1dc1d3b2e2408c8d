"""When polls and scans fall due again: each id's slot, longer waits for far ends, backoff."""

from __future__ import annotations

import random
import zlib

MAX_BACKOFF_SECONDS = 900.0


def next_poll_delay(batch_id: str, interval: float, now: float) -> float:
    """Seconds to this batch's next slot: its phase in the interval, never under half an
    interval away, so a late poll is not followed at once by the next."""
    phase = zlib.crc32(batch_id.encode()) / 2**32 * interval
    slot = phase + (int((now - phase) // interval) + 1) * interval
    delay = slot - now
    return delay + interval if delay < interval / 2 else delay


def waited_poll_delay(batch_id: str, interval: float, now: float, wait: float) -> float:
    """Seconds to the last of this batch's slots within `wait` seconds (see
    `bot.watcher.estimate.poll_wait`), and never sooner than `next_poll_delay`: a batch
    polled rarely keeps its phase, so polls stay spread however long each one waits."""
    delay = next_poll_delay(batch_id, interval, now)
    if wait <= delay:
        return delay
    return delay + ((wait - delay) // interval) * interval


def backoff_delay(failures: int, interval: float) -> float:
    """Exponential in the failures so far, capped, with jitter."""
    cap = max(interval, min(MAX_BACKOFF_SECONDS, interval * 32))
    ceiling = min(cap, interval * 2 ** max(0, failures))
    return random.uniform(ceiling * 0.75, ceiling)
