"""The real Bolt app in HTTP mode on 127.0.0.1, on a SQLite store and the stand-ins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.app import build_app
from bot.bland.client import BlandClient, Timeouts
from bot.bland.limits import DEFAULT_LIMITS, EXPORT_LIMITS, Limits
from bot.demo.server import BlandServer
from bot.services import Services
from bot.slack.clients import make_slack_client
from bot.storage import open_store
from bot.storage.base import Store
from tests.support.bland import BLAND_KEY
from tests.support.slack_app import QUICK, SIGNING_SECRET, SlackApp
from tests.support.slack_standin import SlackStandIn


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    db = open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    await db.open()
    yield db
    await db.close()


@pytest.fixture
def bland_limits() -> tuple[Limits, Limits]:
    """BlandClient's `limits` and `export_limits`: its defaults unless a module overrides."""
    return DEFAULT_LIMITS, EXPORT_LIMITS


@pytest.fixture
async def app(
    bland: BlandServer, slack: SlackStandIn, store: Store, bland_limits: tuple[Limits, Limits]
) -> AsyncIterator[SlackApp]:
    client = BlandClient(
        api_key=BLAND_KEY,
        base_url=bland.url,
        backoff=QUICK,
        max_retries=2,
        timeouts=Timeouts(connect=1, read=2),
        limits=bland_limits[0],
        export_limits=bland_limits[1],
    )
    session = aiohttp.ClientSession()
    slack_client = make_slack_client("xoxb-test-token", slack.api_url)
    slack_client.session = session
    bolt = build_app(
        client=slack_client,
        services=Services(
            bland=client, store=store, admin_users=frozenset({"U0LISTED"}), http=session
        ),
        signing_secret=SIGNING_SECRET,
    )
    runner = web.AppRunner(bolt.web_app(path="/slack/events"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with aiohttp.ClientSession() as requests:
        yield SlackApp(f"http://127.0.0.1:{port}/slack/events", requests, slack, bland, store)
    await session.close()
    await runner.cleanup()
    await client.aclose()
