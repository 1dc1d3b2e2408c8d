"""Requests past REPLY_CONCURRENCY at work after their ack are still acked at once, wait
their turn without touching Bland, and are answered (or told of a shutdown) in the end.

A whole `Bot`, over signed HTTP requests and over Socket Mode, with Bland holding every
summary request until the test lets it go. Ordering and counts, never timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.admission import Admission
from bot.demo.server import BlandServer
from bot.runner import Bot
from bot.settings import load_settings
from tests.support.bland import BLAND_KEY
from tests.support.bot import as_slack, running_bot
from tests.support.slack_app import SIGNING_SECRET
from tests.support.slack_standin import SlackStandIn
from tests.support.waiting import eventually

SMALL = "DemoSmall0000003-gen-batch"
HELD = f"/v1/batches/{SMALL}"
LIMIT = 2

pytestmark = pytest.mark.timeout(60)

# Sends one `/batch SMALL`, checks it was acked, and returns the token its reply lands
# under in `slack.responses`.
Send = Callable[[], Awaitable[str]]


def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.db'}"


@asynccontextmanager
async def sender(
    mode: str, tmp_path: Path, bland: BlandServer, slack: SlackStandIn
) -> AsyncIterator[tuple[Bot, Send]]:
    """A running bot admitting LIMIT requests at once, and a way to send it a command."""
    socket: dict[str, Any] = {"slack_app_token": "xapp-admission", "slack_signing_secret": ""}
    extra = socket if mode == "socket" else {}
    async with running_bot(
        bland, slack, database_url(tmp_path), reply_concurrency=LIMIT, **extra
    ) as bot:
        if mode == "socket":
            await slack.wait_connected(within=20)
            pushed = iter(range(1, 100))

            async def push() -> str:
                token = f"s{next(pushed)}"
                ack = await slack.push_slash_command(SMALL, response_token=token, within=20)
                assert "envelope_id" in ack
                return token

            yield bot, push
            return
        async with as_slack(bot, bland, slack) as app:

            async def post() -> str:
                status, _, token = await app.command(SMALL)
                assert status == 200
                return token

            yield bot, post


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_past_the_limit_a_command_is_acked_waits_and_is_answered(
    mode: str, tmp_path: Path, bland: BlandServer, slack: SlackStandIn
) -> None:
    held = bland.hold_next(LIMIT + 1, path=HELD)
    async with sender(mode, tmp_path, bland, slack) as (bot, send):
        in_flight = [await send() for _ in range(LIMIT)]
        await bland.wait_for_requests(LIMIT, path=HELD, within=20)

        # LIMIT commands are at Bland: the next one is acked all the same...
        waiting = await send()
        await eventually(lambda: bot.services.after_ack.waiting == 1)
        # ...and waits its turn without asking Bland anything.
        assert len(bland.requests_to(HELD)) == LIMIT
        # Every ack was counted until it went out (bot.slack.ack_first).
        assert bot.services.after_ack.unacked == 0
        assert not any(slack.responses.get(token) for token in [*in_flight, waiting])

        held.release()
        for token in [*in_flight, waiting]:
            [reply] = await slack.wait_for_response(token, within=20)
            assert reply["text"].startswith("Batch Subscription Renewal Reminders"), reply
        assert len(bland.requests_to(HELD)) == LIMIT + 1
        assert bot.services.after_ack.waiting == 0


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_a_request_counts_as_unacked_until_its_ack_has_left(
    mode: str, tmp_path: Path, bland: BlandServer, slack: SlackStandIn
) -> None:
    """Bolt sends an ack when it next looks at the listener's `ack()` (every 10 ms), not
    when `ack()` is called: until it has left, work after the ack still waits.

    Counted only until `ack()`, a burst of 100 over Socket Mode opened the gate 1-2 ms
    after the first `ack()`, before most of the others had even been dispatched."""
    seen: list[int] = []

    async def probe(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack()
        seen.append(context["services"].after_ack.unacked)

    socket: dict[str, Any] = {"slack_app_token": "xapp-admission", "slack_signing_secret": ""}
    extra = socket if mode == "socket" else {}
    async with running_bot(bland, slack, database_url(tmp_path), **extra) as bot:
        bot.app.command("/probe")(probe)
        if mode == "socket":
            await slack.wait_connected(within=20)
            ack = await slack.push_slash_command("", command="/probe", within=20)
            assert "envelope_id" in ack
        else:
            async with as_slack(bot, bland, slack) as app:
                assert (await app.command("", command="/probe"))[0] == 200
        # Its own ack had not left when `ack()` returned; once it has, nothing is unacked.
        assert seen == [1]
        await eventually(lambda: bot.services.after_ack.unacked == 0)


async def test_a_shutdown_tells_those_at_work_and_those_waiting(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn
) -> None:
    """Nothing is lost on shutdown: a command still waiting for its turn is cut off and
    told so, as those held at Bland are."""
    bland.hold_next(LIMIT + 1, path=HELD)
    settings = load_settings(
        slack_bot_token="xoxb-admission",
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token="",
        slack_api_url=slack.api_url,
        bland_api_key=BLAND_KEY,
        bland_api_url=bland.url,
        port=0,
        database_url=database_url(tmp_path),
        reply_concurrency=LIMIT,
    )
    bot = Bot(settings, host="127.0.0.1")
    await bot.start()
    stopped = False
    try:
        async with as_slack(bot, bland, slack) as app:
            tokens = []
            for _ in range(LIMIT + 1):
                status, _, token = await app.command(SMALL)
                assert status == 200
                tokens.append(token)
            await bland.wait_for_requests(LIMIT, path=HELD, within=20)
            await eventually(lambda: bot.services.after_ack.waiting == 1)
            assert await bot.stop()
            stopped = True
    finally:
        if not stopped:
            await bot.stop()
    for token in tokens:
        [reply] = slack.responses[token]
        assert reply["response_type"] == "ephemeral"
        assert reply["text"].startswith("The bot restarted before it could answer"), reply


async def test_the_first_commands_find_auth_test_already_answered(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn
) -> None:
    """Bolt asks auth.test on the first request, before its ack, once per request that
    comes before the answer: the bot asks it at start-up instead."""
    async with running_bot(bland, slack, database_url(tmp_path)) as bot:
        assert len(slack.calls_to("auth.test")) == 1
        async with as_slack(bot, bland, slack) as app:
            for _ in range(3):
                assert (await app.command(SMALL))[0] == 200
            for token in [f"r{i}" for i in range(1, 4)]:
                await slack.wait_for_response(token, within=20)
        assert len(slack.calls_to("auth.test")) == 1


async def test_work_after_the_ack_waits_while_a_request_is_unacked() -> None:
    """A turn starts only once every request that has arrived is acked."""
    admission = Admission(4)
    acked = admission.arrived()
    turn = asyncio.ensure_future(admission.enter())
    for _ in range(10):
        await asyncio.sleep(0)
    assert not turn.done()
    assert (admission.waiting, admission.unacked) == (1, 1)
    acked()
    acked()  # a second call does nothing
    await turn
    assert (admission.waiting, admission.unacked) == (0, 0)
    admission.leave()
    # With nothing unacked, a turn starts at once.
    async with admission.admitted():
        assert admission.waiting == 0
