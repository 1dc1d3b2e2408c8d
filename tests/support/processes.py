"""Running `python -m bot` as a real process from a test: its environment, start, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.demo.server import BlandServer
from tests.support.bland import BLAND_KEY
from tests.support.slack_standin import SlackStandIn

# The repository: processes run with it on PYTHONPATH.
ROOT = Path(__file__).resolve().parent.parent.parent


def outside_env() -> dict[str, str]:
    """This process's environment without any Slack or Bland setting it may carry."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BLAND_"))}


def bot_env(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, **extra: str
) -> dict[str, str]:
    env = outside_env()
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


async def start_bot(
    env: dict[str, str], cwd: Path, processes: list[asyncio.subprocess.Process], *args: str
) -> asyncio.subprocess.Process:
    """`python -m bot *args` in `cwd`, its stdout and stderr read together."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.DEVNULL,
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


async def wait_healthy(session: aiohttp.ClientSession, port: int, *, tries: int) -> None:
    """Until the bot answers /healthz 200 on `port`, trying every 0.1 s while nothing listens."""
    for _ in range(tries):
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
                return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    pytest.fail("the bot never listened on $PORT")


def assert_clean_exit(code: int, output: str, *secrets: str) -> None:
    """The bot exited 0 without a traceback, and its output shows none of `secrets`."""
    assert code == 0, output
    assert "Traceback" not in output
    for secret in secrets:
        assert secret not in output
