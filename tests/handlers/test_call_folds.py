"""The call views kept a slice at a time show exactly what they show given every call."""

from __future__ import annotations

import json

import pytest

from bot.bland.call_outcomes import Outcome, calls_with
from bot.bland.client import parse
from bot.bland.models import BatchRows, CallRow
from bot.bland.slices import parse_sliced
from bot.demo.details import make_batch
from formatters.calls import calls_page, page_of_calls, picker_of, transcript_picker
from handlers.call_folds import BestToRead, CallPage, CallsNamed, CallsWith

BATCH_ID = "FoldsTest0000001-gen-batch"


def _calls(count: int) -> list[CallRow]:
    detail = make_batch(BATCH_ID, calls=count, seed=9, errors=3)
    return list(BatchRows.lenient(detail).call_data)


def _in_slices(calls: list[CallRow], size: int) -> list[list[CallRow]]:
    return [calls[i : i + size] for i in range(0, len(calls), size)]


@pytest.mark.parametrize("count", [0, 1, 15, 16, 250])
@pytest.mark.parametrize("page", [0, 1, 2, 9, 17, 99])
@pytest.mark.parametrize("slice_size", [1, 7, 40, 1000])
def test_a_page_kept_in_slices_is_the_page_of_all_calls(
    count: int, page: int, slice_size: int
) -> None:
    calls = _calls(count) if count else []
    kept = CallPage(page)
    for part in _in_slices(calls, slice_size):
        kept.add(part)
    rows = kept.shown()
    assert rows is not None  # every call was added: even a page past the end is there
    shown = page_of_calls(rows, total=kept.total, batch_id=BATCH_ID, label="L", page=kept.page)
    assert shown == calls_page(calls, batch_id=BATCH_ID, label="L", page=page)


@pytest.mark.parametrize("count", [0, 3, 250])
@pytest.mark.parametrize("slice_size", [1, 30, 1000])
def test_the_picker_kept_in_slices_offers_what_it_offers_of_all(
    count: int, slice_size: int
) -> None:
    calls = _calls(count) if count else []
    kept = BestToRead()
    for part in _in_slices(calls, slice_size):
        kept.add(part)
    assert picker_of(kept.best, readable=kept.readable, batch_id=BATCH_ID, label=None) == (
        transcript_picker(calls, batch_id=BATCH_ID, label=None)
    )


def test_calls_named_by_a_prefix_are_kept_in_order() -> None:
    calls = _calls(250)
    ref = (calls[42].call_id or "")[:1].upper()
    kept = CallsNamed(ref)
    for part in _in_slices(calls, 13):
        kept.add(part)
    assert kept.calls == [c for c in calls if (c.call_id or "").lower().startswith(ref.lower())]
    assert calls[42] in kept.calls


@pytest.fixture(scope="module")
def big() -> tuple[bytes, list[CallRow]]:
    """A batch of ~6 slices, as Bland sends it, and its calls read whole."""
    detail = make_batch(BATCH_ID, calls=4000, seed=9, errors=30)
    for call in detail["call_data"]:
        call["transcripts"] = []
    body = json.dumps(detail).encode()
    return body, list(parse(BatchRows, body).call_data)


@pytest.mark.parametrize("page", [1, 2, 100, 150, 266, 267, 268, 10_000])
def test_a_page_read_in_slices_counts_the_rest(big: tuple[bytes, list[CallRow]], page: int) -> None:
    body, calls = big
    _, kept = parse_sliced(BatchRows, body, lambda: CallPage(page), parse)
    rows = kept.shown()
    if rows is None:  # past the end: the handler asks again for the last page
        assert page > 267
        _, kept = parse_sliced(BatchRows, body, lambda: CallPage(kept.page), parse)
        rows = kept.shown()
        assert rows is not None
    shown = page_of_calls(rows, total=kept.total, batch_id=BATCH_ID, label=None, page=kept.page)
    assert shown == calls_page(calls, batch_id=BATCH_ID, label=None, page=page)


def test_calls_named_read_in_slices(big: tuple[bytes, list[CallRow]]) -> None:
    body, calls = big
    for ref in ((calls[3999].call_id or "")[:8].upper(), (calls[5].call_id or "")[:2], "zz"):

        def named(ref: str = ref) -> CallsNamed:
            return CallsNamed(ref)

        _, kept = parse_sliced(BatchRows, body, named, parse)
        assert kept.calls == [c for c in calls if (c.call_id or "").lower().startswith(ref.lower())]


@pytest.mark.parametrize("outcome", list(Outcome))
@pytest.mark.parametrize("slice_size", [1, 30, 1000])
def test_calls_of_an_outcome_kept_in_slices_are_those_of_all_calls(
    outcome: Outcome, slice_size: int
) -> None:
    """`/batch calls <id> <outcome>` reads a v1 batch a slice at a time too: what it
    keeps is what filtering every call gives, `long` longest first across slices."""
    calls = _calls(250)
    kept = CallsWith(outcome)
    for part in _in_slices(calls, slice_size):
        kept.add(part)
    assert kept.listed() == calls_with(calls, outcome)
    assert kept.listed(), "the demo batch has calls of every outcome"
