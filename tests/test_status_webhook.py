"""`POST /bland/status` on a whole bot: only a body signed under BLAND_WEBHOOK_SECRET is
read, and a watched v2 batch's end alerts at once, once."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.__main__ import demo_status_webhook
from bot.bland.signatures import SIGNATURE_HEADER, webhook_signature
from bot.demo.dataset_v2 import V2_LIVE_BATCH_ID, v2_batch
from bot.demo.server import BlandServer
from bot.runner import Bot
from bot.storage.base import AlertKind, WatchKind, WatchState
from bot.webhook import MAX_BODY_BYTES, ROUTE
from tests.support.bot import base_url, running_bot
from tests.support.metrics import Scrape, scrape
from tests.support.ports import free_port
from tests.support.slack_standin import SlackStandIn
from tests.support.waiting import eventually
from tests.support.watcher import posts_of

SECRET = "whsec-test-3f9a1c"
BATCH = "5e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b"
CHANNEL = "C0WEBHOOK"
# Polls far apart: once the first is done, only the webhook can end the watch in time.
SLOW_POLL = 3600.0
FINAL: dict[str, Any] = {
    "batch_id": BATCH,
    "status": "completed",
    "timestamp": "2026-03-02T10:00:00.000Z",
    "calls_total": 8,
    "calls_successful": 6,
    "calls_failed": 2,
}


@pytest.fixture
async def bot(bland: BlandServer, slack: SlackStandIn, tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_bot(
        bland,
        slack,
        f"sqlite:///{tmp_path / 'bot.db'}",
        bland_webhook_secret=SECRET,
        watch_poll_seconds=SLOW_POLL,
    ) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def watch(bot: Bot) -> None:
    """A channel watching BATCH, its first poll (the batch running) already done."""
    await bot.store.add_watch(
        channel_id=CHANNEL,
        kind=WatchKind.BATCH,
        target_id=BATCH,
        label="Renewals",
        created_by="U0WATCHER",
    )

    async def polled() -> bool:
        [watch] = await bot.store.list_watches(channel_id=CHANNEL)
        return watch.batch_status is not None

    await eventually(polled)


async def post(
    http: aiohttp.ClientSession, bot: Bot, body: bytes, signature: str | None
) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    async with http.post(f"{base_url(bot)}{ROUTE}", data=body, headers=headers) as response:
        return response.status, await response.text()


def signed(payload: Any) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, webhook_signature(body, SECRET)


def moved(before: Scrape, after: Scrape, outcome: str) -> float:
    name = "bland_status_webhooks_total"
    return after.value(name, outcome=outcome) - before.value(name, outcome=outcome)


@pytest.fixture
def running_batch(bland: BlandServer) -> None:
    bland.v2_dataset.add(v2_batch(BATCH, hours_ago=0.1, calls=8, finished=2))


@pytest.mark.usefixtures("running_batch")
async def test_a_signed_end_alerts_at_once_and_a_replay_changes_nothing(
    bot: Bot, bland: BlandServer, slack: SlackStandIn, http: aiohttp.ClientSession
) -> None:
    await watch(bot)
    before = await scrape(http, base_url(bot))
    body, signature = signed(FINAL)
    assert await post(http, bot, body, signature) == (200, '{"ok": true}')
    await eventually(lambda: len(posts_of(slack, CHANNEL, BATCH)) == 1)
    [alert] = posts_of(slack, CHANNEL, BATCH)
    assert alert["text"] == (
        f"Batch Renewals ({BATCH}) finished: 8 calls, 6 successful, 2 failed (75% success). <@U0WATCHER>"
    )
    [watch_row] = await bot.store.list_watches(channel_id=CHANNEL)
    assert (watch_row.state, watch_row.batch_status) == (WatchState.DONE, "completed")
    # No poll read the end: the next is half an hour away at the least.
    assert len(bland.requests_to(f"/v2/batches/{BATCH}/logs")) == 1

    # The same request again, as anyone who saw it could send: valid, and harmless.
    assert (await post(http, bot, body, signature))[0] == 200

    async def counted() -> bool:
        now = await scrape(http, base_url(bot))
        return moved(before, now, "accepted") == 1 and moved(before, now, "ignored") == 1

    await eventually(counted)
    alerts = await bot.store.list_alerts(batch_id=BATCH)
    assert [a.kind for a in alerts] == [AlertKind.COMPLETION]
    assert len(posts_of(slack, CHANNEL, BATCH)) == 1


@pytest.mark.usefixtures("running_batch")
async def test_unsigned_wrongly_signed_and_malformed_requests_record_nothing(
    bot: Bot, slack: SlackStandIn, http: aiohttp.ClientSession
) -> None:
    await watch(bot)
    before = await scrape(http, base_url(bot))
    body, signature = signed(FINAL)
    other_body, other_signature = signed({**FINAL, "calls_failed": 0})
    oversized, oversized_signature = signed({**FINAL, "message": "x" * MAX_BODY_BYTES})
    not_json = b"batch_id=" + BATCH.encode()
    no_batch, no_batch_signature = signed({k: v for k, v in FINAL.items() if k != "batch_id"})
    v1_id, v1_id_signature = signed({**FINAL, "batch_id": "DemoSmall0000003-gen-batch"})

    # Missing, then under another secret, then the body replayed with another's signature.
    assert (await post(http, bot, body, None))[0] == 401
    assert (await post(http, bot, body, webhook_signature(body, "not-the-secret")))[0] == 401
    assert (await post(http, bot, body, other_signature))[0] == 401
    assert (await post(http, bot, other_body, signature))[0] == 401
    assert (await post(http, bot, body, ""))[0] == 401
    assert (await post(http, bot, oversized, oversized_signature))[0] == 413
    assert (await post(http, bot, not_json, webhook_signature(not_json, SECRET)))[0] == 400
    assert (await post(http, bot, no_batch, no_batch_signature))[0] == 400
    assert (await post(http, bot, v1_id, v1_id_signature))[0] == 400

    after = await scrape(http, base_url(bot))
    assert moved(before, after, "unauthorized") == 5
    assert moved(before, after, "too_large") == 1
    assert moved(before, after, "bad_request") == 3
    assert moved(before, after, "accepted") == 0
    [watch_row] = await bot.store.list_watches(channel_id=CHANNEL)
    assert watch_row.state == WatchState.ACTIVE
    assert await bot.store.list_alerts() == []
    assert posts_of(slack, CHANNEL, BATCH) == []


@pytest.mark.usefixtures("running_batch")
async def test_phases_and_unwatched_batches_are_acknowledged_and_ignored(
    bot: Bot, http: aiohttp.ClientSession
) -> None:
    await watch(bot)
    before = await scrape(http, base_url(bot))
    phase, phase_signature = signed({"batch_id": BATCH, "status": "dispatching"})
    assert (await post(http, bot, phase, phase_signature))[0] == 200
    stranger = "0f0e0d0c-0b0a-4908-8706-050403020100"
    other, other_signature = signed({**FINAL, "batch_id": stranger})
    assert (await post(http, bot, other, other_signature))[0] == 200

    async def counted() -> bool:
        return moved(before, await scrape(http, base_url(bot)), "ignored") == 2

    await eventually(counted)
    [watch_row] = await bot.store.list_watches(channel_id=CHANNEL)
    assert watch_row.state == WatchState.ACTIVE
    assert await bot.store.list_alerts() == []


async def test_socket_mode_opens_port_for_the_webhook_and_says_so(
    bland: BlandServer,
    slack: SlackStandIn,
    tmp_path: Path,
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.runner")
    async with running_bot(
        bland,
        slack,
        f"sqlite:///{tmp_path / 'bot.db'}",
        slack_app_token="xapp-webhook-test",
        slack_signing_secret="",
        bland_webhook_secret=SECRET,
    ) as socket_bot:
        assert socket_bot.port is not None
        body, signature = signed({"batch_id": BATCH, "status": "dispatching"})
        assert (await post(http, socket_bot, body, signature))[0] == 200
        assert (await post(http, socket_bot, body, None))[0] == 401
        # Only the webhook: Slack's events come over the socket.
        async with http.post(f"{base_url(socket_bot)}/slack/events", data=b"x=1") as response:
            assert response.status == 404
    assert f"listening on 127.0.0.1:{socket_bot.port} for POST {ROUTE}" in caplog.text


async def test_without_a_secret_there_is_no_webhook_route(
    bland: BlandServer, slack: SlackStandIn, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with running_bot(bland, slack, f"sqlite:///{tmp_path / 'bot.db'}") as plain:
        body, signature = signed(FINAL)
        assert (await post(http, plain, body, signature))[0] == 404
    async with running_bot(
        bland,
        slack,
        f"sqlite:///{tmp_path / 'socket.db'}",
        slack_app_token="xapp-webhook-test",
        slack_signing_secret="",
    ) as socket_bot:
        assert socket_bot.port is None


async def test_the_demo_live_v2_batch_posts_its_webhook_to_the_demo_bot(
    bland: BlandServer, slack: SlackStandIn, tmp_path: Path
) -> None:
    """`python -m bot --demo` with a webhook secret points the sample API's live v2 batch
    at the bot's own route, so watching it shows the instant alert end to end."""
    port = free_port()
    async with running_bot(
        bland,
        slack,
        f"sqlite:///{tmp_path / 'bot.db'}",
        bland_webhook_secret=SECRET,
        watch_poll_seconds=SLOW_POLL,
        port=port,
    ) as bot:
        assert demo_status_webhook(bland, bot.settings) == f"http://127.0.0.1:{port}{ROUTE}"
        await bot.store.add_watch(
            channel_id=CHANNEL,
            kind=WatchKind.BATCH,
            target_id=V2_LIVE_BATCH_ID,
            label="Live",
            created_by="U0WATCHER",
        )

        async def polled() -> bool:
            [watch] = await bot.store.list_watches(channel_id=CHANNEL)
            return watch.batch_status is not None

        await eventually(polled)
        await bland.finish_v2(V2_LIVE_BATCH_ID)
        await eventually(lambda: len(posts_of(slack, CHANNEL, V2_LIVE_BATCH_ID)) == 1)
        # The end came by the webhook: no second poll of the log.
        assert len(bland.requests_to(f"/v2/batches/{V2_LIVE_BATCH_ID}/logs")) == 1
        assert all(d.status == 200 for d in bland.webhook_deliveries)


async def test_the_demo_posts_no_webhook_without_a_secret(
    bland: BlandServer, slack: SlackStandIn, tmp_path: Path
) -> None:
    async with running_bot(bland, slack, f"sqlite:///{tmp_path / 'bot.db'}") as bot:
        assert demo_status_webhook(bland, bot.settings) is None
        await bland.finish_v2(V2_LIVE_BATCH_ID)
        assert bland.webhook_deliveries == []
