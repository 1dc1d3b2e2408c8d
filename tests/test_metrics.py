"""/metrics of a whole bot: real commands, clicks and watcher runs move the right counters.

The metric objects are process-wide (see bot/metrics.py), so each test reads how much a
counter moved across what it did, not its absolute value.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.demo.server import BlandServer
from bot.metrics import BLAND_ROUTES, bland_endpoint, slack_method
from bot.runner import Bot
from tests.support.bland import BLAND_KEY
from tests.support.bot import BOT_TOKEN, as_slack, base_url, running_bot
from tests.support.metrics import Scrape, scrape
from tests.support.slack_app import SIGNING_SECRET
from tests.support.slack_standin import SlackStandIn
from tests.support.waiting import eventually
from tests.support.watcher import alerts_in, in_progress_batch

SMALL = "DemoSmall0000003-gen-batch"
MISSING = "NoSuchBatch00001-gen-batch"
WATCHED = "OpsWatched000001-gen-batch"
BATCH_ROUTE = "GET /v1/batches/{id}"
TOKEN = "metrics-token-7f3a"


@pytest.fixture
async def bot(bland: BlandServer, slack: SlackStandIn, tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_bot(bland, slack, f"sqlite:///{tmp_path / 'bot.db'}") as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


async def test_commands_and_clicks_count_bland_and_slack_calls(
    bot: Bot, bland: BlandServer, slack: SlackStandIn, http: aiohttp.ClientSession
) -> None:
    url = base_url(bot)
    before = await scrape(http, url)
    async with as_slack(bot, bland, slack) as app:
        summary = await app.reply(SMALL)
        assert summary["text"].startswith("Batch Subscription Renewal Reminders")
        missing = await app.reply(MISSING)
        assert MISSING in missing["text"]
        status, token = await app.click("batch_calls", f"calls {SMALL} 1")
        assert status == 200
        await slack.wait_for_response(token)
        status, token = await app.click("batch_open", "<!channel>")  # forged: counted, refused
        await slack.wait_for_response(token)

    async def replies_timed() -> bool:
        now = await scrape(http, url)
        return moved(before, now, "listener_seconds_count", phase="reply") == 4

    await eventually(replies_timed)
    after = await scrape(http, url)

    assert moved(before, after, "slack_commands_total", command="/batch") == 2
    assert moved(before, after, "slack_actions_total", action="batch_calls") == 1
    assert moved(before, after, "slack_actions_total", action="batch_open") == 1
    assert moved(before, after, "listener_seconds_count", phase="ack") == 4
    # Every request the stand-in saw for a batch was answered 200, but for the missing one.
    small = len(bland.requests_to(f"/v1/batches/{SMALL}"))
    assert small >= 2
    assert moved(before, after, "bland_requests_total", endpoint=BATCH_ROUTE, outcome="ok") == small
    assert (
        moved(before, after, "bland_requests_total", endpoint=BATCH_ROUTE, outcome="not_found") == 1
    )
    assert moved(before, after, "bland_request_seconds_count", endpoint=BATCH_ROUTE) == small + 1


async def test_a_watch_through_to_its_alert(
    bot: Bot, bland: BlandServer, slack: SlackStandIn, http: aiohttp.ClientSession
) -> None:
    url = base_url(bot)
    bland.add_batch(in_progress_batch(WATCHED))
    before = await scrape(http, url)
    # The progress message meets one 429 first: counted, then posted on the retry.
    slack.rate_limit("chat.postMessage", retry_after=1)
    async with as_slack(bot, bland, slack) as app:
        reply = await app.reply(f"watch {WATCHED}")
    assert "is watching batch" in reply["text"], reply["text"]

    async def polled(outcome: str, count: int) -> bool:
        now = await scrape(http, url)
        return moved(before, now, "watcher_polls_total", outcome=outcome) >= count

    await eventually(lambda: polled("running", 2))
    during = await scrape(http, url)
    assert during.value("watched_batches") == 1
    assert during.value("outbox_pending") == 0
    assert moved(before, during, "slack_api_calls_total", method="chat.postMessage",
                 outcome="rate_limited") == 1  # fmt: skip

    # A poll Bland refuses is a failed poll, and a not_found request to Bland.
    bland.fail_next(status=404, path=f"/v1/batches/{WATCHED}")
    await eventually(lambda: polled("failed", 1))

    # The alert can't be posted yet: it waits in the outbox, and the gauges say so.
    slack.fail("chat.postMessage", "fatal_error", times=None, channel="C0CHANNEL")
    bland.complete_batch(WATCHED)

    async def waiting() -> bool:
        now = await scrape(http, url)
        return now.value("outbox_pending") >= 1 and now.value("outbox_oldest_pending_seconds") > 0

    await eventually(waiting)
    slack.clear_failures()
    await eventually(lambda: len(alerts_in(slack, "C0CHANNEL")) == 1, within=20)

    async def sent() -> bool:
        now = await scrape(http, url)
        return moved(before, now, "alerts_sent_total", kind="completion") == 1

    await eventually(sent)
    after = await scrape(http, url)
    assert moved(before, after, "watcher_polls_total", outcome="finished") == 1
    assert moved(before, after, "watcher_polls_total", outcome="already_recorded") == 0
    assert moved(before, after, "alerts_queued_total", kind="completion") == 1
    assert moved(before, after, "alerts_queued_total", kind="progress_final") == 1
    assert moved(before, after, "alert_latency_seconds_count") == 1
    assert moved(before, after, "alert_latency_seconds_sum") > 0
    assert moved(before, after, "slack_api_calls_total", method="chat.postMessage",
                 outcome="error") >= 1  # fmt: skip
    assert (
        moved(before, after, "bland_requests_total", endpoint=BATCH_ROUTE, outcome="not_found") == 1
    )
    assert after.value("watched_batches") == 0
    await eventually(lambda: _gauge_is(http, url, "outbox_pending", 0))


async def _gauge_is(http: aiohttp.ClientSession, url: str, name: str, value: float) -> bool:
    return (await scrape(http, url)).value(name) == value


async def test_no_id_user_channel_or_secret_in_any_label(
    bot: Bot, bland: BlandServer, slack: SlackStandIn, http: aiohttp.ClientSession
) -> None:
    bland.add_batch(in_progress_batch(WATCHED))
    async with as_slack(bot, bland, slack) as app:
        await app.reply(SMALL, user_id="U0SECRETUSER", channel_id="C0SECRETCHAN")
        await app.reply(f"watch {WATCHED}", user_id="U0SECRETUSER", channel_id="C0SECRETCHAN")
        await app.reply("../../etc/passwd")
        await app.click("an_action_nobody_made", SMALL)
        await app.command(SMALL, command="/not-ours")
    bland.complete_batch(WATCHED)
    await eventually(lambda: len(alerts_in(slack, "C0SECRETCHAN")) == 1, within=20)
    result = await scrape(http, base_url(bot))

    for secret in (SMALL, WATCHED, "U0SECRETUSER", "C0SECRETCHAN", "passwd", BOT_TOKEN,
                   BLAND_KEY, SIGNING_SECRET, "an_action_nobody_made", "/not-ours"):  # fmt: skip
        assert secret not in result.text
    # Metrics are the process's: other tests' requests (v2 routes among them) show too.
    endpoints = {v for _, label, v in result.labels() if label == "endpoint"}
    templates = {f"{method} {route}" for method in ("GET", "POST") for route in BLAND_ROUTES}
    assert endpoints <= templates | {"GET other", "POST other"}
    assert result.value("slack_actions_total", action="other") >= 1
    assert result.value("slack_commands_total", command="other") >= 1


async def test_a_token_guards_metrics_but_not_health(
    bland: BlandServer, slack: SlackStandIn, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with running_bot(
        bland, slack, f"sqlite:///{tmp_path / 'bot.db'}", metrics_token=TOKEN
    ) as bot:
        url = base_url(bot)
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            async with http.get(f"{url}/metrics", headers=headers) as response:
                assert response.status == 401
                assert TOKEN not in await response.text()
        assert (await scrape(http, url, token=TOKEN)).has("watched_batches")
        async with http.get(f"{url}/healthz") as response:
            assert response.status == 200
        await eventually(lambda: _ready(http, url))


async def _ready(http: aiohttp.ClientSession, url: str) -> bool:
    async with http.get(f"{url}/readyz") as response:
        return response.status == 200


@pytest.mark.parametrize(
    ("method", "path", "endpoint"),
    [
        ("GET", "/v1/batches", "GET /v1/batches"),
        ("GET", "/v1/batches/AbC-gen-batch", "GET /v1/batches/{id}"),
        ("POST", "/v1/batches/AbC-gen-batch/stop", "POST /v1/batches/{id}/stop"),
        ("GET", "/v1/calls/c-1?x=1", "GET /v1/calls/{id}"),
        ("GET", "/v1/batches/AbC/../../admin", "GET other"),
        ("GET", "/v2/anything/at/all", "GET other"),
    ],
)
def test_bland_endpoints_are_route_templates(method: str, path: str, endpoint: str) -> None:
    assert bland_endpoint(method, path) == endpoint


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("https://slack.com/api/chat.postMessage", "chat.postMessage"),
        ("https://slack.com/api/apps.connections.open", "apps.connections.open"),
        ("https://files.slack.com/upload/v1/CwABAAAAXwsAAQAAAAtUMDEyMzQ1", "other"),
        ("https://slack.com/api/chat.postMessage?token=xoxb-1", "other"),
        ("https://slack.com/api/../secret", "other"),
    ],
)
def test_slack_methods_are_web_api_names_or_other(url: str, method: str) -> None:
    assert slack_method(url, "https://slack.com/api/") == method


@pytest.mark.parametrize(
    ("method", "path", "label"),
    [
        ("GET", "/v1/batches", "GET /v1/batches"),
        ("GET", "/v1/batches/AbC-gen-batch", "GET /v1/batches/{id}"),
        ("POST", "/v1/batches/AbC-gen-batch/stop", "POST /v1/batches/{id}/stop"),
        ("GET", "/v1/calls", "GET /v1/calls"),
        ("GET", "/v1/calls/ffa99be3-63dd-44dc-9523-380cd25c1b9e", "GET /v1/calls/{id}"),
        ("GET", "/v2/batches/list", "GET /v2/batches/list"),
        ("GET", "/v2/batches/8b8e8c57-9e6e-4e4d-84d2-9826b2268c22", "GET /v2/batches/{id}"),
        (
            "GET",
            "/v2/batches/8b8e8c57-9e6e-4e4d-84d2-9826b2268c22/logs",
            "GET /v2/batches/{id}/logs",
        ),
        (
            "POST",
            "/v2/batches/8b8e8c57-9e6e-4e4d-84d2-9826b2268c22/stop",
            "POST /v2/batches/{id}/stop",
        ),
        ("GET", "/v9/whatever/secret-id", "GET other"),
    ],
)
def test_every_route_the_client_calls_has_a_bounded_label(
    method: str, path: str, label: str
) -> None:
    assert bland_endpoint(method, path) == label
