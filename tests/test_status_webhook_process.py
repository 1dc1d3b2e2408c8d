"""`python -m bot` in Socket Mode with BLAND_WEBHOOK_SECRET: it opens $PORT for the webhook,
says so, answers a signed POST, and never prints the secret."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from bot.bland.signatures import SIGNATURE_HEADER, webhook_signature
from bot.demo.server import BlandServer
from bot.webhook import ROUTE
from tests.support.ports import free_port
from tests.support.processes import bot_env, start_bot, stop_and_read
from tests.support.slack_standin import SlackStandIn

SECRET = "whsec-process-9d2b4e"


async def test_socket_mode_serves_the_webhook_on_port_without_printing_the_secret(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, spawn: list[asyncio.subprocess.Process]
) -> None:
    port = free_port()
    env = bot_env(
        tmp_path,
        bland,
        slack,
        SLACK_APP_TOKEN="xapp-process-test",
        BLAND_WEBHOOK_SECRET=SECRET,
        PORT=str(port),
    )
    process = await start_bot(env, tmp_path, spawn)
    await slack.wait_connected(within=20)
    body = json.dumps({"batch_id": "6f1d2c3b-4a5e-4f60-9a7b-8c9d0e1f2a01", "status": "x"}).encode()
    url = f"http://127.0.0.1:{port}{ROUTE}"
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                headers = {SIGNATURE_HEADER: webhook_signature(body, SECRET)}
                async with session.post(url, data=body, headers=headers) as response:
                    assert response.status == 200
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        else:
            pytest.fail("the bot never listened on $PORT")
        async with session.post(url, data=body, headers={SIGNATURE_HEADER: SECRET}) as response:
            assert response.status == 401
    code, output = await stop_and_read(process)
    assert code == 0, output
    assert f"listening on 0.0.0.0:{port} for POST {ROUTE}" in output
    assert SECRET not in output
    assert "Traceback" not in output
