"""The /batch summary, rendered from the documented example and from thin responses."""

from __future__ import annotations

import json
import math

from bot.bland.models import BatchDetail
from formatters.batch_summary import batch_summary
from formatters.text import seconds
from tests.support.blockkit import check_message
from tests.support.examples import BATCH_ID, detail


def test_documented_example() -> None:
    message = batch_summary(detail(), batch_id=BATCH_ID, watching=False)
    check_message(message)
    blocks = message.blocks
    assert message.text == (
        "Batch Customer Satisfaction Follow-up (AAcQq8zXxLB56LWg-gen-batch): in progress, "
        "86 of 88 calls completed"
    )
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Customer Satisfaction Follow-up"},
    }
    assert [f["text"] for f in blocks[1]["fields"]] == [
        "*Status*\n:hourglass_flowing_sand: In progress",
        "*Batch*\n`AAcQq8zXxLB56LWg-gen-batch`",
        "*Created*\n<!date^1701981824^{date_short_pretty} {time}|2023-12-07 20:43 UTC>",
        "*Campaign*\n-",
        "*Endpoint*\napi",
    ]
    assert [f["text"] for f in blocks[2]["fields"]] == [
        "*Total calls*\n88",
        "*Completed*\n86",
        "*In progress*\n2",
        "*Errored*\n1",
    ]
    texts = [b.get("text", {}).get("text", "") for b in blocks]
    assert (
        "*Base prompt*\n```You are calling {{name}} about their recent purchase of the item: "
        "{{item}}.```" in texts
    )
    assert "*Average length* 17 s  ·  *non-zero average* 31 s" in texts
    assert "*Queue statuses*\ncomplete *85*  ·  started *2*  ·  call_error *1*" in texts
    assert "*Answered by*\nvoicemail *1*" in texts
    assert (
        "*Errors* (1)\n• `c52f5f8c` Cannot transfer to +12223334444 - Call is no longer active"
        in texts
    )
    chart = next(t for t in texts if t.startswith("*Call lengths"))
    assert "30-45s   28 ████████████████████" in chart
    assert "120+s     1 ▊" in chart
    buttons = blocks[-1]["elements"]
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in buttons] == [
        ("Refresh", "batch_refresh", BATCH_ID),
        ("Calls", "batch_calls", f"calls {BATCH_ID} 1"),
        ("Transcripts", "batch_transcripts", f"transcript {BATCH_ID}"),
        ("Export CSV", "batch_export", f"export {BATCH_ID}"),
        ("Watch", "batch_watch", f"watch {BATCH_ID}"),
        ("Stop", "batch_stop", f"stop {BATCH_ID}"),
    ]
    stop = buttons[-1]
    assert stop["style"] == "danger"
    assert stop["confirm"]["text"]["text"] == (
        "Stop 2 remaining calls of Customer Satisfaction Follow-up?"
    )


def test_stop_button_only_while_in_progress() -> None:
    message = batch_summary(detail(status="completed"), batch_id=BATCH_ID, watching=False)
    labels = [b["text"]["text"] for b in message.blocks[-1]["elements"]]
    assert labels == ["Refresh", "Calls", "Transcripts", "Export CSV"]


def test_missing_analysis_is_derived_from_calls() -> None:
    message = batch_summary(detail(analysis=None), batch_id=BATCH_ID)
    check_message(message)
    totals = [f["text"] for f in message.blocks[2]["fields"]]
    assert totals == ["*Total calls*\n1", "*Completed*\n1", "*In progress*\n0", "*Errored*\n0"]
    assert [b["text"]["text"] for b in message.blocks[-1]["elements"]][-1] == "Stop"


def test_empty_response_still_renders() -> None:
    message = batch_summary(BatchDetail(), batch_id="x1")
    check_message(message)
    assert message.blocks[0]["text"]["text"] == "Untitled batch"
    assert message.blocks[1]["fields"][0]["text"] == "*Status*\n:grey_question: Unknown"


def test_unknown_status_shown_escaped() -> None:
    message = batch_summary(detail(status="<!here> paused"), batch_id=BATCH_ID, watching=True)
    check_message(message)
    assert (
        message.blocks[1]["fields"][0]["text"] == "*Status*\n:grey_question: &lt;!here&gt; paused"
    )
    assert message.blocks[-1]["elements"][-1]["text"]["text"] == "Unwatch"  # not running: no Stop


def test_ten_thousand_errors_are_summarised() -> None:
    errors = [{"call_id": f"call-{i}", "error_message": f"failure {i}"} for i in range(10_000)]
    data = detail().analysis.model_dump()  # type: ignore[union-attr]
    data["error_messages"] = errors
    message = batch_summary(detail(analysis=data), batch_id=BATCH_ID)
    check_message(message)
    error_text = next(b["text"]["text"] for b in message.blocks if "*Errors*" in str(b))
    assert error_text.endswith("_…and 9,997 more_")


def test_overview_reads_the_same_summary_as_the_full_model() -> None:
    from bot.bland.models import BatchOverview
    from tests.support.examples import DETAIL

    full = batch_summary(detail(), batch_id=BATCH_ID, watching=False)
    brief = batch_summary(BatchOverview.lenient(DETAIL), batch_id=BATCH_ID, watching=False)
    assert brief == full


def test_call_too_long_to_count_in_seconds_shows_no_average() -> None:
    # Found by test_properties: a finite call_length in minutes, times 60, is infinite.
    message = batch_summary(
        detail(analysis=None, call_data=[{"call_length": 3e306}]), batch_id=BATCH_ID
    )
    check_message(message)
    # Since parse-time cleaning, such a length is "unknown": no average is shown at all.
    assert "Average length" not in json.dumps(message.blocks)


def test_a_duration_that_is_not_finite_shows_as_unknown() -> None:
    assert [seconds(v) for v in (math.inf, -math.inf, math.nan)] == ["-", "-", "-"]
