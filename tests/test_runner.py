"""`python -m bot` as a real process: both modes start, answer, and exit 0 on SIGTERM."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from bot.demo.server import BlandServer
from tests.support.bland import BLAND_KEY
from tests.support.ports import free_port
from tests.support.processes import (
    assert_clean_exit,
    bot_env,
    outside_env,
    start_bot,
    stop_and_read,
    wait_healthy,
)
from tests.support.slack_standin import SlackStandIn


async def test_http_mode_serves_health_and_commands_then_stops_cleanly(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, spawn: list[asyncio.subprocess.Process]
) -> None:
    port = free_port()
    env = bot_env(tmp_path, bland, slack, SLACK_SIGNING_SECRET="process-secret", PORT=str(port))
    process = await start_bot(env, tmp_path, spawn)
    async with aiohttp.ClientSession() as session:
        await wait_healthy(session, port, tries=100)
        async with session.post(f"http://127.0.0.1:{port}/slack/events", data=b"x=1") as response:
            assert response.status == 401
    code, output = await stop_and_read(process)
    assert_clean_exit(code, output, "xoxb-process-test", "process-secret", BLAND_KEY)


async def test_socket_mode_answers_a_command_then_stops_cleanly(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, spawn: list[asyncio.subprocess.Process]
) -> None:
    env = bot_env(tmp_path, bland, slack, SLACK_APP_TOKEN="xapp-process-test")
    process = await start_bot(env, tmp_path, spawn)
    await slack.wait_connected(within=20)
    ack = await slack.push_slash_command("DemoSmall0000003-gen-batch", response_token="sock")
    assert "envelope_id" in ack
    reply = (await slack.wait_for_response("sock", within=20))[0]
    assert reply["text"].startswith("Batch Subscription Renewal Reminders")
    code, output = await stop_and_read(process)
    assert_clean_exit(code, output, "xoxb-process-test", "xapp-process-test", BLAND_KEY)


async def test_bad_configuration_names_every_problem(
    tmp_path: Path, spawn: list[asyncio.subprocess.Process]
) -> None:
    env = outside_env()
    env.update(SLACK_BOT_TOKEN="xoxp-wrong-kind", PORT="eighty", BLAND_EXPORT_TIMEOUT_SECONDS="0")
    process = await start_bot(env, tmp_path, spawn)
    output = (await asyncio.wait_for(process.communicate(), timeout=30))[0].decode()
    assert process.returncode == 2
    assert "SLACK_BOT_TOKEN: must be a bot token starting with xoxb-" in output
    assert "BLAND_API_KEY: missing (required)" in output
    assert "PORT:" in output
    assert "BLAND_EXPORT_TIMEOUT_SECONDS: Input should be greater than 0" in output
    assert "xoxp-wrong-kind" not in output


@pytest.mark.parametrize(
    ("url", "exit_code"),
    [
        ("postgres://user:s3cret@host:notaport/db", 2),
        ("postgres://user:s3cret@[bad/db", 2),
        (f"postgresql://user:s3cret@127.0.0.1:{free_port()}/db", 1),
    ],
)
async def test_no_part_of_the_database_password_is_printed(
    tmp_path: Path,
    bland: BlandServer,
    slack: SlackStandIn,
    spawn: list[asyncio.subprocess.Process],
    url: str,
    exit_code: int,
) -> None:
    env = bot_env(tmp_path, bland, slack, SLACK_SIGNING_SECRET="process-secret", PORT="0")
    env["DATABASE_URL"] = url
    process = await start_bot(env, tmp_path, spawn)
    output = (await asyncio.wait_for(process.communicate(), timeout=30))[0].decode()
    assert process.returncode == exit_code, output
    assert ("DATABASE_URL: " if exit_code == 2 else "could not start: StoreOpenError") in output
    assert "s3cret" not in output


async def test_json_logs_and_a_guarded_metrics_endpoint(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, spawn: list[asyncio.subprocess.Process]
) -> None:
    port = free_port()
    env = bot_env(
        tmp_path,
        bland,
        slack,
        SLACK_SIGNING_SECRET="process-secret",
        PORT=str(port),
        LOG_FORMAT="json",
        METRICS_TOKEN="process-metrics-token",
    )
    process = await start_bot(env, tmp_path, spawn)
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the bot never became ready on $PORT")
        async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
            assert response.status == 401
        headers = {"Authorization": "Bearer process-metrics-token"}
        async with session.get(f"http://127.0.0.1:{port}/metrics", headers=headers) as response:
            assert response.status == 200
            assert "bland_requests_total" in await response.text()
    code, output = await stop_and_read(process)
    assert code == 0, output
    lines = [json.loads(line) for line in output.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any(line["message"] == "stopping" for line in lines)
    for secret in ("xoxb-process-test", "process-secret", "process-metrics-token", BLAND_KEY):
        assert secret not in output
