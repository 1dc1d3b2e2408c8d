"""A whole `Bot` in this process, against the stand-ins: listener, watcher and /metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from bot.clock import Clock, system_clock
from bot.demo.server import BlandServer
from bot.runner import Bot
from bot.settings import load_settings
from tests.support.bland import BLAND_KEY
from tests.support.slack_app import SIGNING_SECRET, SlackApp
from tests.support.slack_standin import SlackStandIn

BOT_TOKEN = "xoxb-ops-test-token"


@asynccontextmanager
async def running_bot(
    bland: BlandServer,
    slack: SlackStandIn,
    database_url: str,
    *,
    listen: bool = True,
    clock: Clock = system_clock,
    **settings: Any,
) -> AsyncIterator[Bot]:
    """A started Bot (HTTP mode on 127.0.0.1 unless `slack_app_token` is given), stopped
    on exit. `settings` override the defaults below, by setting name; `clock` is the
    time its digests are scheduled by."""
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": "",
        "slack_api_url": slack.api_url,
        "bland_api_key": BLAND_KEY,
        "bland_api_url": bland.url,
        "port": 0,
        "database_url": database_url,
        "watch_poll_seconds": 0.2,
        "metrics_port": None,
        "metrics_token": None,
    }
    values.update(settings)
    bot = Bot(load_settings(**values), listen=listen, host="127.0.0.1", clock=clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


def base_url(bot: Bot) -> str:
    """Where the bot serves HTTP: its METRICS_PORT listener if it has one, else PORT."""
    return f"http://127.0.0.1:{bot.metrics_port or bot.port}"


@asynccontextmanager
async def as_slack(bot: Bot, bland: BlandServer, slack: SlackStandIn) -> AsyncIterator[SlackApp]:
    """The bot's HTTP listener, as Slack sends it signed commands and clicks."""
    async with aiohttp.ClientSession() as session:
        yield SlackApp(f"{base_url(bot)}/slack/events", session, slack, bland, bot.store)
