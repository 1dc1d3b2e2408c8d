"""Export CSV and Stop, through signed clicks and commands against the stand-ins."""

from __future__ import annotations

import csv
import io

from bot.bland.client import BlandClient
from bot.demo.details import make_batch
from bot.services import Services
from bot.slack.clients import make_slack_client
from handlers.stopping import may_stop
from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp
from tests.support.slack_standin import SlackStandIn

LIVE = "DemoLive00000040-gen-batch"
SMALL = "DemoSmall0000003-gen-batch"
FORMULAS = "FormulaCells0001-gen-batch"


def formula_batch() -> dict[str, object]:
    batch = make_batch(FORMULAS, calls=3, status="completed", seed=3, label="=cmd|' /C calc'!A0")
    calls = batch["call_data"]
    assert isinstance(calls, list)
    calls[0]["error_message"] = '=HYPERLINK("http://evil.example","click")'
    calls[0]["to"] = "+15551234567"
    calls[1]["error_message"] = "@SUM(A1:A9)"
    calls[1]["to"] = "-2+3"
    calls[2]["error_message"] = "+cmd"
    return batch


async def test_export_csv_uploads_a_safe_file_to_whoever_asked(app: SlackApp) -> None:
    app.bland.add_batch(formula_batch())
    status, token = await app.click("batch_export", f"export {FORMULAS}")
    assert status == 200
    reply = (await app.slack.wait_for_response(token, within=10))[0]
    check_message(reply)
    assert reply["text"] == ":page_facing_up: Exported 3 calls as CSV to you in a direct message."
    upload = app.slack.uploads[0]
    assert upload.filename == f"cmd-C-calc-A0-{FORMULAS}.csv"
    assert upload.data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(upload.data.decode("utf-8-sig"))))
    assert rows[0] == [
        "call_id",
        "to",
        "from",
        "status",
        "queue_status",
        "answered_by",
        "duration_seconds",
        "created_at",
        "end_at",
        "error_message",
    ]
    assert len(rows) == 4
    assert rows[1][1] == "+15551234567"  # E.164 stays readable
    assert rows[1][9] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[2][1] == "'-2+3"
    assert rows[2][9] == "'@SUM(A1:A9)"
    assert rows[3][9] == "'+cmd"
    complete = app.slack.last("files.completeUploadExternal")
    assert complete.params["channel_id"] == "DU0MEMBER"
    request = app.bland.requests_to(f"/v1/batches/{FORMULAS}")[0]
    assert request.query["include_transcripts"] == "false"


async def test_export_with_transcripts_and_dm_fallback(app: SlackApp) -> None:
    app.slack.fail_channel("C0CLOSED", "not_in_channel")
    reply = await app.reply(f"export {SMALL} transcripts here", channel_id="C0CLOSED")
    check_message(reply)
    assert "direct message" in reply["text"]
    complete = app.slack.last("files.completeUploadExternal")
    assert complete.params["channel_id"] == "DU0MEMBER"
    rows = list(csv.DictReader(io.StringIO(app.slack.uploads[-1].data.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert any(row["transcript"].startswith("Agent: ") for row in rows)
    assert app.bland.requests_to(f"/v1/batches/{SMALL}")[0].query["include_transcripts"] == "true"


async def test_stop_is_refused_politely_for_members(app: SlackApp) -> None:
    status, token = await app.click("batch_stop", f"stop {LIVE}", user_id="U0MEMBER")
    assert status == 200
    reply = (await app.slack.wait_for_response(token))[0]
    check_message(reply)
    assert reply["response_type"] == "ephemeral"
    assert "Only workspace admins and owners and <@U0LISTED> can stop a batch" in reply["text"]
    assert app.bland.count(f"/v1/batches/{LIVE}/stop") == 0
    assert app.bland.batch(LIVE).response()["status"] == "in-progress"


async def test_admins_and_listed_users_may_stop(app: SlackApp) -> None:
    _, token = await app.click("batch_stop", f"stop {LIVE}", user_id="U0ADMIN")
    reply = (await app.slack.wait_for_response(token))[0]
    check_message(reply)
    assert reply["response_type"] == "in_channel"
    assert reply["text"].startswith(":octagonal_sign: <@U0ADMIN> stopped *Customer Satisfaction")
    assert app.bland.count(f"/v1/batches/{LIVE}/stop") == 1
    again = await app.click("batch_stop", f"stop {LIVE}", user_id="U0LISTED")
    reply = (await app.slack.wait_for_response(again[1]))[0]
    assert "isn't in progress" in reply["text"]
    assert app.bland.count(f"/v1/batches/{LIVE}/stop") == 1


async def test_typed_stop_only_prompts(app: SlackApp) -> None:
    reply = await app.reply(f"stop {LIVE}", user_id="U0ADMIN")
    check_message(reply)
    button = reply["blocks"][-1]["elements"][0]
    assert button["action_id"] == "batch_stop"
    assert button["confirm"]["text"]["text"].startswith("Stop 16 remaining calls of ")
    assert app.bland.count(f"/v1/batches/{LIVE}/stop") == 0


async def test_forged_stop_and_export_values_reach_nothing(app: SlackApp) -> None:
    for action_id, value in (
        ("batch_stop", "stop ../v1/batches"),
        ("batch_stop", f"export {LIVE}"),
        ("batch_export", f"stop {LIVE}"),
    ):
        _, token = await app.click(action_id, value, user_id="U0ADMIN")
        reply = (await app.slack.wait_for_response(token))[0]
        assert "That button's data isn't valid" in reply["text"]
    assert app.bland.requests == []
    assert app.slack.uploads == []


async def test_stop_outcome_goes_into_the_progress_thread(app: SlackApp) -> None:
    await app.reply(f"watch {LIVE}")
    [progress] = app.slack.posted("C0CHANNEL")
    _, token = await app.click("batch_stop", f"stop {LIVE}", user_id="U0OWNER")
    reply = (await app.slack.wait_for_response(token))[0]
    assert "<@U0OWNER> stopped" in reply["text"]
    threaded = [
        call for call in app.slack.calls_to("chat.postMessage") if call.params.get("thread_ts")
    ]
    assert [call.params["thread_ts"] for call in threaded] == [progress["ts"]]
    assert "<@U0OWNER> stopped" in threaded[0].params["text"]


async def test_an_admin_of_another_organisation_may_not_stop(app: SlackApp) -> None:
    # In a channel shared with another organisation, their admins are not ours; the
    # click says it comes from their team, as such a click does.
    app.slack.add_user("U0EXTADMIN", name="eve", is_admin=True, is_owner=True, team_id="T0OTHER")
    _, token = await app.click(
        "batch_stop", f"stop {LIVE}", user_id="U0EXTADMIN", team_id="T0OTHER"
    )
    reply = (await app.slack.wait_for_response(token))[0]
    check_message(reply)
    assert reply["response_type"] == "ephemeral"
    assert "Only workspace admins and owners and <@U0LISTED> can stop a batch" in reply["text"]
    assert app.bland.count(f"/v1/batches/{LIVE}/stop") == 0


async def test_without_a_known_workspace_the_admin_check_asks_slack(
    app: SlackApp, slack: SlackStandIn
) -> None:
    # Called directly (no Bolt context), the workspace comes from auth.test.
    app.slack.add_user("U0EXTADMIN", name="eve", is_admin=True, team_id="T0OTHER")
    client = make_slack_client("xoxb-test-token", slack.api_url)
    services = Services(bland=BlandClient(api_key="unused", base_url=app.bland.url))
    try:
        assert await may_stop("U0ADMIN", services, client) is True
        assert await may_stop("U0EXTADMIN", services, client) is False
        assert await may_stop("U0MEMBER", services, client) is False
    finally:
        await services.bland.aclose()
    assert len(slack.calls_to("auth.test")) == 3
