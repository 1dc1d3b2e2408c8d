"""CSV exports: private by default, in the channel only when asked, and bounded."""

from __future__ import annotations

import csv
import io

from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp

SMALL = "DemoSmall0000003-gen-batch"


async def test_typed_export_goes_to_the_person_who_asked_by_dm(app: SlackApp) -> None:
    reply = await app.reply(f"export {SMALL}", user_id="U0MEMBER")
    check_message(reply)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == ":page_facing_up: Exported 3 calls as CSV to you in a direct message."
    assert app.slack.last("conversations.open").params["users"] == "U0MEMBER"
    complete = app.slack.last("files.completeUploadExternal")
    assert complete.params["channel_id"] == "DU0MEMBER"
    # Nothing of the batch reached the channel.
    assert app.slack.posted("C0CHANNEL") == []
    assert [c.params["channel_id"] for c in app.slack.calls_to("files.completeUploadExternal")] == [
        "DU0MEMBER"
    ]
    rows = list(csv.DictReader(io.StringIO(app.slack.uploads[0].data.decode("utf-8-sig"))))
    assert len(rows) == 3


async def test_export_here_posts_in_the_channel_saying_who_asked(app: SlackApp) -> None:
    reply = await app.reply(f"export {SMALL} here", user_id="U0MEMBER")
    check_message(reply)
    assert reply["text"] == ":page_facing_up: Exported 3 calls as CSV to this channel."
    complete = app.slack.last("files.completeUploadExternal")
    assert complete.params["channel_id"] == "C0CHANNEL"
    assert complete.params["initial_comment"].startswith("<@U0MEMBER> exported 3 calls of ")
    assert app.slack.calls_to("conversations.open") == []


async def test_the_export_button_sends_the_file_to_whoever_clicked(app: SlackApp) -> None:
    summary = await app.reply(SMALL)
    [button] = [
        e for e in summary["blocks"][-1]["elements"] if e.get("action_id") == "batch_export"
    ]
    _, token = await app.click("batch_export", button["value"], user_id="U0GUEST")
    reply = (await app.slack.wait_for_response(token, within=10))[0]
    assert reply["response_type"] == "ephemeral"
    assert "to you in a direct message" in reply["text"]
    assert app.slack.last("files.completeUploadExternal").params["channel_id"] == "DU0GUEST"


async def test_one_export_per_person_and_two_at_once(app: SlackApp) -> None:
    gate = app.slack.hold("conversations.open")
    _, first = await app.click("batch_export", f"export {SMALL}", user_id="U0MEMBER")
    await app.slack.wait_for("conversations.open", 1)

    _, again = await app.click("batch_export", f"export {SMALL} transcripts", user_id="U0MEMBER")
    busy = (await app.slack.wait_for_response(again))[0]
    check_message(busy)
    assert busy["response_type"] == "ephemeral"
    assert busy["text"] == (
        "Your last export is still being prepared. Wait for it to arrive, then try again."
    )

    _, second = await app.click("batch_export", f"export {SMALL}", user_id="U0ADMIN")
    await app.slack.wait_for("conversations.open", 2)
    _, third = await app.click("batch_export", f"export {SMALL}", user_id="U0OWNER")
    full = (await app.slack.wait_for_response(third))[0]
    check_message(full)
    assert full["response_type"] == "ephemeral"
    assert full["text"] == (
        "2 exports are being prepared already, the most this app runs at once. "
        "Try again in a minute."
    )
    # Refused exports never reached Bland.
    assert app.bland.count(f"/v1/batches/{SMALL}") == 2

    gate.set()
    for token in (first, second):
        done = (await app.slack.wait_for_response(token, within=10))[0]
        assert done["text"].startswith(":page_facing_up: Exported 3 calls")
    assert sorted(
        c.params["channel_id"] for c in app.slack.calls_to("files.completeUploadExternal")
    ) == ["DU0ADMIN", "DU0MEMBER"]

    # Finished exports, and failed ones, give their slot back.
    failed = await app.reply("export NoSuchBatch12345-gen-batch", user_id="U0OWNER")
    assert "Bland has no batch" in failed["text"]
    after = await app.reply(f"export {SMALL}", user_id="U0OWNER")
    assert after["text"].startswith(":page_facing_up: Exported 3 calls")
