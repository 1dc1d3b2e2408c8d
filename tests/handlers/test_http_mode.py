"""Signed requests through the real app in HTTP mode, against the Bland and Slack stand-ins."""

from __future__ import annotations

import json
import logging
import time

import pytest

from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp

DOC_BATCH = "AAcQq8zXxLB56LWg-gen-batch"
SMALL = "DemoSmall0000003-gen-batch"
LIVE = "DemoLive00000040-gen-batch"
HOSTILE = "DemoHostile00003-gen-batch"


def text_of(message: dict[str, object]) -> str:
    return json.dumps(message, ensure_ascii=False)


async def test_batches_lists_newest_first(app: SlackApp) -> None:
    message = await app.reply("", command="/batches")
    check_message(message)
    assert message["response_type"] == "ephemeral"
    assert "Bland batches" in text_of(message)
    request = app.bland.requests_to("/v1/batches")[0]
    assert {k.lower(): v for k, v in request.headers.items()}["authorization"] == "test-key"
    assert request.query == {"limit": "21"}


async def test_batches_filters_and_pages(app: SlackApp) -> None:
    message = await app.reply("campaign:a2shduf92f74p8288c93nid5 limit:1 asc", command="/batches")
    check_message(message)
    query = app.bland.requests_to("/v1/batches")[0].query
    assert query == {"campaign_id": "a2shduf92f74p8288c93nid5", "limit": "2", "ascending": "true"}
    next_button = message["blocks"][-1]["elements"][0]
    assert next_button["value"] == "from:1 limit:1 campaign:a2shduf92f74p8288c93nid5 asc"


async def test_summary_of_the_documented_batch_fetches_no_transcripts(app: SlackApp) -> None:
    message = await app.reply(DOC_BATCH)
    check_message(message)
    assert message["text"].startswith("Batch Customer Satisfaction Follow-up")
    assert "86 of 88 calls completed" in message["text"]
    request = app.bland.requests_to(f"/v1/batches/{DOC_BATCH}")[0]
    assert request.query["include_transcripts"] == "false"
    assert request.query["include_calls"] == "true"


async def test_calls_and_transcript_by_prefix(app: SlackApp) -> None:
    calls = await app.reply(f"calls {SMALL}")
    check_message(calls)
    call_button = calls["blocks"][2]["accessory"]
    _, _, call_id = call_button["value"].split()
    transcript = await app.reply(f"transcript {SMALL} {call_id[:8]}")
    check_message(transcript)
    assert transcript["blocks"][0]["text"]["text"] == "Transcript"
    assert call_id in text_of(transcript)
    assert app.bland.count(f"/v1/calls/{call_id}") == 1


async def test_hostile_batch_cannot_ping(app: SlackApp) -> None:
    for text in (HOSTILE, f"calls {HOSTILE}", f"transcript {HOSTILE}"):
        message = await app.reply(text)
        check_message(message)  # no "<" from Bland survives outside plain_text
    summary = await app.reply(HOSTILE)
    assert "&lt;!here&gt; failed &amp; *retry*" in text_of(summary)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nope/../x", "is not a batch id"),
        (f"calls {SMALL} zero", "`page` must be a whole number"),
        ("frobnicate now please", "I don't understand"),
    ],
)
async def test_bad_arguments_show_usage_and_reach_nobody(
    app: SlackApp, text: str, expected: str
) -> None:
    message = await app.reply(text)
    check_message(message)
    assert message["response_type"] == "ephemeral"
    assert expected in text_of(message)
    assert "/batch watches" in text_of(message)
    assert app.bland.requests == []


async def test_unknown_batch_is_named(app: SlackApp) -> None:
    message = await app.reply("NoSuchBatch123")
    assert "Bland has no batch or call `NoSuchBatch123`." in message["text"]
    assert message["response_type"] == "ephemeral"


async def test_errors_from_bland_are_plain(app: SlackApp) -> None:
    app.bland.fail_next(5, status=503)
    message = await app.reply(SMALL)
    assert (
        message["text"]
        == ":warning: Bland is having trouble (HTTP 503). Try again in a minute."[10:]
        or "HTTP 503" in message["text"]
    )
    app.bland.clear_faults()
    app.bland.rate_limit_next(5, retry_after=60)
    message = await app.reply(SMALL)
    assert message["text"] == "Bland is rate limiting requests right now. Try again in about 60 s."
    app.bland.clear_faults()
    app.bland.fail_next(1, status=401, message="Invalid API key")
    message = await app.reply(SMALL)
    assert message["text"] == "Bland refused this app's API key."
    assert "admin" in text_of(message)
    app.bland.garble_next(3)
    message = await app.reply(SMALL)
    assert message["text"] == "Bland sent an answer I couldn't read. Try again in a minute."


async def test_ack_comes_first_when_bland_is_slow(app: SlackApp) -> None:
    app.bland.hang_next(3, seconds=2.5)
    started = time.monotonic()
    status, body, token = await app.command(SMALL)
    acked_after = time.monotonic() - started
    assert status == 200 and body == ""
    message = (await app.slack.wait_for_response(token, within=20))[0]
    answered_after = time.monotonic() - started
    # Ordering, not timing: the ack returned before Bland had answered.
    assert acked_after < answered_after
    assert "taking too long" in message["text"]


async def test_bad_signature_is_refused(app: SlackApp) -> None:
    status, _, token = await app.command(SMALL, secret="wrong-secret")
    assert status == 401
    old = int(time.time()) - 600
    status, _, _ = await app.command(SMALL, timestamp=old)
    assert status == 401
    assert app.bland.requests == []
    assert token not in app.slack.responses


async def test_buttons_navigate(app: SlackApp) -> None:
    status, token = await app.click("batch_calls", f"calls {SMALL} 1")
    assert status == 200
    message = (await app.slack.wait_for_response(token))[0]
    check_message(message)
    assert message["replace_original"] is True
    assert message["text"].startswith("Calls 1–3 of 3")
    status, token = await app.click("batch_open", SMALL, ephemeral=False)
    message = (await app.slack.wait_for_response(token))[0]
    assert message["replace_original"] is False
    assert message["text"].startswith("Batch Subscription Renewal Reminders")


async def test_picker_opens_the_chosen_transcript(app: SlackApp) -> None:
    picker = await app.reply(f"transcript {SMALL}")
    select = picker["blocks"][2]
    option = select["elements"][0]["options"][0]
    _, token = await app.click(
        "call_transcript_pick",
        block_id=select["block_id"],
        selected_option=option,
        type="static_select",
    )
    message = (await app.slack.wait_for_response(token))[0]
    check_message(message)
    assert option["value"] in text_of(message)


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("batch_refresh", "watch DemoSmall0000003-gen-batch"),
        ("batch_calls", "calls ../../admin 1"),
        ("batch_open", "<!channel>"),
        ("batch_unwatch", None),
        ("call_transcript", "transcript DemoSmall0000003-gen-batch x"),
    ],
)
async def test_forged_button_values_change_nothing(
    app: SlackApp, action_id: str, value: str | None
) -> None:
    status, token = await app.click(action_id, value)
    assert status == 200
    message = (await app.slack.wait_for_response(token))[0]
    check_message(message)
    assert message["response_type"] == "ephemeral"
    assert app.bland.requests == []
    assert await app.store.list_watches() == []


async def test_watch_unwatch_and_list(app: SlackApp) -> None:
    message = await app.reply(f"watch {LIVE}")
    check_message(message)
    assert message["response_type"] == "ephemeral"  # the progress message is the public one
    assert len(app.slack.posted("C0CHANNEL")) == 1
    assert "<@U0MEMBER> is watching batch *Customer Satisfaction Follow-up*" in message["text"]
    again = await app.reply(f"watch {LIVE}")
    assert "already watching" in again["text"]
    listing = await app.reply("watches")
    check_message(listing)
    assert LIVE in text_of(listing) and "set up by <@U0MEMBER>" in text_of(listing)
    summary = await app.reply(LIVE)
    labels = [b["text"]["text"] for b in summary["blocks"][-1]["elements"]]
    assert "Unwatch" in labels and "Watch" not in labels
    gone = await app.reply(f"unwatch {LIVE}")
    assert "Stopped watching" in gone["text"]
    assert await app.store.list_watches(channel_id="C0CHANNEL") == []


async def test_watch_refuses_unknown_and_finished(app: SlackApp) -> None:
    unknown = await app.reply("watch NoSuchBatch123")
    assert "`NoSuchBatch123`" in unknown["text"]
    done = await app.reply(f"watch {SMALL}")
    check_message(done)
    assert done["text"].startswith("Already finished.")
    assert await app.store.list_watches() == []


async def test_no_secret_reaches_logs_or_replies(
    app: SlackApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app.bland.fail_next(3, status=500)
    await app.reply(SMALL)
    await app.reply("NoSuchBatch123")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    replies = json.dumps(app.slack.responses)
    for secret in ("test-key", "test-signing-secret", "xoxb-test-token"):
        assert secret not in replies
    assert "Traceback" not in replies and "Traceback" not in logged


async def test_batches_show_each_status_fetched_without_calls(app: SlackApp) -> None:
    message = await app.reply("", command="/batches")
    check_message(message)
    entries = {
        b["accessory"]["value"]: b["text"]["text"]
        for b in message["blocks"]
        if b.get("accessory", {}).get("action_id") == "batch_open"
    }
    assert entries[SMALL].startswith(
        "*Subscription Renewal Reminders*\n:white_check_mark: Completed"
    )
    assert ":hourglass_flowing_sand: In progress" in entries[LIVE]
    details = [r for r in app.bland.requests if r.path.startswith("/v1/batches/")]
    assert len(details) == len(entries)
    assert all(r.query["include_calls"] == "false" for r in details)


async def test_a_failing_status_does_not_spoil_the_list(app: SlackApp) -> None:
    app.bland.fail_next(1, status=500, path=f"/v1/batches/{SMALL}")
    app.bland.hang_next(1, seconds=8, path=f"/v1/batches/{LIVE}")
    message = await app.reply("", command="/batches")
    check_message(message)
    text = text_of(message)
    assert text.count("status unknown") == 2
    assert "Subscription Renewal Reminders" in text
