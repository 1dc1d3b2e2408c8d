"""Reading calls a slice at a time gives exactly what reading the answer whole gives."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import pytest

from bot.bland.client import parse
from bot.bland.errors import BlandNotFoundError, BlandResponseError
from bot.bland.lenient import LenientModel
from bot.bland.models import BatchDetail, BatchExport, BatchOverview, BatchRows
from bot.bland.slices import SLICE_BYTES, parse_sliced
from bot.demo.details import make_batch
from tests.support.odd_batch import SURROGATE

BATCH_ID = "SlicesTest000001-gen-batch"


class Kept:
    """Every call it is given, in order; and how many were made."""

    made = 0

    def __init__(self) -> None:
        type(self).made += 1
        self.calls: list[Any] = []

    def add(self, calls: Sequence[Any]) -> None:
        self.calls.extend(calls)


def _body(detail: dict[str, Any]) -> bytes:
    return json.dumps(detail).encode().replace(b"Infinity", b"1e999")


def _same_as_whole(model: type[LenientModel], body: bytes) -> int:
    """Sliced equals whole; returns how many folds were made (2: it fell back)."""
    Kept.made = 0
    head, kept = parse_sliced(model, body, Kept, parse)
    whole = parse(model, body)
    assert kept.calls == whole.call_data  # type: ignore[attr-defined]
    assert head == whole.model_copy(update={"call_data": []})
    return Kept.made


@pytest.fixture(scope="module")
def detail() -> dict[str, Any]:
    # ~2.5 MB with transcripts: about ten slices.
    made: dict[str, Any] = make_batch(BATCH_ID, calls=1500, seed=5, errors=20)
    assert len(json.dumps(made)) > 8 * SLICE_BYTES
    return made


@pytest.mark.parametrize("model", [BatchDetail, BatchExport, BatchOverview, BatchRows])
def test_sliced_reading_equals_whole_reading(
    model: type[LenientModel], detail: dict[str, Any]
) -> None:
    assert _same_as_whole(model, _body(detail)) == 1


def test_without_transcripts_and_compact(detail: dict[str, Any]) -> None:
    bare = {**detail, "call_data": [dict(c, transcripts=[]) for c in detail["call_data"]]}
    compact = json.dumps(bare, separators=(",", ":")).encode()
    assert _same_as_whole(BatchOverview, compact) == 1


def test_calls_that_open_like_their_transcript_lines_are_still_cut_whole(
    detail: dict[str, Any],
) -> None:
    # Every call opens with `id`, as each transcript line does: the first cuts tried
    # fall between lines, are not whole calls, and are passed over.
    calls = [{"id": call["call_id"], **call} for call in detail["call_data"]]
    assert _same_as_whole(BatchDetail, _body({**detail, "call_data": calls})) == 1


def test_text_that_looks_like_structure_does_not_cut(detail: dict[str, Any]) -> None:
    calls = [dict(call) for call in detail["call_data"]]
    for call in calls[::7]:
        call["error_message"] = '}, {"status": "x"}] "call_data": [ {'
        call["transcripts"] = [{"id": 1, "text": '"}, {"id": 2}], "call_data": []'}]
    assert _same_as_whole(BatchDetail, _body({**detail, "call_data": calls})) == 1


def test_odd_calls_in_slices_are_repaired_on_their_own(detail: dict[str, Any]) -> None:
    calls: list[Any] = [dict(call) for call in detail["call_data"]]
    calls[3]["corrected_duration"] = math.nan
    calls[700]["to"] = f"+1{SURROGATE}"
    calls[1499]["call_length"] = math.inf
    calls.insert(900, "not a call")
    calls.append(42)  # not an object, and last: no `}]` ends the array
    body = _body({**detail, "call_data": calls})
    _same_as_whole(BatchDetail, body)
    _, kept = parse_sliced(BatchDetail, body, Kept, parse)
    assert len(kept.calls) == 1500
    assert kept.calls[3].corrected_duration is None
    assert kept.calls[700].to == "+1\ufffd"


def test_a_call_data_deeper_in_is_not_taken_for_the_calls(detail: dict[str, Any]) -> None:
    nested = json.loads(json.dumps(detail))
    nested["batch_params"]["call_params"]["call_data"] = [{"call_id": "not-a-call"}]
    assert _same_as_whole(BatchDetail, _body(nested)) == 2  # read whole instead
    del nested["call_data"]
    assert _same_as_whole(BatchDetail, _body(nested)) == 2


@pytest.mark.parametrize("calls", [[], None, "nope", {"a": 1}])
def test_no_calls_or_no_array(calls: Any, detail: dict[str, Any]) -> None:
    body = _body({**detail, "call_data": calls})
    _same_as_whole(BatchOverview, body)


def test_the_calls_may_come_last_or_first(detail: dict[str, Any]) -> None:
    first = {
        "call_data": detail["call_data"],
        **{k: v for k, v in detail.items() if k != "call_data"},
    }
    assert _same_as_whole(BatchDetail, _body(first)) == 1


def test_errors_are_those_of_the_whole_reading() -> None:
    with pytest.raises(BlandResponseError):
        parse_sliced(BatchOverview, b'{"call_data": [{"call_id": "a"}, {', Kept, parse)
    with pytest.raises(BlandNotFoundError):
        parse_sliced(
            BatchOverview,
            b'{"status": "error", "message": "Batch not found", "call_data": []}',
            Kept,
            parse,
        )


def test_a_call_data_inside_the_calls_leaves_them_sliced(detail: dict[str, Any]) -> None:
    # The answer's own array comes first; one named inside a call is that call's field.
    calls = [dict(call) for call in detail["call_data"]]
    for call in calls[::50]:
        call["request_data"] = {"call_data": [{"call_id": "not-a-call"}]}
    assert _same_as_whole(BatchDetail, _body({**detail, "call_data": calls})) == 1


def test_a_call_data_after_the_calls_is_read_whole(detail: dict[str, Any]) -> None:
    later = {**detail, "analysis": {"call_data": []}}
    assert _same_as_whole(BatchDetail, _body(later)) == 2
    empty_first = {"call_data": [], **{k: v for k, v in later.items() if k != "call_data"}}
    assert _same_as_whole(BatchDetail, _body(empty_first)) == 2
