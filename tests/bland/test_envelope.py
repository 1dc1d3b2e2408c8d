"""Unwrapping v2's `{"data", "errors"}` envelope, whatever shape its errors take."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.bland.envelope import envelope_errors, many, one, read_many, read_one, unwrap
from bot.bland.errors import (
    BlandAuthError,
    BlandNotFoundError,
    BlandResponseError,
    BlandStatusError,
)
from bot.bland.models_v2 import BatchV2, EnvelopeError, LogEntry


def body(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_data_is_returned_when_there_are_no_errors() -> None:
    nothing: tuple[Any, ...] = (None, [], {}, "")
    for errors in nothing:
        assert unwrap(body({"data": [1], "errors": errors})) == [1]
    assert unwrap(body({"data": None})) is None


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        (
            [{"error": "NOT_FOUND", "message": "gone"}],
            [EnvelopeError(error="NOT_FOUND", message="gone")],
        ),
        ({"error": "NOT_FOUND"}, [EnvelopeError(error="NOT_FOUND")]),
        ("Batch not found", [EnvelopeError(message="Batch not found")]),
        (["a", 7, None], [EnvelopeError(message="a"), EnvelopeError(), EnvelopeError()]),
        ([{"error": 404, "message": ["odd"]}], [EnvelopeError(error="404")]),
    ],
)
def test_errors_of_any_shape_are_read(errors: Any, expected: list[EnvelopeError]) -> None:
    assert envelope_errors(errors) == expected


@pytest.mark.parametrize(
    ("errors", "error"),
    [
        ([{"error": "NOT_FOUND", "message": "No batch with that id"}], BlandNotFoundError),
        ("Batch does not exist", BlandNotFoundError),
        ({"error": "INVALID_API_KEY"}, BlandAuthError),
        ([{"error": "SOMETHING", "message": "went wrong"}], BlandStatusError),
        ([None], BlandStatusError),
    ],
)
def test_errors_raise_even_beside_data(errors: Any, error: type[BlandStatusError]) -> None:
    with pytest.raises(BlandStatusError) as caught:
        unwrap(body({"data": {"id": "x"}, "errors": errors}))
    assert type(caught.value) is error


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[1, 2]", b'"data"', body({"errors": None}), b"[" * 100_000],
)
def test_what_is_no_envelope_is_a_response_error(raw: bytes) -> None:
    with pytest.raises(BlandResponseError):
        unwrap(raw)


def test_one_and_many_want_the_right_shape() -> None:
    assert one(BatchV2, {"id": "x", "surprise": 1}, what="batch").id == "x"
    with pytest.raises(BlandResponseError):
        one(BatchV2, "a batch", what="batch")
    with pytest.raises(BlandResponseError):
        many(LogEntry, {"id": "x"}, what="log entries")
    assert many(LogEntry, None, what="log entries") == []
    entries = many(LogEntry, [{"id": "a"}, "junk", None, {"id": "b", "payload": "odd"}], what="")
    assert [entry.id for entry in entries] == ["a", "b"]
    assert entries[1].payload.state_change is None


LOGS: list[Any] = [
    {"id": "1", "event_type": "lifecycle", "payload": {"state_change": "in_progress"}},
    {"id": "2", "event_type": "complete", "payload": {"calls_total": 3, "calls_failed": 1}},
]


@pytest.mark.parametrize(
    "data",
    [
        LOGS,
        [],
        None,
        [*LOGS, "not an entry", {"payload": {"calls_total": float("nan")}}],
        [{"id": "x\ud800", "payload": "not an object"}],
    ],
)
@pytest.mark.parametrize("errors", [None, [], {}])
def test_read_many_reads_what_many_of_unwrap_reads(data: Any, errors: Any) -> None:
    raw = json.dumps({"data": data, "errors": errors}).encode()
    assert read_many(LogEntry, raw, what="log entries") == many(
        LogEntry, unwrap(raw), what="log entries"
    )


def test_read_one_reads_what_one_of_unwrap_reads() -> None:
    for data in ({"id": "b1", "label": "x"}, {"id": 5, "created_at": "\ud800"}):
        raw = json.dumps({"data": data}).encode()
        assert read_one(BatchV2, raw, what="batch") == one(BatchV2, unwrap(raw), what="batch")


@pytest.mark.parametrize(
    "raw",
    [
        body({"data": LOGS, "errors": [{"error": "NOT_FOUND", "message": "no batch"}]}),
        body({"errors": [{"error": "NOT_FOUND", "message": "no batch"}]}),
    ],
)
def test_read_raises_errors_beside_valid_data(raw: bytes) -> None:
    with pytest.raises(BlandNotFoundError):
        read_many(LogEntry, raw, what="log entries")
    with pytest.raises(BlandNotFoundError):
        read_one(BatchV2, raw, what="batch")


def test_read_without_data_is_a_response_error() -> None:
    with pytest.raises(BlandResponseError):
        read_many(LogEntry, body({"errors": None}), what="log entries")
    with pytest.raises(BlandResponseError):
        read_one(BatchV2, body({"data": None}), what="batch")


SECRET = "sk-live-4f9a8b7c6d5e4f3a2b1c"


def _chain(exc: BaseException) -> str:
    """Every exception a traceback of `exc` would print, as text."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        parts.append(str(seen))
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


@pytest.mark.parametrize("read", [read_one, read_many], ids=["one", "many"])
def test_an_answer_that_fails_carries_none_of_bland_s_body_in_its_chain(read: Any) -> None:
    # A hostile (or careless) Bland echoes the key into an answer we cannot read: the
    # error, and anything a DEBUG traceback of it prints, must not hold the body.
    raw = body({"nodata": SECRET})
    with pytest.raises(BlandResponseError) as caught:
        read(BatchV2, raw, what="batch", secrets=(SECRET,))
    assert SECRET not in _chain(caught.value)
