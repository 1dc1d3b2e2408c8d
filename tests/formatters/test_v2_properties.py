"""Property test: whatever a v2 batch and its log hold, its summary, list entry and stop
prompt stay within Slack's limits, ping nobody, and carry no NUL or lone surrogate."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bland.envelope import many, one, unwrap
from bot.bland.models_v2 import BatchV2, LogEntry
from bot.bland.view import V2State, view_of_v2
from formatters.batch_list import batch_list
from formatters.batch_summary import batch_summary
from formatters.stop import remaining_calls, stop_prompt
from tests.support.blockkit import check_message
from tests.support.odd_batch import FAR_FUTURE, NUL, SURROGATE, assert_clean

V2_ID = "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22"
HOSTILE = [
    "<!channel>",
    "<@U123>",
    "<https://evil.example|click>",
    "&amp; *b* `x` ```y```",
    NUL,
    SURROGATE,
    FAR_FUTURE,
    "Requested: 99999999999999999999. Validated: 3.",
]
text = st.one_of(
    st.text(max_size=40), st.sampled_from(HOSTILE), st.text(min_size=3000, max_size=12_000)
)
odd = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), text
)
state = st.one_of(st.sampled_from([s.value for s in V2State]), text, st.none())
prompt = st.one_of(
    text,
    st.builds(
        json.dumps,
        st.fixed_dictionaries({}, optional={"task": odd, "pathway_id": odd, "voice": odd}),
    ),
)
batch = st.fixed_dictionaries(
    {"id": st.just(V2_ID)},
    optional={
        "description": st.one_of(text, odd),
        "label": st.one_of(text, odd),
        "created_at": st.one_of(text, odd),
        "base_prompt": st.one_of(prompt, odd),
    },
)
entry = st.fixed_dictionaries(
    {},
    optional={
        "event_type": st.one_of(st.sampled_from(["lifecycle", "complete"]), odd),
        "timestamp": st.one_of(st.just("2025-05-08T19:28:42.748Z"), odd),
        "payload": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "state_change": state,
                    "message": st.one_of(text, odd),
                    "calls_total": odd,
                    "calls_successful": odd,
                    "calls_failed": odd,
                    "code": st.one_of(text, odd),
                    "reason": st.one_of(text, odd),
                },
            ),
            odd,
        ),
    },
)


def as_bland_sends_it(data: Any) -> Any:
    """Through the client's bytes path: a v2 envelope, as JSON, unwrapped and cleaned."""
    return unwrap(json.dumps({"data": data, "errors": None}).encode())


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch, st.lists(entry, max_size=6), st.booleans())
def test_any_v2_batch_renders_within_slack(
    metadata: dict[str, Any], logs: list[Any], watching: bool
) -> None:
    view = view_of_v2(
        one(BatchV2, as_bland_sends_it(metadata), what="batch"),
        many(LogEntry, as_bland_sends_it(logs), what="log entries"),
    )
    for message in (
        batch_summary(view, batch_id=V2_ID, watching=watching),
        batch_list([view]),
        stop_prompt(V2_ID, view.label, remaining_calls(view)),
    ):
        check_message(message)
        assert_clean(message.as_kwargs())
