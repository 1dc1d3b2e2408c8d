"""A running batch's progress message says when its counts were taken and about how long
is left, the estimate its polls are scheduled by; final messages say neither."""

from __future__ import annotations

from typing import Any

from bot.bland.lifecycle import LifecycleCounts
from bot.bland.stats import CallCounts
from formatters.progress import FINISHED, Timing, about_left, progress_message, timing_note
from formatters.progress_v2 import lifecycle_progress
from tests.support.blockkit import check_message

BATCH = "ProgressTiming01-gen-batch"
V2_BATCH = "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22"
# 2023-11-14 22:13:20 UTC
AT = 1_700_000_000.0


def contexts(blocks: list[dict[str, Any]]) -> list[str]:
    return [str(b["elements"][0]["text"]) for b in blocks if b["type"] == "context"]


def test_running_says_when_counts_were_taken_and_the_time_left() -> None:
    counts = CallCounts(total=10_000, completed=2_500, errored=40)
    message = progress_message(
        batch_id=BATCH, label="Renewals", counts=counts, timing=Timing(AT, 40 * 60 + 10)
    )
    check_message(message)
    assert contexts(message.blocks) == [
        "Updated here as calls finish.",
        "Counts as of <!date^1700000000^{time}|2023-11-14 22:13 UTC> · about 40 min left",
    ]


def test_each_part_only_when_known_and_nothing_once_final() -> None:
    counts = CallCounts(total=10, completed=5, errored=0)
    only_time = progress_message(batch_id=BATCH, label=None, counts=counts, timing=Timing(AT))
    assert contexts(only_time.blocks)[1].startswith("Counts as of <!date^1700000000^{time}|")
    assert len(contexts(progress_message(batch_id=BATCH, label=None, counts=counts).blocks)) == 1
    assert timing_note(Timing()) is None
    final = progress_message(
        batch_id=BATCH, label=None, counts=counts, state=FINISHED, timing=Timing(AT, 60)
    )
    assert len(contexts(final.blocks)) == 1


def test_time_left_reads_as_an_estimate() -> None:
    assert about_left(10) == "about 1 min left"
    assert about_left(40 * 60) == "about 40 min left"
    assert about_left(2 * 3600) == "about 2 h left"
    assert about_left(2 * 3600 + 10 * 60) == "about 2 h 10 min left"


def test_a_far_end_reads_in_days_and_a_senseless_one_is_not_said() -> None:
    # 1,000,000 calls at 5 a minute: hours by the thousand would read as a glitch.
    assert about_left(9_000_000) == "about 104 days left"
    assert about_left(2 * 86_400) == "about 2 days left"
    assert about_left(47 * 3600) == "about 47 h left"
    counts = CallCounts(total=10, completed=5, errored=0)
    for senseless in (float("nan"), float("inf"), -60.0):
        message = progress_message(
            batch_id=BATCH, label=None, counts=counts, timing=Timing(AT, senseless)
        )
        check_message(message)
        assert "left" not in contexts(message.blocks)[1]


def test_v2_running_says_the_time_left_by_its_dispatch_rate() -> None:
    counts = LifecycleCounts(
        total=None,
        completed=None,
        errored=None,
        status="in_progress",
        message="Requested: 1200. Validated: 1200. Dispatched: 300.",
    )
    message = lifecycle_progress(
        batch_id=V2_BATCH, label=None, counts=counts, timing=Timing(seconds_left=3 * 3600)
    )
    check_message(message)
    assert contexts(message.blocks)[-1] == "about 3 h left"
