"""The parse's fallback: a bad call among many is repaired on its own, the rest untouched."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from bot.bland.client import parse
from bot.bland.models import (
    Analysis,
    BatchDetail,
    BatchExport,
    BatchOverview,
    Call,
    CallBrief,
    ExportCall,
)
from bot.bland.stats import batch_stats
from bot.bland.values import BIGINT_MAX
from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from tests.support.bland import client
from tests.support.odd_batch import FAR_FUTURE, FAR_PAST, NUL, OVER_INT8, SURROGATE, RawBatch

BATCH_ID = "LenientTest00001-gen-batch"
CALLS = 200
BAD = 57


def _detail() -> dict[str, Any]:
    return make_batch(BATCH_ID, calls=CALLS, seed=3, errors=4)


def _body(detail: dict[str, Any]) -> bytes:
    # As Bland writes it: `NaN` and `1e999` literals, `\ud800` escapes.
    return json.dumps(detail).encode().replace(b"Infinity", b"1e999")


def _untouched(parsed: list[Any], original: list[dict[str, Any]], model: type[CallBrief]) -> None:
    """Every call but the bad one is exactly what the fast path makes of it on its own."""
    assert len(parsed) == len(original)
    for index, (call, raw) in enumerate(zip(parsed, original, strict=True)):
        if index != BAD:
            assert call == model.model_validate(raw), index


@pytest.mark.parametrize("model", [BatchDetail, BatchOverview])
def test_one_nan_call_among_many_is_repaired_and_the_rest_untouched(
    model: type[BatchDetail] | type[BatchOverview],
) -> None:
    detail = _detail()
    detail["call_data"][BAD].update(corrected_duration=math.nan, call_length=math.inf)

    parsed = parse(model, _body(detail))

    bad = parsed.call_data[BAD]
    assert bad.corrected_duration is None and bad.call_length is None
    assert bad.duration_seconds is None
    # Only the odd fields went: the call keeps everything else it said.
    assert bad.call_id == detail["call_data"][BAD]["call_id"]
    assert bad.queue_status == detail["call_data"][BAD]["queue_status"]
    assert bad.end_at == detail["call_data"][BAD]["end_at"]
    item = Call if model is BatchDetail else CallBrief
    _untouched(parsed.call_data, detail["call_data"], item)
    assert parsed.analysis == Analysis.model_validate(detail["analysis"])


def test_a_bad_call_that_is_not_even_valid_json_text_is_repaired_alone() -> None:
    # A lone surrogate fails the Rust pass as invalid JSON, which names no field:
    # the Python pass then finds the bad call itself.
    detail = _detail()
    detail["call_data"][BAD].update(error_message=f"boom{SURROGATE}{NUL}", to=f"+1555{NUL}")

    parsed = parse(BatchDetail, _body(detail))

    bad = parsed.call_data[BAD]
    assert bad.error_message == "boom\ufffd\ufffd"
    assert bad.to == "+1555\ufffd"
    assert bad.call_id == detail["call_data"][BAD]["call_id"]
    assert [line.text for line in bad.transcripts] == [
        line["text"] for line in detail["call_data"][BAD]["transcripts"]
    ]
    _untouched(parsed.call_data, detail["call_data"], Call)


def test_huge_ints_and_out_of_range_dates_are_still_handled() -> None:
    detail = _detail()
    detail["call_data"][BAD].update(
        corrected_duration=OVER_INT8, max_duration=OVER_INT8, end_at=FAR_FUTURE
    )
    detail["call_data"][BAD]["transcripts"][0]["id"] = OVER_INT8
    detail["batch_params"]["created_at"] = FAR_PAST
    detail["analysis"]["total_calls"] = OVER_INT8

    parsed = parse(BatchDetail, _body(detail))

    bad = parsed.call_data[BAD]
    # A duration past any real one is unknown; a count past BIGINT is capped.
    assert bad.corrected_duration is None and bad.max_duration is None
    assert bad.duration_seconds == detail["call_data"][BAD]["call_length"] * 60
    assert bad.transcripts[0].id == str(OVER_INT8)
    assert bad.end_at == FAR_FUTURE
    assert parsed.analysis is not None and parsed.analysis.total_calls == BIGINT_MAX
    _untouched(parsed.call_data, detail["call_data"], Call)
    stats = batch_stats(parsed)
    assert stats.total == BIGINT_MAX
    assert stats.run_seconds is None  # dates outside the calendar are unknown, not a crash


def test_several_bad_calls_are_each_repaired_and_items_that_are_no_object_go() -> None:
    detail = _detail()
    calls = detail["call_data"]
    calls[3]["corrected_duration"] = math.nan
    calls[150]["answered_by"] = {"not": "a string"}
    calls.insert(10, "not a call")

    parsed = parse(BatchOverview, _body(detail))

    assert len(parsed.call_data) == CALLS
    assert parsed.call_data[3].corrected_duration is None
    # After the item that is no object, parsed index i is raw index i + 1.
    assert parsed.call_data[150].answered_by is None
    assert parsed.call_data[150].call_id == calls[151]["call_id"]
    assert parsed.call_data[100] == CallBrief.model_validate(calls[101])


async def test_the_client_repairs_one_bad_call_of_a_served_batch(bland: BlandServer) -> None:
    detail = _detail()
    detail["call_data"][BAD].update(corrected_duration=math.inf)
    bland.add_batch(RawBatch(detail, derived_analysis=False))

    async with client(bland) as bland_client:
        overview = await bland_client.get_batch_overview(BATCH_ID)

    assert overview.call_data[BAD].corrected_duration is None
    stripped = [{k: v for k, v in c.items() if k != "transcripts"} for c in detail["call_data"]]
    _untouched(overview.call_data, stripped, CallBrief)


def test_an_export_reads_lines_as_dicts_and_repairs_a_bad_line_alone() -> None:
    detail = _detail()
    lines = detail["call_data"][BAD]["transcripts"]
    lines[0]["text"] = f"hi{NUL}"
    lines.insert(1, "not a line")
    lines.append({"user": 7, "text": {"not": "text"}, "id": OVER_INT8})

    parsed = parse(BatchExport, _body(detail))

    bad = parsed.call_data[BAD].transcripts
    assert bad[0] == {"user": lines[0]["user"], "text": "hi\ufffd"}
    assert bad[1:-1] == [{"user": line["user"], "text": line["text"]} for line in lines[2:-1]]
    assert bad[-1] == {"user": "7"}
    for index, call in enumerate(parsed.call_data):
        if index != BAD:
            assert call == ExportCall.model_validate(detail["call_data"][index])
