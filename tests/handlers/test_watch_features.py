"""Watching through signed slash commands, with a real Watcher on the same store: live
progress messages, error thresholds and campaign watches."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.demo.details import make_batch
from bot.demo.scenarios import SMALL_BATCH_ID
from bot.watcher import Watcher
from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp
from tests.support.waiting import eventually
from tests.support.watcher import POLL, alerts_in, running_watcher, watcher_bland_client

BATCH = "WatchFeature0001-gen-batch"
CAMPAIGN = "campFeature01"
NEW_BATCH = "WatchFeature0002-gen-batch"


@pytest.fixture
async def watcher(app: SlackApp) -> AsyncIterator[Watcher]:
    """The watcher a deployment runs beside the app, on the same store and stand-ins."""
    async with (
        watcher_bland_client(app.bland.url) as bland,
        running_watcher(
            app.store, bland, app.slack.api_url, progress_every=1, scan_every=2
        ) as running,
    ):
        yield running


def channel_posts(app: SlackApp, channel: str = "C0CHANNEL") -> list[dict[str, Any]]:
    return app.slack.posted(channel)


def outbox_posts(app: SlackApp, channel: str = "C0CHANNEL") -> list[dict[str, Any]]:
    return alerts_in(app.slack, channel)


def updates(app: SlackApp) -> int:
    return len(app.slack.calls_to("chat.update"))


async def test_watch_posts_a_progress_message_the_watcher_keeps_up_to_date(
    app: SlackApp, watcher: Watcher
) -> None:
    app.bland.add_batch(make_batch(BATCH, calls=30, status="in-progress", completed=10, errors=0))
    reply = await app.reply(f"watch {BATCH}")
    check_message(reply)
    # The channel sees the progress message; the confirmation is for the asker only.
    assert reply["response_type"] == "ephemeral"
    assert "The message above shows its progress" in reply["text"]
    [progress] = channel_posts(app)
    check_message(progress)
    assert "10 of 30 calls done, 0 errored" in progress["text"]
    assert "▕" in str(progress["blocks"])
    assert "Counts as of <!date^" in str(progress["blocks"]), "says when its counts were taken"
    ts = await app.store.progress_message(channel_id="C0CHANNEL", batch_id=BATCH)
    assert ts == progress["ts"]

    again = await app.reply(f"watch {BATCH}")
    assert "already watching" in again["text"]
    assert len(channel_posts(app)) == 1, "one progress message per channel"

    app.bland.advance(BATCH, 5)
    await eventually(lambda: updates(app) == 1)
    listing = await app.reply("watches")
    check_message(listing)
    assert "15 of 30 calls" in str(listing["blocks"])

    app.bland.complete_batch(BATCH)
    await eventually(lambda: len(outbox_posts(app)) == 1 and updates(app) == 2)
    await asyncio.sleep(POLL * 4)
    assert updates(app) == 2
    progress, alert = channel_posts(app)
    assert progress["ts"] == ts and "finished" in progress["text"]
    check_message(progress)
    assert "finished" in alert["text"] and "<@U0MEMBER>" in alert["text"]


async def test_unwatch_marks_the_progress_message_with_one_edit(
    app: SlackApp, watcher: Watcher
) -> None:
    app.bland.add_batch(make_batch(BATCH, calls=30, status="in-progress", completed=10, errors=0))
    await app.reply(f"watch {BATCH}")
    gone = await app.reply(f"unwatch {BATCH}")
    assert "Stopped watching" in gone["text"]
    await eventually(lambda: updates(app) == 1)
    app.bland.advance(BATCH, 5)
    await asyncio.sleep(POLL * 5)
    assert updates(app) == 1
    [progress] = channel_posts(app)
    assert "no longer watched" in progress["text"]
    check_message(progress)
    assert await app.store.list_watches() == []


async def test_threshold_warns_once_with_a_stop_button(app: SlackApp, watcher: Watcher) -> None:
    app.bland.add_batch(make_batch(BATCH, calls=40, status="in-progress", completed=20, errors=1))
    reply = await app.reply(f"watch {BATCH} errors>10%")
    assert "more than 10% of its finished calls error" in reply["text"]
    await asyncio.sleep(POLL * 4)
    assert outbox_posts(app) == [], "5% is under the threshold"

    app.bland.add_batch(make_batch(BATCH, calls=40, status="in-progress", completed=24, errors=6))
    await eventually(lambda: len(outbox_posts(app)) == 1)
    await asyncio.sleep(POLL * 4)
    [warning] = outbox_posts(app)
    check_message(warning)
    assert "25% of finished calls errored" in warning["text"]
    stop = warning["blocks"][-1]["elements"][0]
    assert (stop["action_id"], stop["value"]) == ("batch_stop", f"stop {BATCH}")
    [watched] = await app.store.list_watches()
    assert watched.error_threshold == 10.0


async def test_campaign_watch_list_and_unwatch(app: SlackApp, watcher: Watcher) -> None:
    reply = await app.reply(f"watch campaign:{CAMPAIGN} errors>5%")
    check_message(reply)
    assert reply["response_type"] == "in_channel"
    assert f"is watching campaign `{CAMPAIGN}`" in reply["text"]
    assert "It has no batches yet" in reply["text"]
    assert "more than 5% of a batch's finished calls" in reply["text"]

    app.bland.add_batch(
        make_batch(
            NEW_BATCH,
            calls=10,
            status="in-progress",
            completed=2,
            errors=0,
            campaign_id=CAMPAIGN,
            created_at=datetime.now(UTC),
        )
    )
    await eventually(lambda: bool(app.bland.requests_to(f"/v1/batches/{NEW_BATCH}")))
    # The watcher records a round of polls together, a moment after making them.
    for _ in range(50):
        listing = await app.reply("watches")
        if "1 batch found, 1 running" in str(listing["blocks"]):
            break
        await asyncio.sleep(0.1)
    assert "1 batch found, 1 running" in str(listing["blocks"])
    assert "warns above 5% errors" in str(listing["blocks"])

    app.bland.complete_batch(NEW_BATCH)
    await eventually(lambda: len(outbox_posts(app)) == 1)
    assert NEW_BATCH in outbox_posts(app)[0]["text"]

    gone = await app.reply(f"unwatch campaign:{CAMPAIGN}")
    assert "Stopped watching campaign" in gone["text"]
    assert await app.store.list_watches() == []


async def test_finished_batch_gets_its_summary_and_no_watch(
    app: SlackApp, watcher: Watcher
) -> None:
    done = await app.reply(f"watch {SMALL_BATCH_ID}")
    assert done["text"].startswith("Already finished.")
    assert channel_posts(app) == []
    assert await app.store.list_watches() == []
