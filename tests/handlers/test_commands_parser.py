"""The command parser: every form of /batches and /batch, and everything it refuses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.bland.call_outcomes import Outcome
from bot.storage.base import WatchKind
from handlers.commands_parser import (
    ExportCsv,
    Help,
    ListBatches,
    ListCalls,
    ListWatches,
    PickTranscript,
    ShowBatch,
    ShowCall,
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
        # A Next page button of both lists: where each of v1's and v2's left off.
        ("from:7 v2from:3 limit:10 desc", ListBatches(limit=10, start=7, v2_start=3)),
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
        ("v2from:-1", "`v2from` must be a whole number from 0 to 10,000,000."),
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


def parses_or_is_refused_clearly(text: str) -> None:
    """Both parsers take `text` or refuse it with a message fit to show (no markup)."""
    for parse in (parse_batch, parse_batches):
        try:
            parse(text)
        except UsageError as exc:
            assert str(exc)
            assert "<" not in str(exc)


@given(st.text(max_size=600))
def test_any_text_parses_or_is_refused_clearly(text: str) -> None:
    parses_or_is_refused_clearly(text)


# str.isdigit() is true of these, but int() cannot read them.
UNREADABLE_DIGITS = ["²", "①", "³⁴", "⁵"]


@pytest.mark.parametrize("digits", UNREADABLE_DIGITS)
def test_numbers_int_cannot_read_are_refused_as_usage(digits: str) -> None:
    cases = [
        (parse_batch, f"calls {BATCH} {digits}", "`page` must be a whole number"),
        (parse_batch, f"transcript {BATCH} ffa99be3 {digits}", "`page` must be a whole number"),
        (parse_batches, f"limit:{digits}", "`limit` must be a whole number"),
        (parse_batches, f"from:{digits}", "`from` must be a whole number"),
        (parse_batches, f"to:{digits}", "`to` must be a whole number"),
    ]
    for parse, text, message in cases:
        with pytest.raises(UsageError) as caught:
            parse(text)
        assert str(caught.value).startswith(message)


def test_decimal_digits_of_any_script_still_count() -> None:
    assert parse_batch(f"calls {BATCH} ٣") == ListCalls(BATCH, 3)


# Real words of the grammar mixed with odd ones: random text alone rarely reaches the
# argument checks behind a valid subcommand and id.
OUTCOMES = [outcome.value for outcome in Outcome]
_HEADS = [
    "",
    "calls",
    "call",
    "transcript",
    "watch",
    "unwatch",
    "export",
    "stop",
    "watches",
    "show",
]
_ODD = [
    *UNREADABLE_DIGITS,
    "٣",
    "0",
    "-1",
    "99999999999",
    "1e3",
    "0x10",
    ":",
    "campaign:",
    "in:C1",
    "errors>5%",
    "errors>٥%",
    "errors>1000%",
    "here",
    "transcripts",
    *OUTCOMES,
    "limit:",
    "from:3",
    "to:2",
    "a" * 129,
    "<!channel>",
    "`",
]
_command = st.builds(
    lambda head, ids, rest: " ".join([head, *ids, *rest]),
    st.sampled_from(_HEADS),
    st.sampled_from([[], [BATCH], ["campaign:abc123"], [BATCH, "ffa99be3"]]),
    st.lists(st.one_of(st.sampled_from(_ODD), st.text(max_size=6)), max_size=3),
)


@settings(max_examples=400)
@given(_command)
def test_any_command_shaped_text_parses_or_is_refused_clearly(text: str) -> None:
    parses_or_is_refused_clearly(text)


V2_BATCH = "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"call {CALL}", ShowCall(CALL)),
        (f"call {CALL} 3", ShowCall(CALL, page=3)),
        (f"call {BATCH} ffa99be3", ShowCall("ffa99be3", BATCH)),
        (f"call {BATCH} ffa99be3 2", ShowCall("ffa99be3", BATCH, 2)),
        (f"CALL {V2_BATCH} {CALL}", ShowCall(CALL, V2_BATCH)),
        # Eight digits are a call prefix, not a page: pages have at most six.
        (f"call {BATCH} 12345678", ShowCall("12345678", BATCH)),
        (f"calls {BATCH} human", ListCalls(BATCH, 1, Outcome.HUMAN)),
        (f"calls {BATCH} Voicemail 4", ListCalls(BATCH, 4, Outcome.VOICEMAIL)),
        (f"calls {BATCH} 2 no-answer", ListCalls(BATCH, 2, Outcome.NO_ANSWER)),
        (f"calls {BATCH} no_answer", ListCalls(BATCH, 1, Outcome.NO_ANSWER)),
        (f"calls {BATCH} errors", ListCalls(BATCH, 1, Outcome.ERRORS)),
        (f"calls {BATCH} long", ListCalls(BATCH, 1, Outcome.LONG)),
    ],
)
def test_call_and_filtered_calls(text: str, expected: object) -> None:
    assert parse_batch(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("call", "Usage: `/batch call &lt;call_id&gt; [page]`"),
        (f"call {BATCH} ffa99be3 2 3", "Usage: `/batch call"),
        (f"call {BATCH} ffa99", "Give at least 8 characters of the call id."),
        (f"call {CALL} 0", "`page` must be a whole number"),
        (f"call ../x {CALL}", "`../x` is not a batch id."),
        (f"calls {BATCH} humans", "`page` must be a whole number from 1 to 100,000, and"),
        (f"calls {BATCH} human voicemail", "Name one kind of call at a time."),
        (f"calls {BATCH} 1 2", "Usage: `/batch calls &lt;batch_id&gt; [human|voicemail|"),
        (f"calls {BATCH} human 2 3", "Usage: `/batch calls"),
    ],
)
def test_call_and_filtered_calls_refused(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_batch(text)
    assert str(caught.value).startswith(message)


def test_an_unknown_filter_names_every_filter() -> None:
    with pytest.raises(UsageError) as caught:
        parse_batch(f"calls {BATCH} <!channel>")
    assert str(caught.value).endswith(
        "`&lt;!channel&gt;` is not one of the kinds of call I can list: "
        "`human`, `voicemail`, `no-answer`, `errors`, `long`."
    )
