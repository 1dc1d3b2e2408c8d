"""`python -m bot` as a real process: both modes start, answer, and exit 0 on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.demo.server import BlandServer
from tests.support.bland import BLAND_KEY
from tests.support.ports import free_port
from tests.support.slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parent.parent


def bot_env(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, **extra: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BLAND_"))}
    env.update(
        SLACK_BOT_TOKEN="xoxb-process-test",
        SLACK_API_URL=slack.api_url,
        BLAND_API_KEY=BLAND_KEY,
        BLAND_API_URL=bland.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        WATCH_POLL_SECONDS="0.5",
        LOG_LEVEL="DEBUG",
        **extra,
    )
    return env


@pytest.fixture
async def spawn(tmp_path: Path) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    processes: list[asyncio.subprocess.Process] = []
    yield processes
    for process in processes:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def start_bot(
    env: dict[str, str], cwd: Path, processes: list[asyncio.subprocess.Process]
) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    processes.append(process)
    return process


async def stop_and_read(process: asyncio.subprocess.Process) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=10)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_http_mode_serves_health_and_commands_then_stops_cleanly(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, spawn: list[asyncio.subprocess.Process]
) -> None:
    port = free_port()
    env = bot_env(tmp_path, bland, slack, SLACK_SIGNING_SECRET="process-secret", PORT=str(port))
    process = await start_bot(env, tmp_path, spawn)
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    assert response.status == 200
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        else:
            pytest.fail("the bot never listened on $PORT")
        async with session.post(f"http://127.0.0.1:{port}/slack/events", data=b"x=1") as response:
            assert response.status == 401
    code, output = await stop_and_read(process)
    assert code == 0, output
    for secret in ("xoxb-process-test", "process-secret", BLAND_KEY):
        assert secret not in output
    assert "Traceback" not in output


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
    assert code == 0, output
    for secret in ("xoxb-process-test", "xapp-process-test", BLAND_KEY):
        assert secret not in output


async def test_bad_configuration_names_every_problem(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BLAND_"))}
    env.update(PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN="xoxp-wrong-kind", PORT="eighty")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(process.communicate(), timeout=30))[0].decode()
    assert process.returncode == 2
    assert "SLACK_BOT_TOKEN: must be a bot token starting with xoxb-" in output
    assert "BLAND_API_KEY: missing (required)" in output
    assert "PORT:" in output
    assert "xoxp-wrong-kind" not in output


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
