"""A finished batch whose calls carry every odd value Bland has been seen to send.

Dates a UTC conversion pushes out of datetime's range, durations of `NaN` and `1e999`
written as JSON literals, counts past 2**31 and past 2**63, lone surrogate escapes and
NUL characters in strings. Each once broke a formatter or the store.
"""

from __future__ import annotations

import json
import math
from typing import Any

from bot.demo.batches import DemoBatch
from bot.demo.details import make_batch

FAR_FUTURE = "9999-12-31T23:59:59-05:00"
FAR_PAST = "0001-01-01T00:00:00+05:00"
OVER_INT4 = 2**31 + 5
OVER_INT8 = 10**30
SURROGATE = "\ud800"
NUL = "\u0000"
ODD_LABEL = f"Odd{SURROGATE} batch{NUL}"


class RawBatch(DemoBatch):
    """A batch served as Bland writes JSON: `\\uXXXX` escapes for lone surrogates, and
    `1e999` where Python would write `Infinity`."""

    def response_bytes(
        self,
        *,
        include_calls: bool = True,
        include_transcripts: bool = True,
        include_analysis: bool = True,
    ) -> bytes:
        body = self.response(
            include_calls=include_calls,
            include_transcripts=include_transcripts,
            include_analysis=include_analysis,
        )
        return json.dumps(body).encode().replace(b"Infinity", b"1e999")


def odd_batch(batch_id: str, *, status: str = "completed") -> RawBatch:
    """Six calls, each with some odd values, and an analysis full of them."""
    detail: dict[str, Any] = make_batch(batch_id, calls=6, status=status, seed=11, errors=1)
    detail["batch_params"]["created_at"] = FAR_PAST
    detail["batch_params"]["label"] = ODD_LABEL
    detail["batch_params"]["base_prompt"] = f"Say {SURROGATE} and {NUL}"
    calls: list[dict[str, Any]] = detail["call_data"]
    calls[0].update(end_at=FAR_FUTURE, created_at=FAR_PAST)
    calls[1].update(corrected_duration=math.inf, call_length=math.inf)
    calls[2].update(corrected_duration=math.nan, call_length=math.nan, max_duration=-math.inf)
    calls[3].update(
        error_message=f"boom{NUL}{SURROGATE}",
        answered_by=[f"human{SURROGATE}"],
        queue_status=f"odd{SURROGATE}",
        to=f"+1555{NUL}",
    )
    calls[4].update(end_at=FAR_PAST, created_at=FAR_FUTURE, corrected_duration=OVER_INT8)
    lines = [
        {"id": 1, "created_at": FAR_FUTURE, "text": f"Hi{SURROGATE}{NUL}", "user": "assistant"},
        {"id": 2, "created_at": FAR_PAST, "text": f"{NUL}yes", "user": f"user{SURROGATE}"},
        {"id": OVER_INT8, "created_at": "2024-05-06T09:31:00Z", "text": "ok", "user": "user"},
    ]
    for call in calls[:2]:
        call["transcripts"] = [dict(line, c_id=call["call_id"]) for line in lines]
    detail["analysis"] = {
        "total_calls": OVER_INT4,
        "completed_calls": OVER_INT4,
        "in_progress_calls": 0 if status != "in-progress" else OVER_INT8,
        "queue_statuses": {"complete": OVER_INT4, "call_error": OVER_INT8, SURROGATE: 1},
        "call_lengths": {
            "average": math.nan,
            "average_nonzero": math.inf,
            "summary": {"0-5": OVER_INT4, f"5-10{NUL}": OVER_INT8},
        },
        "error_messages": [{"call_id": calls[3]["call_id"], "error_message": f"x{SURROGATE}"}],
        "endpoints": {f"https://api.bland.ai{NUL}": OVER_INT4},
    }
    return RawBatch(detail, derived_analysis=False)


def all_text(value: Any) -> str:
    """Every string in `value` joined, to check it is valid UTF-8 (`.encode()` raises if not)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(all_text(k) + " " + all_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return " ".join(all_text(item) for item in value)
    return ""


def assert_clean(value: Any) -> None:
    """No lone surrogate and no NUL anywhere in `value`'s strings."""
    text = all_text(value)
    text.encode("utf-8")  # raises on a lone surrogate
    assert NUL not in text
