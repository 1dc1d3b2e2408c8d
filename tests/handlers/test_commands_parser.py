"""The command parser: every form of /batches and /batch, and everything it refuses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.storage.base import WatchKind
from handlers.commands_parser import (
    ExportCsv,
    Help,
    ListBatches,
    ListCalls,
    ListWatches,
    PickTranscript,
    ShowBatch,
    ShowTranscript,
    UnwatchBatch,
    UsageError,
    WatchBatch,
    parse_batch,
    parse_batches,
)

BATCH = "AAcQq8zXxLB56LWg-gen-batch"
CALL = "ffa99be3-63dd-44dc-9523-380cd25c1b9e"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ListBatches()),
        ("campaign:a2shduf92f74p8288c93nid5", ListBatches(campaign_id="a2shduf92f74p8288c93nid5")),
        ("limit:5 from:10 to:20 asc", ListBatches(limit=5, start=10, end=20, ascending=True)),
        ("  LIMIT:5   desc ", ListBatches(limit=5)),
    ],
)
def test_batches(text: str, expected: ListBatches) -> None:
    assert parse_batches(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("limit:0", "`limit` must be a whole number from 1 to 1,000."),
        ("limit:-3", "`limit` must be a whole number from 1 to 1,000."),
        ("from:5 to:2", "`to:` must not be smaller than `from:`."),
        ("campaign:<!channel>", "`&lt;!channel&gt;` is not a campaign id"),
        ("bogus", "I don't understand `bogus`."),
    ],
)
def test_batches_refused(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_batches(text)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        (BATCH, ShowBatch(BATCH)),
        (f"show {BATCH}", ShowBatch(BATCH)),
        (f"calls {BATCH}", ListCalls(BATCH, 1)),
        (f"calls {BATCH} 3", ListCalls(BATCH, 3)),
        (f"transcript {BATCH}", PickTranscript(BATCH)),
        (f"transcript {BATCH} {CALL}", ShowTranscript(BATCH, CALL, 1)),
        (f"transcript {BATCH} ffa99be3 2", ShowTranscript(BATCH, "ffa99be3", 2)),
        (f"watch {BATCH}", WatchBatch(BATCH)),
        (f"watch {BATCH} errors>10%", WatchBatch(BATCH, error_threshold=10.0)),
        ("watch campaign:abc123", WatchBatch("abc123", kind=WatchKind.CAMPAIGN)),
        (f"unwatch {BATCH}", UnwatchBatch(BATCH)),
        ("watches", ListWatches()),
        (f"export {BATCH}", ExportCsv(BATCH)),
        (f"export {BATCH} transcripts", ExportCsv(BATCH, transcripts=True)),
        (f"export {BATCH} here", ExportCsv(BATCH, here=True)),
        (f"export {BATCH} HERE transcripts", ExportCsv(BATCH, transcripts=True, here=True)),
    ],
)
def test_batch(text: str, expected: object) -> None:
    assert parse_batch(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("../../etc/passwd", "`../../etc/passwd` is not a batch id."),
        ("a" * 129, "`aaaa"),
        (f"calls {BATCH} 0", "`page` must be a whole number"),
        (f"calls {BATCH} two", "`page` must be a whole number"),
        (f"transcript {BATCH} ffa99", "Give at least 8 characters of the call id."),
        (f"transcript {BATCH} <@U123>xx", "`&lt;@U123&gt;xx` is not a call id."),
        (f"watch {BATCH} errors>200%", "The error threshold must be between 0% and 100%."),
        (f"watch {BATCH} loudly", "Usage: `/batch watch"),
        ("watches now", "`/batch watches` takes no arguments."),
        (f"export {BATCH} there", "Usage: `/batch export &lt;batch_id&gt; [transcripts] [here]`."),
        (f"export {BATCH} here here", "Usage: `/batch export"),
        (f"export {BATCH} transcripts here x", "Usage: `/batch export"),
        ("x" * 501, "That is too long"),
    ],
)
def test_batch_refused(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_batch(text)
    assert str(caught.value).startswith(message)


@given(st.text(max_size=600))
def test_any_text_parses_or_is_refused_clearly(text: str) -> None:
    for parse in (parse_batch, parse_batches):
        try:
            parse(text)
        except UsageError as exc:
            assert str(exc)
            assert "<" not in str(exc)
