"""What each outcome of `/batch calls <id> <outcome>` means, read from Bland's call fields."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.bland.call_outcomes import (
    Outcome,
    calls_with,
    count_errored,
    is_errored,
    outcome_counts,
    outcome_of_word,
    outcomes_of,
)
from bot.bland.models import Call, CallBrief


def call(**fields: Any) -> Call:
    return Call.lenient({"call_id": "c", **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"answered_by": "human"}, [Outcome.HUMAN]),
        ({"answered_by": ["human"]}, [Outcome.HUMAN]),  # documented as an array
        ({"answered_by": " Voicemail "}, [Outcome.VOICEMAIL]),
        ({"answered_by": "no-answer"}, [Outcome.NO_ANSWER]),
        ({"answered_by": "no_answer"}, [Outcome.NO_ANSWER]),
        ({"answered_by": "unknown"}, []),
        ({"answered_by": None}, []),
        ({}, []),
        ({"error_message": "Number unreachable"}, [Outcome.ERRORS]),
        ({"error_message": "   "}, []),
        ({"queue_status": "call_error"}, [Outcome.ERRORS]),
        ({"queue_status": "FAILED"}, [Outcome.ERRORS]),
        ({"status": "failed"}, [Outcome.ERRORS]),
        ({"queue_status": "complete", "status": "completed"}, []),
        ({"corrected_duration": "60"}, [Outcome.LONG]),
        ({"corrected_duration": "59.9"}, []),
        ({"call_length": 1.0}, [Outcome.LONG]),  # minutes, when no corrected_duration
        ({"corrected_duration": "NaN", "call_length": 5}, [Outcome.LONG]),
        (
            {"answered_by": "human", "corrected_duration": "300", "error_message": "x"},
            [Outcome.HUMAN, Outcome.ERRORS, Outcome.LONG],
        ),
    ],
)
def test_outcomes_of_a_call(fields: dict[str, Any], expected: list[Outcome]) -> None:
    assert outcomes_of(call(**fields)) == expected


def test_a_summary_call_has_no_status_of_its_own() -> None:
    # A summary parses each call's figures only (CallBrief): its queue_status still counts.
    assert outcomes_of(CallBrief(queue_status="error")) == [Outcome.ERRORS]


def test_long_calls_come_longest_first_ties_in_blands_order() -> None:
    calls = [
        call(call_id=name, corrected_duration=seconds)
        for name, seconds in [("a", "61"), ("b", "10"), ("c", "600"), ("d", "61"), ("e", "90")]
    ]
    assert [c.call_id for c in calls_with(calls, Outcome.LONG)] == ["c", "e", "a", "d"]
    assert [c.call_id for c in calls_with(calls, Outcome.HUMAN)] == []


def test_counts_agree_with_the_lists() -> None:
    calls = [
        call(answered_by=a, corrected_duration=d, error_message=e, queue_status=q)
        for a in ("human", "voicemail", "no-answer", "unknown", None)
        for d in ("0", "75", None)
        for e, q in ((None, "complete"), ("boom", "call_error"), (None, "failed"))
    ]
    counts = outcome_counts(calls)
    assert counts == {o: len(calls_with(calls, o)) for o in Outcome}
    assert counts[Outcome.HUMAN] == 9 and counts[Outcome.ERRORS] == 30


def test_words() -> None:
    assert outcome_of_word("No_Answer") == Outcome.NO_ANSWER
    assert outcome_of_word("LONG") == Outcome.LONG
    assert outcome_of_word("humans") is None


_STATUS = st.one_of(
    st.none(), st.sampled_from(["complete", "error", " Failed ", "call_error", "queued", ""])
)
_MESSAGE = st.one_of(st.none(), st.sampled_from(["", "  ", "busy", "\n"]))


@given(
    st.lists(
        st.fixed_dictionaries(
            {"queue_status": _STATUS, "error_message": _MESSAGE, "status": _STATUS}
        ),
        max_size=12,
    ),
    st.sampled_from([CallBrief, Call]),
)
def test_count_errored_counts_what_is_errored_says(
    payloads: list[dict[str, Any]], model: type[CallBrief]
) -> None:
    calls = [model.lenient(payload) for payload in payloads]
    assert count_errored(calls) == sum(1 for call in calls if is_errored(call))
