"""Running `python -m bot` as a real process from a test: its environment, start, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.demo.server import BlandServer
from tests.support.bland import BLAND_KEY
from tests.support.slack_standin import SlackStandIn

# The repository: processes run with it on PYTHONPATH.
ROOT = Path(__file__).resolve().parent.parent.parent


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
