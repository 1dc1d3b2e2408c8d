"""Arbitrary Bland payloads: every formatter returns valid Block Kit within limits, never raises."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bland.client import parse
from bot.bland.models import BatchDetail, BatchList
from formatters.batch_list import batch_list
from formatters.batch_summary import batch_summary
from formatters.calls import calls_page, transcript_picker
from formatters.transcript import CallFacts, transcript
from tests.support.blockkit import check_message

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
    check_message(batch_summary(model, batch_id="AAcQq8zXxLB56LWg-gen-batch", watching=False))
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
    check_message(batch_list(model.batches, has_more=more, next_page="from:20 limit:20 desc"))
