"""Socket Mode: the real app behind slack_sdk's client, over a local WebSocket server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app import build_app
from bot.bland.client import BlandClient
from bot.demo.server import BlandServer
from bot.services import Services
from bot.slack.clients import make_slack_client
from bot.storage.base import Store
from tests.support.bland import BLAND_KEY
from tests.support.blockkit import check_message
from tests.support.slack_standin import SlackStandIn


@pytest.fixture
async def socket_app(
    bland: BlandServer, slack: SlackStandIn, store: Store
) -> AsyncIterator[AsyncSocketModeHandler]:
    client = BlandClient(api_key=BLAND_KEY, base_url=bland.url)
    app = build_app(
        client=make_slack_client("xoxb-test-token", slack.api_url),
        services=Services(bland=client, store=store),
        signing_secret=None,
    )
    handler = AsyncSocketModeHandler(app, "xapp-test-token")
    await handler.connect_async()
    yield handler
    await handler.close_async()
    await client.aclose()


async def test_command_and_click_over_socket_mode(
    socket_app: AsyncSocketModeHandler, slack: SlackStandIn
) -> None:
    assert slack.last("apps.connections.open").headers["Authorization"] == "Bearer xapp-test-token"
    ack = await slack.push_slash_command("DemoSmall0000003-gen-batch", response_token="cmd")
    assert set(ack) >= {"envelope_id"}
    summary = (await slack.wait_for_response("cmd"))[0]
    check_message(summary)
    calls_button = summary["blocks"][-1]["elements"][1]
    await slack.push_interactive(
        {
            "type": "block_actions",
            "user": {"id": "U0MEMBER"},
            "team": {"id": slack.team_id},
            "api_app_id": slack.app_id,
            "container": {"type": "message", "is_ephemeral": True},
            "channel": {"id": "C0CHANNEL"},
            "response_url": slack.response_url("click"),
            "actions": [{**calls_button, "block_id": "b", "action_ts": "1"}],
        }
    )
    calls = (await slack.wait_for_response("click"))[0]
    check_message(calls)
    assert calls["replace_original"] is True
    assert calls["text"].startswith("Calls 1–3 of 3")
