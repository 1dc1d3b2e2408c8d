"""The completion alert's exact content, and that outside text cannot break or ping."""

from __future__ import annotations

from bot.bland.models import BatchDetail
from formatters.alert import completion_alert
from tests.support.blockkit import check_message
from tests.support.examples import BATCH_ID, detail


def test_completed_batch() -> None:
    message = completion_alert(
        detail(status="completed"), batch_id=BATCH_ID, mention_user_ids=["U0ALICE"]
    )
    check_message(message)
    assert message.text == (
        "Batch Customer Satisfaction Follow-up (AAcQq8zXxLB56LWg-gen-batch) finished: "
        "86 of 88 calls completed, 1 errored. <@U0ALICE>"
    )
    header, lead, totals, breakdown, errors, dates, buttons = message.blocks
    assert header["text"]["text"] == "✅ Customer Satisfaction Follow-up"
    assert lead["text"]["text"] == (
        ":white_check_mark: Batch *Customer Satisfaction Follow-up* "
        "`AAcQq8zXxLB56LWg-gen-batch` finished.\n<@U0ALICE>, you asked to hear when it was done."
    )
    assert [f["text"] for f in totals["fields"]] == [
        "*Status*\ncompleted",
        "*Calls*\n88",
        "*Completed*\n86",
        "*Errored*\n1",
        "*Ran for*\n195 h 33 min",
        "*Average call*\n17 s",
    ]
    assert [f["text"] for f in breakdown["fields"]] == [
        "*Queue statuses*\ncomplete: *85*\nstarted: *2*\ncall_error: *1*",
        "*Answered by*\nvoicemail: *1*",
    ]
    assert errors["text"]["text"] == (
        "*First errors* (1 in all)\n"
        "• `c52f5f8c` Cannot transfer to +12223334444 - Call is no longer active"
    )
    assert dates["elements"][0]["text"].startswith("Started <!date^1701981824^")
    assert buttons["elements"] == [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Details", "emoji": True},
            "action_id": "batch_open",
            "value": BATCH_ID,
            "style": "primary",
        }
    ]


def test_failed_batch_and_watch_label() -> None:
    message = completion_alert(
        detail(status="failed"), batch_id=BATCH_ID, mention_user_ids=["U0BOB"], label="Q3 survey"
    )
    check_message(message)
    assert message.blocks[0]["text"]["text"] == "⚠️ Q3 survey"
    assert "`AAcQq8zXxLB56LWg-gen-batch` ended: failed." in message.blocks[1]["text"]["text"]
    assert message.text.startswith("Batch Q3 survey (AAcQq8zXxLB56LWg-gen-batch) ended: failed:")


def test_hostile_text_is_escaped_and_mentions_are_checked() -> None:
    evil = "<!channel> <@U123> <https://evil.example|click> & *bold*"
    data = detail(status="<!here>").model_dump(by_alias=True)
    data["batch_params"]["label"] = evil
    data["analysis"]["error_messages"] = [
        {"call_id": f"call-{i}", "error_message": evil * 20} for i in range(40)
    ]
    data["analysis"]["queue_statuses"] = {f"<!s{i}>": i for i in range(30)}
    message = completion_alert(
        BatchDetail.lenient(data),
        batch_id=BATCH_ID,
        mention_user_ids=["U0ALICE", "<!channel>", "U0BOB|x"],
    )
    check_message(message)
    assert "<@U0ALICE>" in message.text
    assert "<!channel>" not in message.text
    assert "_…and 37 more_" in message.blocks[4]["text"]["text"]


def test_a_batch_with_nothing_but_a_status() -> None:
    message = completion_alert(
        BatchDetail.lenient({"status": "completed"}), batch_id=BATCH_ID, mention_user_ids=[]
    )
    check_message(message)
    assert message.text == (
        "Batch Untitled batch (AAcQq8zXxLB56LWg-gen-batch) finished: - of - calls completed, "
        "0 errored."
    )
    assert [b["type"] for b in message.blocks] == [
        "header",
        "section",
        "section",
        "context",
        "actions",
    ]
