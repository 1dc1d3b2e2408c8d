"""Arbitrary Bland payloads: every formatter returns valid Block Kit within limits, never raises."""

from __future__ import annotations

import io
import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bland.client import parse
from bot.bland.models import BatchDetail, BatchList, BatchOverview, CallDetail
from bot.bland.stats import batch_stats
from bot.bland.view import view_of_v1
from formatters.alert import completion_alert
from formatters.batch_list import batch_list
from formatters.batch_summary import batch_summary
from formatters.calls import calls_page, transcript_picker
from formatters.calls_csv import write_calls_csv
from formatters.progress import progress_message
from formatters.transcript import CallFacts, transcript
from formatters.warning import error_warning
from tests.support.blockkit import check_message
from tests.support.odd_batch import FAR_FUTURE, FAR_PAST, assert_clean

HOSTILE = [
    "<!channel>",
    "<@U123>",
    "<https://evil.example|click>",
    "&",
    "*b*",
    "`",
    "```",
    "\u0000",
    "é" * 3,
]
text = st.one_of(
    st.text(max_size=40), st.sampled_from(HOSTILE), st.text(min_size=3000, max_size=5000)
)
scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**12), st.floats(allow_nan=False), text
)
json_value = st.recursive(
    scalar,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, json_value)


transcript_line = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe(st.integers()),
        "created_at": maybe(
            st.sampled_from(
                ["2023-12-16T00:17:30.46833+00:00", "2023-12-16T00:17:38.000Z", "yesterday"]
            )
        ),
        "text": maybe(text),
        "user": maybe(st.sampled_from(["assistant", "user", "agent-action", "robot"])),
    },
)
call = st.fixed_dictionaries(
    {},
    optional={
        "call_id": maybe(st.sampled_from(["ffa99be3-63dd-44dc-9523-380cd25c1b9e", "x", "<!here>"])),
        "status": maybe(text),
        "to": maybe(text),
        "corrected_duration": maybe(st.sampled_from(["12", "", "1e9", "-4"])),
        "call_length": maybe(st.floats(allow_nan=False, allow_infinity=False)),
        "answered_by": maybe(st.sampled_from(["human", "voicemail", None, ["human"], []])),
        "error_message": maybe(text),
        "completed": maybe(st.booleans()),
        "transcripts": maybe(st.lists(transcript_line, max_size=5)),
    },
)
detail = st.fixed_dictionaries(
    {},
    optional={
        "status": maybe(st.sampled_from(["in-progress", "completed", "paused"])),
        "batch_params": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": maybe(text),
                    "label": maybe(text),
                    "campaign_id": maybe(text),
                    "created_at": maybe(text),
                    "base_prompt": maybe(text),
                    "endpoint_code": maybe(text),
                    "call_params": json_value,
                },
            )
        ),
        "call_data": maybe(st.lists(call, max_size=30)),
        "analysis": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "total_calls": maybe(st.integers()),
                    "queue_statuses": maybe(
                        st.dictionaries(text, st.integers(0, 10**6), max_size=20)
                    ),
                    "call_lengths": maybe(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "summary": maybe(
                                    st.dictionaries(text, st.integers(0, 10**9), max_size=12)
                                )
                            },
                        )
                    ),
                    "error_messages": maybe(
                        st.lists(
                            st.fixed_dictionaries(
                                {}, optional={"call_id": maybe(text), "error_message": maybe(text)}
                            ),
                            max_size=20,
                        )
                    ),
                },
            )
        ),
    },
)
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(detail, st.integers(-5, 50))
def test_batch_views(payload: dict[str, Any], page: int) -> None:
    model = parse(BatchDetail, json.dumps(payload).encode())
    check_message(
        batch_summary(view_of_v1(model), batch_id="AAcQq8zXxLB56LWg-gen-batch", watching=False)
    )
    check_message(
        calls_page(model.call_data, batch_id="b1", label=model.batch_params.label, page=page)
    )
    check_message(transcript_picker(model.call_data, batch_id="b1", label=model.batch_params.label))
    for entry in model.call_data[:3]:
        facts = CallFacts(call_id="c1", to=entry.to, answered_by=entry.answered)
        check_message(transcript(entry.transcripts, batch_id="b1", call=facts, page=page))


@SETTINGS
@given(
    st.lists(
        maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "batch_id": maybe(text),
                    "label": maybe(text),
                    "campaign_id": maybe(text),
                    "created_at": maybe(text),
                },
            )
        ),
        max_size=25,
    ),
    st.booleans(),
)
def test_batch_list(entries: list[Any], more: bool) -> None:
    model = parse(BatchList, json.dumps({"status": "success", "batches": entries}).encode())
    check_message(
        batch_list(
            [view_of_v1(b) for b in model.batches],
            has_more=more,
            next_page="from:20 limit:20 desc",
        )
    )


# -- Odd values: out-of-range dates, NaN and 1e999, huge counts, lone surrogates, NUL --

odd_text = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=12),
    st.sampled_from(["\ud800", "\udfff x", "a\u0000b", "\u0000"]),
)
odd_time = st.one_of(
    st.sampled_from(
        [
            FAR_FUTURE,
            FAR_PAST,
            "0001-01-01T06:00:00+05:00",
            "9999-12-31T23:59:59.999999",
            "9999-12-31T23:59:59.999999+00:00",
            "2024-05-06T09:30:00Z",
            "1969-12-31T23:59:59Z",
        ]
    ),
    odd_text,
)
odd_number = st.one_of(
    st.floats(),
    st.integers(),
    st.sampled_from([2**31 + 5, 2**63, -(2**63) - 1, 10**30, 1.7e308, -1.7e308]),
)
odd_scalar = st.one_of(st.none(), st.booleans(), odd_number, odd_text, odd_time)
odd_value = st.recursive(
    odd_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=6,
)
odd_counts = st.dictionaries(odd_text, odd_number, max_size=5)


def odd(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, odd_scalar)


odd_line = st.fixed_dictionaries(
    {},
    optional={
        "id": odd(odd_number),
        "created_at": odd_time,
        "text": odd_text,
        "user": odd(st.sampled_from(["assistant", "user", "agent-action"])),
    },
)
odd_call = st.fixed_dictionaries(
    {"call_id": st.sampled_from(["ffa99be3-63dd-44dc-9523-380cd25c1b9e", "c2"])},
    optional={
        "status": odd_text,
        "queue_status": odd(st.sampled_from(["complete", "call_error", "queued"])),
        "to": odd_text,
        "from": odd_text,
        "completed": odd(st.booleans()),
        "created_at": odd_time,
        "end_at": odd_time,
        "corrected_duration": odd_number,
        "call_length": odd_number,
        "max_duration": odd_number,
        "answered_by": odd(st.lists(odd(odd_text), max_size=2)),
        "error_message": odd_text,
        "transcripts": st.lists(odd_line, max_size=4),
    },
)
odd_detail = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["in-progress", "completed", "failed"]),
        "batch_params": st.fixed_dictionaries(
            {},
            optional={
                "id": odd_text,
                "label": odd_text,
                "campaign_id": odd_text,
                "created_at": odd_time,
                "base_prompt": odd_text,
                "endpoint_code": odd_text,
                "call_params": st.dictionaries(odd_text, odd_value, max_size=4),
            },
        ),
        "call_data": st.lists(odd_call, max_size=8),
    },
    optional={
        "analysis": st.fixed_dictionaries(
            {},
            optional={
                "total_calls": odd_number,
                "completed_calls": odd_number,
                "in_progress_calls": odd_number,
                "queue_statuses": odd_counts,
                "call_lengths": st.fixed_dictionaries(
                    {},
                    optional={
                        "average": odd_number,
                        "average_nonzero": odd_number,
                        "summary": odd_counts,
                    },
                ),
                "error_messages": st.lists(
                    st.fixed_dictionaries(
                        {}, optional={"call_id": odd_text, "error_message": odd_text}
                    ),
                    max_size=3,
                ),
                "endpoints": odd_counts,
            },
        )
    },
)


def _as_bland_writes_it(payload: dict[str, Any]) -> bytes:
    """NaN and Infinity literals, as Python writes them, and 1e999, as others do."""
    body = json.dumps(payload).encode()
    return body.replace(b"-Infinity", b"-1e999").replace(b"Infinity", b"1e999")


@SETTINGS
@given(odd_detail, st.booleans())
def test_odd_values_never_raise_and_never_reach_slack_or_csv(
    payload: dict[str, Any], from_dict: bool
) -> None:
    """Through the client's bytes path and the dict path alike: every view renders, no
    lone surrogate or NUL survives, and every number shown is finite."""
    detail: BatchDetail
    overview: BatchOverview
    if from_dict:
        detail, overview = BatchDetail.lenient(payload), BatchOverview.lenient(payload)
    else:
        body = _as_bland_writes_it(payload)
        detail, overview = parse(BatchDetail, body), parse(BatchOverview, body)
    models: list[BatchDetail | BatchOverview] = [detail, overview]
    for model in models:
        stats = batch_stats(model)
        counts = stats.counts()
        messages = [
            batch_summary(view_of_v1(model), batch_id="b1", watching=True),
            completion_alert(model, batch_id="b1", mention_user_ids=["U0ALICE"]),
            progress_message(batch_id="b1", label=model.batch_params.label, counts=counts),
            error_warning(
                stats,
                batch_id="b1",
                label=model.batch_params.label,
                percent=counts.error_percent() or 0.0,
                threshold=1.0,
            ),
        ]
        for message in messages:
            check_message(message)
            assert_clean(message.as_kwargs())
        assert stats.run_seconds is None or math.isfinite(stats.run_seconds)
        for value in (stats.average_seconds, stats.average_nonzero_seconds):
            assert value is None or math.isfinite(value)
    messages = [
        calls_page(detail.call_data, batch_id="b1", label=detail.batch_params.label, page=1),
        transcript_picker(detail.call_data, batch_id="b1", label=detail.batch_params.label),
    ]
    for call in detail.call_data[:2]:
        facts = CallFacts.of(call, call.call_id or "c1")
        messages.append(transcript(call.transcripts, batch_id="b1", call=facts, page=1))
    for message in messages:
        check_message(message)
        assert_clean(message.as_kwargs())
    out = io.StringIO()
    write_calls_csv(detail.call_data, out, transcripts=True)
    assert_clean(out.getvalue())


@SETTINGS
@given(odd_call)
def test_an_odd_call_alone_parses_clean(payload: dict[str, Any]) -> None:
    """`GET /v1/calls/{id}`, what a transcript reads."""
    call = parse(CallDetail, _as_bland_writes_it(payload))
    assert_clean(call.model_dump())
    for value in (call.corrected_duration, call.call_length):
        assert value is None or math.isfinite(value)
