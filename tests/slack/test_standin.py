"""The Slack stand-in, exercised through slack_sdk's real clients."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.demo.scenarios import SMALL_BATCH_ID
from tests.support.slack_standin import SlackStandIn


async def test_post_message_is_recorded(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    first = await web.chat_postMessage(channel="C1", text="hello", blocks=[{"type": "divider"}])
    second = await web.chat_postMessage(channel="C1", text="again")
    assert first["ok"] and first["channel"] == "C1"
    assert float(second["ts"]) > float(first["ts"])
    call = slack.last("chat.postMessage")
    assert call.params["text"] == "again"
    assert slack.calls_to("chat.postMessage")[0].params["blocks"] == [{"type": "divider"}]
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    assert [message["text"] for message in slack.posted("C1")] == ["hello", "again"]


async def test_a_held_call_lands_after_a_later_one(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    posted = await web.chat_postMessage(channel="C1", text="v1")
    slack.hold_until_overtaken("chat.update", at_most=5.0)
    early = asyncio.create_task(web.chat_update(channel="C1", ts=posted["ts"], text="early"))
    await slack.wait_for("chat.update")
    assert slack.holding("chat.update") == 1
    await web.chat_update(channel="C1", ts=posted["ts"], text="late")
    assert (await early)["ok"]
    assert slack.holding("chat.update") == 0
    assert slack.posted("C1")[0]["text"] == "early", "the held edit landed last"


async def test_a_held_call_lands_on_its_own_after_a_while(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    slack.hold_until_overtaken("chat.postMessage", at_most=0.1)
    assert (await web.chat_postMessage(channel="C1", text="slow"))["ok"]
    assert [m["text"] for m in slack.posted("C1")] == ["slow"]


async def test_delete_removes_the_message(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    posted = await web.chat_postMessage(channel="C1", text="oops")
    assert (await web.chat_delete(channel="C1", ts=posted["ts"]))["ok"]
    assert slack.posted("C1") == []


async def test_rate_limit_then_ok(slack: SlackStandIn) -> None:
    slack.rate_limit("chat.postMessage", times=1, retry_after=0)
    web = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    response = await web.chat_postMessage(channel="C1", text="after a wait")
    assert response["ok"]
    assert len(slack.calls_to("chat.postMessage")) == 2


async def test_server_error_then_ok(slack: SlackStandIn) -> None:
    slack.server_error("chat.update", times=1)
    web = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[AsyncServerErrorRetryHandler(max_retry_count=1)],
    )
    posted = await web.chat_postMessage(channel="C1", text="v1")
    updated = await web.chat_update(channel="C1", ts=posted["ts"], text="v2")
    assert updated["ok"] and slack.posted("C1")[0]["text"] == "v2"
    assert len(slack.calls_to("chat.update")) == 2


async def test_channel_failures(slack: SlackStandIn) -> None:
    from slack_sdk.errors import SlackApiError

    slack.fail_channel("C_ARCHIVED", "is_archived")
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    with pytest.raises(SlackApiError) as caught:
        await web.chat_postMessage(channel="C_ARCHIVED", text="hi")
    assert caught.value.response["error"] == "is_archived"
    assert (await web.chat_postMessage(channel="C_OTHER", text="hi"))["ok"]


async def test_files_upload_v2(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    response = await web.files_upload_v2(
        channel="C1", filename="calls.csv", content="call_id,status\n1,completed\n", title="Calls"
    )
    assert response["file"]["name"] == "calls.csv"
    assert slack.uploads[0].data == b"call_id,status\n1,completed\n"
    assert slack.methods() == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    assert slack.last("files.completeUploadExternal").params["channel_id"] == "C1"


async def test_history_returns_metadata_newest_first(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    metadata = {"event_type": "batch_watch", "event_payload": {"batch_id": SMALL_BATCH_ID}}
    posted = await web.chat_postMessage(channel="C1", text="watching", metadata=metadata)
    await web.chat_postMessage(channel="C1", text="newer")
    await web.chat_postMessage(channel="C2", text="elsewhere")
    history = await web.conversations_history(channel="C1", include_all_metadata=True, limit=10)
    assert [message["text"] for message in history["messages"]] == ["newer", "watching"]
    assert history["messages"][1]["metadata"] == metadata
    plain = await web.conversations_history(channel="C1", oldest=posted["ts"])
    assert [message["text"] for message in plain["messages"]] == ["newer"]
    assert "metadata" not in plain["messages"][0]


async def test_users_and_auth(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    assert (await web.auth_test())["user_id"] == slack.bot_user_id
    slack.add_user("U9", real_name="Nine", is_admin=True)
    user = (await web.users_info(user="U9"))["user"]
    assert user["is_admin"] and user["real_name"] == "Nine"


async def test_response_url_records_what_the_user_saw(slack: SlackStandIn) -> None:
    webhook = AsyncWebhookClient(slack.response_url("t1"))
    await webhook.send(text="only you can see this", response_type="ephemeral")
    assert (await slack.wait_for_response("t1")) == [
        {"text": "only you can see this", "response_type": "ephemeral"}
    ]


async def test_socket_mode_round_trip(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    socket_client = SocketModeClient(app_token="xapp-test", web_client=web)
    seen: list[dict[str, Any]] = []

    async def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
        seen.append(request.payload)
        body = {"text": f"got {request.payload.get('text')}"}
        await client.send_socket_mode_response(SocketModeResponse(request.envelope_id, body))

    socket_client.socket_mode_request_listeners.append(on_request)  # type: ignore[arg-type]
    await socket_client.connect()
    try:
        ack = await slack.push_slash_command("list", within=5)
    finally:
        await socket_client.close()
    assert seen[0]["command"] == "/batch" and seen[0]["text"] == "list"
    assert ack["payload"] == {"text": "got list"}
    assert json.loads(json.dumps(ack))["envelope_id"]


async def test_socket_mode_interactive_envelope(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    socket_client = SocketModeClient(app_token="xapp-test", web_client=web)

    async def ack_only(client: SocketModeClient, request: SocketModeRequest) -> None:
        await client.send_socket_mode_response(SocketModeResponse(request.envelope_id))

    socket_client.socket_mode_request_listeners.append(ack_only)  # type: ignore[arg-type]
    await socket_client.connect()
    try:
        ack = await slack.push_interactive({"type": "block_actions", "actions": []})
    finally:
        await socket_client.close()
    assert set(ack) == {"envelope_id"}
    assert slack.last("apps.connections.open").headers["Authorization"] == "Bearer xapp-test"
