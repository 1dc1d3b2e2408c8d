"""The app under test as seen from Slack: signed commands, clicks and events sent to it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.bland.client import Backoff
from bot.demo.server import BlandServer
from bot.storage.base import Store
from tests.support.slack_standin import SlackStandIn

SIGNING_SECRET = "test-signing-secret"
# The app's Bland client retries within milliseconds, so error tests stay quick.
QUICK = Backoff(initial=0.01, cap=0.05, max_retry_after=2)


@dataclass
class SlackApp:
    """The running app, plus the stand-ins behind it."""

    url: str
    session: aiohttp.ClientSession
    slack: SlackStandIn
    bland: BlandServer
    store: Store
    tokens: Any = field(default_factory=lambda: iter(range(1, 10_000)))

    async def post(
        self,
        body: str,
        *,
        content_type: str,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
    ) -> tuple[int, str]:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
        assert signature is not None  # None only when the timestamp or body is
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": signature,
        }
        async with self.session.post(self.url, data=body.encode(), headers=headers) as response:
            return response.status, await response.text()

    async def command(
        self,
        text: str,
        *,
        command: str = "/batch",
        user_id: str = "U0MEMBER",
        channel_id: str = "C0CHANNEL",
        **sign: Any,
    ) -> tuple[int, str, str]:
        """Send a signed slash command; returns (status, ack body, response token)."""
        token = f"r{next(self.tokens)}"
        form = {
            "token": "legacy",
            "team_id": "T0STANDIN",
            "team_domain": "standin",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "max",
            "command": command,
            "text": text,
            "api_app_id": "A0APP",
            "is_enterprise_install": "false",
            "response_url": self.slack.response_url(token),
            "trigger_id": "1.2.3",
        }
        status, body = await self.post(
            urlencode(form), content_type="application/x-www-form-urlencoded", **sign
        )
        return status, body, token

    async def reply(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """Send a command and return the one message posted to its response_url."""
        status, _, token = await self.command(text, **kwargs)
        assert status == 200
        return (await self.slack.wait_for_response(token))[0]

    async def click(
        self,
        action_id: str,
        value: str | None = None,
        *,
        ephemeral: bool = True,
        user_id: str = "U0MEMBER",
        channel_id: str = "C0CHANNEL",
        team_id: str = "T0STANDIN",
        **action: Any,
    ) -> tuple[int, str]:
        """Send a signed block_actions payload; returns (status, response token)."""
        token = f"a{next(self.tokens)}"
        element = {
            "action_id": action_id,
            "block_id": action.pop("block_id", "b1"),
            "type": "button",
            "action_ts": "1.2",
            **action,
        }
        if value is not None:
            element["value"] = value
        payload = {
            "type": "block_actions",
            "team": {"id": team_id},
            "user": {"id": user_id, "name": "max", "team_id": team_id},
            "api_app_id": "A0APP",
            "token": "legacy",
            "trigger_id": "1.2.3",
            "container": {
                "type": "message",
                "message_ts": "1.1",
                "channel_id": channel_id,
                "is_ephemeral": ephemeral,
            },
            "channel": {"id": channel_id, "name": "general"},
            "response_url": self.slack.response_url(token),
            "actions": [element],
        }
        status, _ = await self.post(
            urlencode({"payload": json.dumps(payload)}),
            content_type="application/x-www-form-urlencoded",
        )
        return status, token


async def event(app: SlackApp, event: dict[str, Any]) -> int:
    """Send a signed Events API callback; returns the HTTP status."""
    body = {
        "token": "legacy",
        "team_id": "T0STANDIN",
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": f"Ev{next(app.tokens)}",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": "T0STANDIN", "user_id": "U0BOT", "is_bot": True}],
    }
    status, _ = await app.post(json.dumps(body), content_type="application/json")
    return status
