"""The poll schedule's pure parts: time left from a rate window, the wait it allows, the
counts budget, each batch's slots, and the pacing decisions over a batch's history."""

from __future__ import annotations

import zlib

from hypothesis import given
from hypothesis import strategies as st

from bot.bland.lifecycle import dispatched
from bot.storage.base import DueBatch, PollHistory
from bot.watcher.estimate import (
    RateWindow,
    counts_allowed_after,
    poll_wait,
    seconds_left,
)
from bot.watcher.pacing import Pacing
from bot.watcher.schedule import next_poll_delay, waited_poll_delay

INTERVAL = 30.0
MAX = 300.0

lefts = st.none() | st.floats(min_value=0, max_value=10**7, allow_nan=False)
intervals = st.floats(min_value=0.05, max_value=3600, allow_nan=False)


def window(since_at: float, since_done: int, done: int, total: int, at: float = 0.0) -> RateWindow:
    return RateWindow(since_at=since_at, since_done=since_done, at=at, done=done, total=total)


def test_time_left_is_the_remaining_calls_at_the_observed_rate() -> None:
    # 100 calls in 10 minutes, 900 to go: 90 minutes.
    assert seconds_left(window(-600, 0, 100, 1000), min_window=60) == 5400
    # The same window read 10 minutes after its last sample: 80 minutes.
    assert seconds_left(window(-1200, 0, 100, 1000, at=-600), min_window=60) == 4800


def test_no_estimate_from_little_data_a_stall_or_an_end_that_passed() -> None:
    assert seconds_left(None, min_window=60) is None
    assert seconds_left(window(-30, 0, 100, 1000), min_window=60) is None, "window too short"
    assert seconds_left(window(-600, 0, 2, 1000), min_window=60) is None, "too few calls"
    assert seconds_left(window(-600, 50, 50, 1000), min_window=60) is None, "stalled"
    assert seconds_left(window(-600, 0, 100, 0), min_window=60) is None, "no total"
    # 100 calls in 10 minutes, 100 to go, last seen 20 minutes ago: it should be over.
    assert seconds_left(window(-1800, 0, 100, 200, at=-1200), min_window=60) is None
    # Five calls are enough to read a rate from: 5 in 10 minutes, 5 to go.
    assert seconds_left(window(-600, 0, 5, 10), min_window=60) == 600


def test_the_wait_is_half_the_time_left_within_interval_and_max() -> None:
    assert poll_wait(None, interval=INTERVAL, max_interval=MAX) == INTERVAL
    assert poll_wait(5400, interval=INTERVAL, max_interval=MAX) == MAX
    assert poll_wait(400, interval=INTERVAL, max_interval=MAX) == 200
    assert poll_wait(40, interval=INTERVAL, max_interval=MAX) == INTERVAL
    # A max that is no longer than the interval turns the schedule off.
    assert poll_wait(5400, interval=INTERVAL, max_interval=INTERVAL) == INTERVAL


@given(left=lefts, interval=intervals, extra=st.floats(min_value=0, max_value=10**5))
def test_the_wait_is_always_within_interval_and_max(
    left: float | None, interval: float, extra: float
) -> None:
    most = interval + extra
    wait = poll_wait(left, interval=interval, max_interval=most)
    assert interval <= wait <= most
    if left is not None and wait > interval:
        # Never past the estimated end less a margin of half the time left.
        assert wait <= left / 2


@given(
    near=st.floats(min_value=0, max_value=10**6),
    further=st.floats(min_value=0, max_value=10**6),
    interval=intervals,
    extra=st.floats(min_value=0, max_value=10**5),
)
def test_the_wait_shrinks_as_the_end_approaches(
    near: float, further: float, interval: float, extra: float
) -> None:
    most = interval + extra
    nearer, later = sorted((near, further))
    assert poll_wait(nearer, interval=interval, max_interval=most) <= poll_wait(
        later, interval=interval, max_interval=most
    )


@given(
    batch=st.text(min_size=1, max_size=40),
    now=st.floats(min_value=0, max_value=2e9),
    wait=st.floats(min_value=0, max_value=10**5),
    more=st.floats(min_value=0, max_value=10**5),
    interval=st.floats(min_value=0.5, max_value=3600),
)
def test_a_waited_poll_keeps_its_batch_phase_and_never_outwaits_the_wait(
    batch: str, now: float, wait: float, more: float, interval: float
) -> None:
    base = next_poll_delay(batch, interval, now)
    delay = waited_poll_delay(batch, interval, now, wait)
    assert base <= delay <= max(base, wait) + 1e-6 * interval
    assert delay <= waited_poll_delay(batch, interval, now, wait + more)
    # Lands on one of the batch's slots, as `next_poll_delay` does.
    phase = zlib.crc32(batch.encode()) / 2**32 * interval
    slots = (now + delay - phase) / interval
    assert abs(slots - round(slots)) < 1e-3 or abs(delay - base) < 1e-9


def test_counts_budget_spaces_fetches_by_their_size() -> None:
    assert counts_allowed_after(None, bytes_per_minute=1e6) == 0
    assert counts_allowed_after(500_000, bytes_per_minute=1e6) == 30
    assert counts_allowed_after(5_700_000, bytes_per_minute=1e6) == 342


def due(polls: int, history: PollHistory, *, wants: bool = True) -> DueBatch:
    return DueBatch("b1", 0, "in-progress", polls=polls, wants_progress=wants, history=history)


def test_small_batches_count_every_second_poll_as_before_big_ones_by_budget() -> None:
    pacing = Pacing(interval=INTERVAL, max_interval=MAX, bytes_per_minute=1_000_000)
    small = PollHistory(counts_age=INTERVAL, counts_bytes=300_000)
    assert [pacing.wants_counts(due(n, small)) for n in range(4)] == [True, False, True, False]
    assert not pacing.wants_counts(due(0, small, wants=False)), "nobody shows the counts"
    assert pacing.wants_counts(due(0, PollHistory())), "never counted"
    big = PollHistory(counts_age=2 * INTERVAL, counts_bytes=5_700_000)
    assert not pacing.wants_counts(due(4, big)), "342 s of budget not spent yet"
    assert pacing.wants_counts(due(4, PollHistory(counts_age=343, counts_bytes=5_700_000)))
    # After a long wait, any poll counts: what the batch showed is stale.
    assert pacing.wants_counts(due(3, PollHistory(counts_age=MAX, counts_bytes=10_000)))


def test_a_reading_restarts_its_window_when_nothing_moved_or_the_total_changed() -> None:
    pacing = Pacing(interval=INTERVAL, max_interval=MAX)
    first = pacing.reading(PollHistory(), done=10, total=1000)
    assert first.sample.restart and first.seconds_left is None
    moving = PollHistory(
        rate_since_age=600, rate_since_done=10, rate_age=60, rate_done=90, rate_total=1000
    )
    read = pacing.reading(moving, done=110, total=1000)
    assert not read.sample.restart
    assert read.seconds_left == 890 * 600 / 100
    stalled = pacing.reading(moving, done=90, total=1000)
    assert stalled.sample.restart and stalled.seconds_left is None
    grown = pacing.reading(moving, done=110, total=2000)
    assert grown.sample.restart and grown.seconds_left is None
    # Between readings, the stored window says what is left now.
    assert pacing.stored_left(moving) == 910 * 540 / 80 - 60
    assert pacing.stored_left(PollHistory()) is None


def test_a_batch_far_from_its_end_waits_up_to_the_max_at_its_phase() -> None:
    pacing = Pacing(interval=INTERVAL, max_interval=MAX)
    assert pacing.next_delay("b1", None) <= 1.5 * INTERVAL
    far = pacing.next_delay("b1", 5400)
    assert MAX - INTERVAL < far <= MAX


def test_v2_dispatch_counts_are_read_from_the_lifecycle_message() -> None:
    assert dispatched("Requested: 1. Validated: 1. Dispatched: 1. CPS: 1.12.") == (1, 1)
    assert dispatched("Requested: 1,200. Validated: 1,200. Dispatched: 300.") == (300, 1200)
    assert dispatched("Moved on to dispatching.") is None
    assert dispatched(None) is None
    assert dispatched("Requested: 0. Dispatched: 0.") is None
