"""A watched v2 batch's progress message and completion alert: exact content, within
Slack's limits, and the same alert whether a poll or the status webhook saw the end."""

from __future__ import annotations

import json
from typing import Any

from bot.bland.lifecycle import LifecycleCounts
from bot.bland.models_v2 import BatchV2, LogEntry, StatusWebhook
from bot.bland.view import view_of_v2
from formatters.alert_v2 import completion_alert_v2
from formatters.progress_v2 import FINISHED, GONE, UNWATCHED, lifecycle_progress
from tests.support.bland import V2_FIXTURE_BATCH_ID, read_fixture
from tests.support.blockkit import check_message

BATCH = "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22"
DISPATCHING = LifecycleCounts(
    total=None,
    completed=None,
    errored=None,
    status="dispatching",
    message="Requested: 120. Validated: 120. Dispatched: 80. CPS: 1.12.",
)


def sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [str(b["text"]["text"]) for b in blocks if b["type"] == "section" and "text" in b]


def test_running_shows_the_phase_and_latest_lifecycle_message() -> None:
    message = lifecycle_progress(batch_id=BATCH, label="Renewals", counts=DISPATCHING)
    check_message(message)
    assert message.text == f"Batch Renewals ({BATCH}) is running: Dispatching."
    assert sections(message.blocks) == [
        f":hourglass_flowing_sand: Batch *Renewals* `{BATCH}` is running.",
        "*Dispatching* · Requested: 120. Validated: 120. Dispatched: 80. CPS: 1.12.",
    ]
    [note] = [b for b in message.blocks if b["type"] == "context"]
    assert note["elements"][0]["text"] == (
        "Updated here as Bland reports each phase; call totals come when it finishes."
    )
    [buttons] = [b for b in message.blocks if b["type"] == "actions"]
    assert [e["action_id"] for e in buttons["elements"]] == ["batch_open", "batch_unwatch"]


def test_a_log_without_a_state_yet_says_so() -> None:
    counts = LifecycleCounts(total=None, completed=None, errored=None)
    message = lifecycle_progress(batch_id=BATCH, label=None, counts=counts)
    assert message.text == f"Batch {BATCH} is running: No progress reported yet."
    assert sections(message.blocks)[1] == "_No progress reported yet_"


def test_finished_shows_totals_and_success_rate_without_buttons_to_unwatch() -> None:
    counts = LifecycleCounts(
        total=120, completed=120, errored=18, status="completed", message="stale phase"
    )
    message = lifecycle_progress(batch_id=BATCH, label="Renewals", counts=counts, state=FINISHED)
    check_message(message)
    assert message.text == (
        f"Batch Renewals ({BATCH}) finished: 120 calls, 102 successful, 18 failed (85%)."
    )
    assert sections(message.blocks) == [
        f":white_check_mark: Batch *Renewals* `{BATCH}` finished.",
        "*Completed*",
        "`▕████████████████████▏ 100%`  *120* calls · *102* successful · *18* failed · "
        "success rate *85%*",
    ]
    [buttons] = [b for b in message.blocks if b["type"] == "actions"]
    assert [e["action_id"] for e in buttons["elements"]] == ["batch_open"]


def test_unwatched_and_gone_keep_the_last_state_seen() -> None:
    unwatched = lifecycle_progress(batch_id=BATCH, label=None, counts=DISPATCHING, state=UNWATCHED)
    assert unwatched.text == f"Batch {BATCH} is no longer watched here: Dispatching."
    never_seen = LifecycleCounts(total=None, completed=None, errored=None)
    gone = lifecycle_progress(batch_id=BATCH, label=None, counts=never_seen, state=GONE)
    assert gone.text == f"Batch {BATCH} is no longer known to Bland."
    assert sections(gone.blocks) == [f":ghost: Batch `{BATCH}` is no longer known to Bland."]


def test_the_key_changes_with_the_phase_and_the_message() -> None:
    keys = {
        DISPATCHING.key(),
        LifecycleCounts(None, None, None, status="in_progress", message=DISPATCHING.message).key(),
        LifecycleCounts(None, None, None, status="dispatching", message="Dispatched: 81.").key(),
    }
    assert len(keys) == 3
    assert DISPATCHING.key() == LifecycleCounts(**vars(DISPATCHING)).key()


def test_completion_alert_from_the_documented_log() -> None:
    logs = [LogEntry.lenient(entry) for entry in read_fixture("v2_batch_logs")["data"]]
    view = view_of_v2(BatchV2(id=V2_FIXTURE_BATCH_ID, description="My first batch"), logs)
    message = completion_alert_v2(view, batch_id=V2_FIXTURE_BATCH_ID, mention_user_ids=["U0ALICE"])
    check_message(message)
    assert message.text == (
        f"Batch My first batch ({V2_FIXTURE_BATCH_ID}) finished: 1 calls, 1 successful, "
        "0 failed (100% success). <@U0ALICE>"
    )
    header, lead, totals, ended, buttons = message.blocks
    assert header["text"]["text"] == "✅ My first batch"
    assert lead["text"]["text"] == (
        f":white_check_mark: Batch *My first batch* `{V2_FIXTURE_BATCH_ID}` finished.\n"
        "<@U0ALICE>, you asked to hear when it was done."
    )
    assert [f["text"] for f in totals["fields"]] == [
        "*Status*\nCompleted",
        "*Total calls*\n1",
        "*Successful*\n1",
        "*Failed*\n0",
        "*Success rate*\n100%",
    ]
    assert ended["elements"][0]["text"].startswith("Ended <!date^1746732522^")
    assert [e["action_id"] for e in buttons["elements"]] == ["batch_open"]


def test_a_failed_batch_says_why() -> None:
    body = {
        "batch_id": BATCH,
        "status": "failed",
        "timestamp": "2026-03-02T10:00:00.000Z",
        "code": "INSUFFICIENT_BALANCE",
        "reason": "The account balance is too low <to start> this batch.",
    }
    event = StatusWebhook.from_body(json.dumps(body).encode())
    view = view_of_v2(BatchV2(id=BATCH), [event.as_log_entry()])
    message = completion_alert_v2(view, batch_id=BATCH, label="Spring promotion")
    check_message(message)
    assert message.text == (
        f"Batch Spring promotion ({BATCH}) ended: Failed: "
        "The account balance is too low &lt;to start&gt; this batch."
    )
    assert sections(message.blocks)[-1] == (
        ":x: *Why it failed* `INSUFFICIENT_BALANCE` "
        "The account balance is too low &lt;to start&gt; this batch."
    )


def test_the_webhook_and_the_log_render_the_same_alert() -> None:
    logs = [LogEntry.lenient(entry) for entry in read_fixture("v2_batch_logs")["data"]]
    by_poll = view_of_v2(BatchV2(id=V2_FIXTURE_BATCH_ID), logs)
    body = {
        "batch_id": V2_FIXTURE_BATCH_ID,
        "status": "completed",
        "timestamp": "2025-05-08T19:28:42.748Z",
        "calls_total": 1,
        "calls_successful": 1,
        "calls_failed": 0,
    }
    event = StatusWebhook.from_body(json.dumps(body).encode())
    by_webhook = view_of_v2(BatchV2(id=V2_FIXTURE_BATCH_ID), [event.as_log_entry()])
    options: dict[str, Any] = {
        "batch_id": V2_FIXTURE_BATCH_ID,
        "mention_user_ids": ["U0ALICE"],
        "label": "Survey",
    }
    assert completion_alert_v2(by_poll, **options) == completion_alert_v2(by_webhook, **options)
