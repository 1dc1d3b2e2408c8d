"""The /batch summary and the list, rendered from v2 batches through the one BatchView."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.bland.models_v2 import BatchV2, LogEntry
from bot.bland.view import BatchView, view_of_v2
from formatters.batch_list import batch_list
from formatters.batch_summary import batch_summary
from formatters.lifecycle import number_of_calls
from formatters.status import batch_status
from formatters.text import success_rate
from tests.support.bland import V2_FIXTURE_BATCH_ID, read_fixture
from tests.support.blockkit import check_message

V2_ID = "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22"


def documented() -> BatchView:
    """The documented v2 list item, read with the documented log (completed)."""
    (item,) = read_fixture("v2_list_batches")["data"]
    logs = [LogEntry.lenient(e) for e in read_fixture("v2_batch_logs")["data"]]
    return view_of_v2(BatchV2.lenient(item), logs)


def running(message: str | None = None, **fields: Any) -> BatchView:
    payload = {"state_change": "waiting_for_scheduled_calls", "message": message}
    entry = {"event_type": "lifecycle", "timestamp": "2025-05-08T19:30:00.000Z", "payload": payload}
    batch = {"id": V2_ID, "created_at": "2025-05-08T19:28:12.627Z", **fields}
    return view_of_v2(BatchV2.lenient(batch), [LogEntry.lenient(entry)])


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    found = []
    for block in blocks:
        if "text" in block and isinstance(block["text"], dict):
            found.append(block["text"]["text"])
        found.extend(field["text"] for field in block.get("fields", []))
    return found


def test_documented_v2_batch() -> None:
    message = batch_summary(documented(), batch_id=V2_FIXTURE_BATCH_ID, watching=False)
    check_message(message)
    assert message.text == (
        f"Batch My first batch ({V2_FIXTURE_BATCH_ID}): completed, 1 of 1 calls completed"
    )
    blocks = message.blocks
    assert blocks[0]["text"]["text"] == "My first batch"
    assert [f["text"] for f in blocks[1]["fields"]] == [
        "*Status*\n:white_check_mark: Completed",
        f"*Batch*\n`{V2_FIXTURE_BATCH_ID}`",
        "*Created*\n<!date^1746732492^{date_short_pretty} {time}|2025-05-08 19:28 UTC>",
        "*Calls*\n1",
    ]
    assert blocks[2]["text"]["text"] == (
        "*Latest update* (<!date^1746732522^{date_short_pretty} {time}|2025-05-08 19:28 UTC>)\n"
        "Requested: 1. Validated: 1. Dispatched: 1. CPS: 1.12."
    )
    assert [f["text"] for f in blocks[3]["fields"]] == [
        "*Total calls*\n1",
        "*Successful*\n1",
        "*Failed*\n0",
        "*Success rate*\n100%",
    ]
    assert blocks[4]["text"]["text"] == "*Task*\n```Say hello to the user```"
    # Finished: no Watch, no Stop; calls, transcripts and export apply to v2 too.
    assert [b["text"]["text"] for b in blocks[-1]["elements"]] == [
        "Refresh",
        "Calls",
        "Transcripts",
        "Export CSV",
    ]
    # What only v1 has is not shown as empty.
    assert "Campaign" not in json.dumps(blocks) and "Endpoint" not in json.dumps(blocks)


def test_running_v2_batch_shows_its_state_in_words_and_may_be_stopped() -> None:
    view = running("Requested: 120. Validated: 120. Dispatched: 80. CPS: 1.12.", description="Q3")
    message = batch_summary(view, batch_id=V2_ID, watching=False)
    check_message(message)
    assert message.text == f"Batch Q3 ({V2_ID}): waiting for scheduled calls"
    fields = [f["text"] for f in message.blocks[1]["fields"]]
    assert fields[0] == "*Status*\n:calendar: Waiting for scheduled calls"
    assert fields[3] == "*Calls*\n120"  # what the latest message says was requested
    assert not any(t.startswith("*Total calls*") for t in texts(message.blocks))
    buttons = message.blocks[-1]["elements"]
    assert [b["text"]["text"] for b in buttons][-2:] == ["Watch", "Stop"]
    assert buttons[-1]["value"] == f"stop {V2_ID}"
    # No counts while it runs: the dialog cannot say how many calls remain.
    assert buttons[-1]["confirm"]["text"]["text"] == "Stop the remaining calls of Q3?"


def test_pathway_and_a_prompt_that_is_not_json() -> None:
    pathway = running(base_prompt=json.dumps({"pathway_id": "pw-1", "voice": "maya"}))
    fields = [f["text"] for f in batch_summary(pathway, batch_id=V2_ID).blocks[1]["fields"]]
    assert fields[-1] == "*Pathway*\n`pw-1`"
    raw = running(base_prompt="<!here> Call {{name}} ```now```")
    message = batch_summary(raw, batch_id=V2_ID)
    check_message(message)
    assert "*Base prompt*\n```&lt;!here&gt; Call {{name}} ʹnowʹ```" in texts(message.blocks)


def test_a_failed_v2_batch_says_why() -> None:
    entry = {
        "event_type": "lifecycle",
        "timestamp": "2025-05-08T19:30:00.000Z",
        "payload": {"state_change": "failed", "code": "NO_FUNDS", "reason": "<!channel> pay"},
    }
    view = view_of_v2(BatchV2.lenient({"id": V2_ID}), [LogEntry.lenient(entry)])
    message = batch_summary(view, batch_id=V2_ID, watching=False)
    check_message(message)
    assert message.blocks[1]["fields"][0]["text"] == "*Status*\n:x: Failed"
    assert ":x: *Why it failed* `NO_FUNDS` &lt;!channel&gt; pay" in texts(message.blocks)


def test_a_v2_batch_with_no_state_yet_and_an_unknown_one() -> None:
    fresh = view_of_v2(BatchV2.lenient({"id": V2_ID}), [])
    message = batch_summary(fresh, batch_id=V2_ID, watching=False)
    check_message(message)
    assert message.blocks[0]["text"]["text"] == "Untitled batch"
    assert (
        message.blocks[1]["fields"][0]["text"]
        == "*Status*\n:grey_question: No progress reported yet"
    )
    assert message.text == f"Batch Untitled batch ({V2_ID}): no progress reported yet"
    odd = view_of_v2(
        BatchV2.lenient({"id": V2_ID}),
        [LogEntry.lenient({"event_type": "lifecycle", "payload": {"state_change": "<b>x"}})],
    )
    message = batch_summary(odd, batch_id=V2_ID, watching=False)
    assert message.blocks[1]["fields"][0]["text"] == "*Status*\n:grey_question: &lt;b&gt;x"
    assert [b["text"]["text"] for b in message.blocks[-1]["elements"]][-1] == "Stop"


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("validating", ":hourglass_flowing_sand: Validating"),
        ("in_progress_chunked", ":hourglass_flowing_sand: In progress, in chunks"),
        ("completed_partial", ":warning: Partly completed"),
        ("in-progress", ":hourglass_flowing_sand: In progress"),
        ("completed", ":white_check_mark: Completed"),
        ("quantum_flux", ":grey_question: quantum_flux"),
    ],
)
def test_statuses_of_both_apis(status: str, shown: str) -> None:
    assert batch_status(status) == shown


def test_success_rate_and_number_of_calls() -> None:
    assert [success_rate(*pair) for pair in ((10, 12), (12, 12), (0, 0), (None, 5))] == [
        "83.3%",
        "100%",
        "-",
        "-",
    ]
    assert number_of_calls(running("Requested: 1,200. Validated: 3.")) == 1200
    assert number_of_calls(running("Validating the numbers.")) is None


def test_the_list_shows_v2_batches_like_v1_ones() -> None:
    message = batch_list([documented(), running(description="<@U1> x" * 2000)])
    check_message(message)
    first, second = message.blocks[2]["text"]["text"], message.blocks[3]["text"]["text"]
    assert first == (
        "*My first batch*\n:white_check_mark: Completed · "
        f"`{V2_FIXTURE_BATCH_ID}` · created "
        "<!date^1746732492^{date_short_pretty} {time}|2025-05-08 19:28 UTC>"
    )
    assert second.startswith("*&lt;@U1&gt; x&lt;@U1&gt; x")
    assert ":calendar: Waiting for scheduled calls" in second
    assert message.blocks[2]["accessory"]["value"] == V2_FIXTURE_BATCH_ID
