"""Calls, transcripts and the CSV export of v2 batches, through the real app: from Bland's
call list asked for one batch, and said plainly when Bland ignores that filter."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.demo.dataset_v2 import V2_FINISHED_BATCH_ID, v2_batch
from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp

UNKNOWN = "0b0e8c57-9e6e-4e4d-84d2-9826b2268c22"
LARGE = "1a2b3c4d-0000-4000-8000-00000000beef"
NOT_LISTED = "Bland does not list the calls of v2 batch"


def call_ids(app: SlackApp, batch_id: str) -> list[str]:
    return [str(call["call_id"]) for call in app.bland.v2_dataset[batch_id].calls]


async def test_calls_of_a_v2_batch_come_from_the_filtered_call_list(app: SlackApp) -> None:
    message = await app.reply(f"calls {V2_FINISHED_BATCH_ID}")
    check_message(message)
    assert message["blocks"][0]["text"]["text"] == "Calls · Customer Satisfaction Follow-up"
    assert "calls 1–12 of 12 · page 1 of 1" in json.dumps(message["blocks"][1], ensure_ascii=False)
    shown = [
        b["accessory"]["value"] for b in message["blocks"] if b.get("accessory", {}).get("value")
    ]
    # Each call's Open call button (once Transcript) opens the call whole.
    expected = {f"call {V2_FINISHED_BATCH_ID} {c}" for c in call_ids(app, V2_FINISHED_BATCH_ID)}
    assert len(shown) == 12 and set(shown) == expected
    [listed] = app.bland.requests_to("/v1/calls")
    assert listed.query == {"batch_id": V2_FINISHED_BATCH_ID, "limit": "1000"}
    assert app.bland.count("/v1/batches") == 0


async def test_transcript_of_a_v2_call_by_prefix_and_the_picker(app: SlackApp) -> None:
    call_id = call_ids(app, V2_FINISHED_BATCH_ID)[0]
    message = await app.reply(f"transcript {V2_FINISHED_BATCH_ID} {call_id[:8]}")
    check_message(message)
    assert message["blocks"][0]["text"]["text"] == "Transcript"
    assert call_id in json.dumps(message)
    assert app.bland.count(f"/v1/calls/{call_id}") == 1
    picker = await app.reply(f"transcript {V2_FINISHED_BATCH_ID}")
    check_message(picker)
    select = picker["blocks"][2]["elements"][0]
    assert {o["value"] for o in select["options"]} == set(call_ids(app, V2_FINISHED_BATCH_ID))


@pytest.mark.parametrize(
    "command", ["calls {id}", "transcript {id}", "transcript {id} abcdef12", "export {id}"]
)
async def test_when_bland_ignores_the_filter_no_wrong_calls_are_shown(
    app: SlackApp, command: str
) -> None:
    app.bland.ignore_batch_filter = True
    message = await app.reply(command.format(id=V2_FINISHED_BATCH_ID))
    check_message(message)
    assert message["response_type"] == "ephemeral"
    assert message["text"].startswith(f"{NOT_LISTED} `{V2_FINISHED_BATCH_ID}`")
    # One page was asked for, never the whole account; no call of any batch is shown.
    assert app.bland.count("/v1/calls") == 1
    assert "Transcript" not in json.dumps(message) and app.slack.uploads == []


async def test_calls_of_an_unknown_v2_batch_are_not_found(app: SlackApp) -> None:
    message = await app.reply(f"calls {UNKNOWN}")
    assert message["text"] == f"Bland has no batch or call `{UNKNOWN}`."


async def test_a_full_page_of_calls_says_there_may_be_more(app: SlackApp) -> None:
    app.bland.v2_dataset.add(v2_batch(LARGE, hours_ago=3, calls=1001, finished=0))
    message = await app.reply(f"calls {LARGE} 3")
    check_message(message)
    assert "calls 31–45 of 1,000" in json.dumps(message, ensure_ascii=False)
    assert "Bland lists at most 1,000 calls at once: this batch may have more." in json.dumps(
        message, ensure_ascii=False
    )


async def test_export_of_a_v2_batch(app: SlackApp) -> None:
    reply = await app.reply(f"export {V2_FINISHED_BATCH_ID}")
    check_message(reply)
    assert reply["text"] == ":page_facing_up: Exported 12 calls as CSV to you in a direct message."
    upload = app.slack.uploads[-1]
    assert upload.filename == f"Customer-Satisfaction-Follow-up-{V2_FINISHED_BATCH_ID}.csv"
    rows = list(csv.DictReader(io.StringIO(upload.data.decode("utf-8-sig"))))
    assert sorted(row["call_id"] for row in rows) == sorted(call_ids(app, V2_FINISHED_BATCH_ID))
    assert "transcript" not in rows[0]
    assert not any(r.path.startswith("/v1/calls/") for r in app.bland.requests)


async def test_export_of_a_v2_batch_with_transcripts_asks_each_call(app: SlackApp) -> None:
    reply = await app.reply(f"export {V2_FINISHED_BATCH_ID} transcripts")
    check_message(reply)
    assert "with transcripts" in reply["text"]
    rows = list(csv.DictReader(io.StringIO(app.slack.uploads[-1].data.decode("utf-8-sig"))))
    assert len(rows) == 12
    said = {
        str(c["call_id"]): bool(c.get("transcripts"))
        for c in app.bland.v2_dataset[V2_FINISHED_BATCH_ID].calls
    }
    assert {row["call_id"]: bool(row["transcript"]) for row in rows} == said
    assert any(row["transcript"].startswith("Agent: ") for row in rows)
    for call_id in call_ids(app, V2_FINISHED_BATCH_ID):
        assert app.bland.count(f"/v1/calls/{call_id}") == 1


async def test_a_transcript_bland_fails_to_send_fails_the_export_plainly(app: SlackApp) -> None:
    app.bland.fail_next(50, status=500, path="/v1/calls/")
    reply = await app.reply(f"export {V2_FINISHED_BATCH_ID} transcripts")
    assert reply["text"] == "Bland is having trouble (HTTP 500). Try again in a minute."
    assert app.slack.uploads == []
