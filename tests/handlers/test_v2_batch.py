"""`/batch <uuid>`, its buttons and `/batch stop <uuid>` on v2 batches, through the real app."""

from __future__ import annotations

import json
from typing import Any

from bot.demo.dataset_v2 import V2_FAILED_BATCH_ID, V2_FINISHED_BATCH_ID, V2_RUNNING_BATCH_ID
from bot.demo.hostile_v2 import V2_HOSTILE_BATCH_ID
from tests.support.bland import V2_FIXTURE_BATCH_ID
from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp

UNKNOWN = "0b0e8c57-9e6e-4e4d-84d2-9826b2268c22"
RUNNING_LABEL = "Appointment reminders (scheduled for tomorrow)"


def texts(message: dict[str, Any]) -> list[str]:
    found = []
    for block in message["blocks"]:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found.extend(field["text"] for field in block.get("fields", []))
    return found


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["text"]["text"], b["value"]) for b in message["blocks"][-1]["elements"]]


async def test_summary_of_a_finished_v2_batch(app: SlackApp) -> None:
    message = await app.reply(V2_FINISHED_BATCH_ID)
    check_message(message)
    assert message["response_type"] == "ephemeral"
    assert message["text"] == (
        f"Batch Customer Satisfaction Follow-up ({V2_FINISHED_BATCH_ID}): completed, "
        "12 of 12 calls completed"
    )
    shown = texts(message)
    assert "*Status*\n:white_check_mark: Completed" in shown
    assert "*Calls*\n12" in shown
    assert [t for t in shown if t.startswith(("*Successful*", "*Failed*", "*Success rate*"))] == [
        "*Successful*\n10",
        "*Failed*\n2",
        "*Success rate*\n83.3%",
    ]
    assert any(t.startswith("*Task*\n```You are calling {{name}}") for t in shown)
    assert any(t.startswith("*Latest update*") and "Requested: 12." in t for t in shown)
    assert [label for label, _ in buttons(message)] == [
        "Refresh",
        "Calls",
        "Transcripts",
        "Export CSV",
    ]
    paths = {r.path for r in app.bland.requests}
    assert paths == {
        f"/v2/batches/{V2_FINISHED_BATCH_ID}",
        f"/v2/batches/{V2_FINISHED_BATCH_ID}/logs",
    }


async def test_summary_of_the_documented_v2_batch(app: SlackApp) -> None:
    message = await app.reply(V2_FIXTURE_BATCH_ID)
    check_message(message)
    assert message["text"] == (
        f"Batch My first batch ({V2_FIXTURE_BATCH_ID}): completed, 1 of 1 calls completed"
    )
    assert "*Task*\n```Say hello to the user```" in texts(message)
    assert "*Success rate*\n100%" in texts(message)


async def test_a_running_v2_batch_may_be_watched_and_stopped(app: SlackApp) -> None:
    message = await app.reply(V2_RUNNING_BATCH_ID)
    check_message(message)
    assert "*Status*\n:calendar: Waiting for scheduled calls" in texts(message)
    assert "*Calls*\n6" in texts(message)  # what the latest lifecycle message requested
    assert message["text"] == (
        f"Batch {RUNNING_LABEL} ({V2_RUNNING_BATCH_ID}): waiting for scheduled calls"
    )
    assert buttons(message)[-2:] == [
        ("Watch", f"watch {V2_RUNNING_BATCH_ID}"),
        ("Stop", f"stop {V2_RUNNING_BATCH_ID}"),
    ]


async def test_a_failed_v2_batch_says_why(app: SlackApp) -> None:
    message = await app.reply(V2_FAILED_BATCH_ID)
    check_message(message)
    assert "*Status*\n:x: Failed" in texts(message)
    assert (
        ":x: *Why it failed* `INSUFFICIENT_BALANCE` The account balance is too low to start "
        "this batch." in texts(message)
    )


async def test_refresh_on_a_v2_summary(app: SlackApp) -> None:
    _, token = await app.click("batch_refresh", V2_FINISHED_BATCH_ID)
    message = (await app.slack.wait_for_response(token))[0]
    check_message(message)
    assert message["replace_original"] is True
    assert message["text"].startswith("Batch Customer Satisfaction Follow-up")


async def test_an_unknown_v2_batch_is_named(app: SlackApp) -> None:
    message = await app.reply(UNKNOWN)
    assert message["text"] == f"Bland has no batch or call `{UNKNOWN}`."
    app.bland.envelope_error_next(code="NOT_FOUND", message="Batch not found", status=200)
    message = await app.reply(V2_FINISHED_BATCH_ID)
    assert message["text"] == f"Bland has no batch or call `{V2_FINISHED_BATCH_ID}`."


async def test_hostile_v2_data_stays_within_slack_and_cannot_ping(app: SlackApp) -> None:
    for text in (
        V2_HOSTILE_BATCH_ID,
        f"calls {V2_HOSTILE_BATCH_ID}",
        f"transcript {V2_HOSTILE_BATCH_ID}",
        f"stop {V2_HOSTILE_BATCH_ID}",
    ):
        message = await app.reply(text)
        check_message(message)  # no "<" from Bland survives outside plain_text
    summary = await app.reply(V2_HOSTILE_BATCH_ID)
    shown = texts(summary)
    # A 12,000-character description, clipped; a base prompt that is not JSON, shown raw.
    assert len(summary["blocks"][0]["text"]["text"]) == 150
    prompt = "*Base prompt*\n```&lt;!here&gt; This is not JSON {{name}} ʹfenceʹ"
    assert any(t.startswith(prompt) for t in shown)
    # An unknown state is shown as sent and counts as running: it may be stopped.
    assert "*Status*\n:grey_question: quantum_flux" in shown
    assert buttons(summary)[-1] == ("Stop", f"stop {V2_HOSTILE_BATCH_ID}")
    assert "*Created*\nnot a time" in shown
    calls = await app.reply(f"calls {V2_HOSTILE_BATCH_ID}")
    assert "&lt;!here&gt; failed &amp; *retry*" in json.dumps(calls, ensure_ascii=False)


async def test_typed_stop_of_a_v2_batch_only_prompts(app: SlackApp) -> None:
    message = await app.reply(f"stop {V2_RUNNING_BATCH_ID}", user_id="U0ADMIN")
    check_message(message)
    button = message["blocks"][-1]["elements"][0]
    assert (button["action_id"], button["value"]) == ("batch_stop", f"stop {V2_RUNNING_BATCH_ID}")
    assert button["confirm"]["text"]["text"] == f"Stop the remaining calls of {RUNNING_LABEL}?"
    assert app.bland.count(f"/v2/batches/{V2_RUNNING_BATCH_ID}/stop") == 0
    finished = await app.reply(f"stop {V2_FINISHED_BATCH_ID}", user_id="U0ADMIN")
    assert "isn't in progress, so there is nothing to stop" in finished["text"]


async def test_only_those_allowed_stop_a_v2_batch_and_only_once(app: SlackApp) -> None:
    stop = f"/v2/batches/{V2_RUNNING_BATCH_ID}/stop"
    _, token = await app.click("batch_stop", f"stop {V2_RUNNING_BATCH_ID}", user_id="U0MEMBER")
    refused = (await app.slack.wait_for_response(token))[0]
    assert "Only workspace admins and owners and <@U0LISTED> can stop a batch" in refused["text"]
    assert app.bland.count(stop) == 0

    _, token = await app.click("batch_stop", f"stop {V2_RUNNING_BATCH_ID}", user_id="U0ADMIN")
    outcome = (await app.slack.wait_for_response(token))[0]
    check_message(outcome)
    assert outcome["response_type"] == "in_channel"
    assert outcome["text"] == (
        f":octagonal_sign: <@U0ADMIN> stopped *{RUNNING_LABEL}* `{V2_RUNNING_BATCH_ID}`: "
        "6 calls cancelled."
    )
    assert "Bland said: Batch stopped" in json.dumps(outcome)
    assert app.bland.count(stop, method="POST") == 1
    assert app.bland.v2_dataset[V2_RUNNING_BATCH_ID].state == "completed_partial"

    _, token = await app.click("batch_stop", f"stop {V2_RUNNING_BATCH_ID}", user_id="U0LISTED")
    again = (await app.slack.wait_for_response(token))[0]
    assert "isn't in progress" in again["text"]
    assert app.bland.count(stop) == 1
