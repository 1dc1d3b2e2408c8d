"""Statistics' shortcuts agree with the plain reading: the latest end, who answered."""

from __future__ import annotations

from typing import Any

import pytest

from bot.bland.call_outcomes import Outcome
from bot.bland.models import BatchOverview
from bot.bland.stats import batch_stats, latest


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # One shape and length: compared as text.
        (["2024-05-06T14:01:58.046Z", "2024-05-06T14:09:00.001Z"], "2024-05-06T14:09:00.001Z"),
        (["2024-05-06T14:01:58+00:00", "2023-12-31T23:59:59+00:00"], "2024-05-06T14:01:58+00:00"),
        # Mixed precision: text order would put `58Z` after `58.5Z`.
        (["2024-05-06T14:01:58.5Z", "2024-05-06T14:01:58Z"], "2024-05-06T14:01:58.5Z"),
        # Other zones: 10:00-05:00 is 15:00 UTC, later than 14:00Z.
        (["2024-05-06T14:00:00Z", "2024-05-06T10:00:00-05:00"], "2024-05-06T10:00:00-05:00"),
        # A date that cannot be read is the earliest, even when it sorts last as text.
        (["2024-05-06T14:00:00Z", "2024-13-06T14:00:00Z"], "2024-05-06T14:00:00Z"),
        (["9999-12-31T23:59:59-05:00", "2024-05-06T14:00:00Z"], "2024-05-06T14:00:00Z"),
    ],
)
def test_latest_end_is_the_latest_in_time(values: list[str], expected: str) -> None:
    assert latest(values) == expected


def _overview(calls: list[Any]) -> BatchOverview:
    return BatchOverview.lenient({"status": "completed", "call_data": calls})


def test_answered_counts_every_shape_bland_sends() -> None:
    calls: list[dict[str, object]] = [
        {"answered_by": "human"},
        {"answered_by": None},
        {"answered_by": ""},
        {"answered_by": "voicemail"},
        {"answered_by": "human"},
        {},
    ]
    assert batch_stats(_overview(calls)).answered_by == {
        "human": 2,
        "not recorded": 3,
        "voicemail": 1,
    }
    # A list (as Bland's docs show it) counts its first value.
    listed = [*calls, {"answered_by": [None, "human"]}, {"answered_by": []}]
    assert batch_stats(_overview(listed)).answered_by == {
        "human": 3,
        "not recorded": 4,
        "voicemail": 1,
    }


def test_lengths_come_from_the_calls_only_when_the_analysis_lacks_them() -> None:
    calls = [{"corrected_duration": 4}, {"corrected_duration": 0.5}, {"call_length": 1}]
    derived = batch_stats(_overview(calls))
    assert derived.average_seconds == pytest.approx((4 + 0.5 + 60) / 3)
    assert derived.average_nonzero_seconds == pytest.approx(32)
    assert derived.length_buckets["0-5"] == 2 and derived.length_buckets["60-90"] == 1
    given = BatchOverview.lenient(
        {
            "call_data": calls,
            "analysis": {"call_lengths": {"average": 7, "summary": {"0-5": 9}}},
        }
    )
    stats = batch_stats(given)
    assert stats.average_seconds == 7 and stats.length_buckets == {"0-5": 9}
    assert stats.average_nonzero_seconds == pytest.approx(32)


def test_a_negative_duration_counts_as_missing_in_every_figure() -> None:
    """The summary reads calls a slice at a time (`CallTally`), not through
    `CallBrief.duration_seconds`: the same rule holds there, so a -100 s call moves no
    average, no bucket and no `long` count, and its call_length still may."""
    calls = [
        {"corrected_duration": -100},
        {"corrected_duration": -5, "call_length": 2},
        {"corrected_duration": 30},
    ]
    stats = batch_stats(_overview(calls))
    assert stats.average_seconds == pytest.approx((120 + 30) / 2)
    assert sum(stats.length_buckets.values()) == 2
    assert stats.outcomes[Outcome.LONG] == 1
