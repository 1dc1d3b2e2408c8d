"""The watcher against the local Bland API and Slack stand-ins, on real stores."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.bland.client import BlandClient
from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from bot.slack.clients import make_slack_client
from bot.storage import Store
from bot.storage.base import AlertState, WatchState
from bot.watcher.outbox import EVENT_TYPE
from tests.support.bland import BLAND_KEY
from tests.support.slack_standin import RealClockSlack
from tests.support.waiting import eventually
from tests.support.watcher import (
    POLL,
    RunWatcher,
    alerts_in,
    in_progress_batch,
    polls,
    render_for,
    summaries,
    watch,
)

BATCH = "WatchTest0000001-gen-batch"
OTHER = "WatchTest0000002-gen-batch"
CHANNELS = ("C01", "C02", "C03", "C04", "C05")


async def test_five_channels_one_poll_per_interval_one_alert_each(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(in_progress_batch(BATCH))
    for number, channel in enumerate(CHANNELS):
        await watch(any_store, channel, BATCH, user=f"U0USER{number}")

    async with run_watcher(any_store):
        started = time.monotonic()
        await eventually(lambda: len(polls(bland, BATCH)) >= 4)
        elapsed = time.monotonic() - started
        # Five channels, one batch: one poll per interval, not five.
        assert len(polls(bland, BATCH)) <= elapsed / POLL + 2
        assert slack_api.calls_to("chat.postMessage") == []

        bland.complete_batch(BATCH)
        await eventually(lambda: all(alerts_in(slack_api, c) for c in CHANNELS))
        polled = len(polls(bland, BATCH))
        await asyncio.sleep(POLL * 5)

    assert len(polls(bland, BATCH)) == polled, "a finished batch is not polled again"
    assert summaries(bland, BATCH) == [
        {"include_calls": "true", "include_transcripts": "false", "include_analysis": "true"}
    ]
    assert all(q["include_transcripts"] == "false" for q in polls(bland, BATCH))
    for number, channel in enumerate(CHANNELS):
        [message] = alerts_in(slack_api, channel)
        assert message["metadata"]["event_payload"]["batch_id"] == BATCH
        assert f"<@U0USER{number}>" in message["text"]
        button = message["blocks"][-1]["elements"][0]
        assert (button["action_id"], button["value"]) == ("batch_open", BATCH)
    assert len(slack_api.calls_to("chat.postMessage")) == len(CHANNELS)
    alerts = await any_store.list_alerts(batch_id=BATCH)
    assert sorted(a.channel_id for a in alerts) == list(CHANNELS)
    assert {a.state for a in alerts} == {AlertState.SENT}
    assert {w.state for w in await any_store.list_watches()} == {WatchState.DONE}


async def test_failed_batch_alerts_too(
    store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(in_progress_batch(BATCH))
    await watch(store, "C01", BATCH)
    async with run_watcher(store):
        await eventually(lambda: len(polls(bland, BATCH)) >= 1)
        bland.add_batch(make_batch(BATCH, calls=20, status="failed", errors=5))
        await eventually(lambda: bool(alerts_in(slack_api, "C01")))
    [message] = alerts_in(slack_api, "C01")
    assert "failed" in message["text"]
    assert message["blocks"][0]["text"]["text"].startswith("⚠️")
    [watch_row] = await store.list_watches()
    assert (watch_row.state, watch_row.batch_status) == (WatchState.DONE, "failed")


async def pending_completion(
    store: Store, bland_client: BlandClient, channels: tuple[str, ...]
) -> None:
    """What a process that died right after recording a completion leaves behind."""
    for channel in channels:
        await watch(store, channel, BATCH)
    await store.claim_due_batches(owner="dead", limit=1, lease_seconds=60)
    detail = await bland_client.get_batch(BATCH, include_transcripts=False)
    await store.record_completion(
        BATCH, owner="dead", status="completed", render=render_for(detail, BATCH)
    )


async def test_restart_sends_a_pending_alert_once(
    store: Store,
    bland: BlandServer,
    bland_client: BlandClient,
    slack_api: RealClockSlack,
    run_watcher: RunWatcher,
) -> None:
    bland.add_batch(make_batch(BATCH, calls=10))
    await pending_completion(store, bland_client, ("C01", "C02"))
    bland.reset_requests()

    async with run_watcher(store):
        await eventually(lambda: bool(alerts_in(slack_api, "C01") and alerts_in(slack_api, "C02")))
        await asyncio.sleep(POLL * 5)
    async with run_watcher(store):  # and again: nothing left to send
        await asyncio.sleep(POLL * 5)

    assert len(alerts_in(slack_api, "C01")) == len(alerts_in(slack_api, "C02")) == 1
    assert len(slack_api.calls_to("chat.postMessage")) == 2
    assert bland.requests == [], "the stored message is sent; Bland is not asked again"
    assert {a.state for a in await store.list_alerts()} == {AlertState.SENT}


async def test_alert_posted_by_a_killed_process_is_not_posted_again(
    store: Store,
    bland: BlandServer,
    bland_client: BlandClient,
    slack_api: RealClockSlack,
    run_watcher: RunWatcher,
) -> None:
    bland.add_batch(make_batch(BATCH, calls=10))
    await pending_completion(store, bland_client, ("C01", "C02"))
    # The dead process claimed both alerts, posted C01's, and died before recording it.
    claimed = await store.claim_alerts(owner="dead", limit=10, lease_seconds=0.5)
    posted = next(a for a in claimed if a.channel_id == "C01")
    slack = make_slack_client("xoxb-test-token", slack_api.api_url)
    first = await slack.chat_postMessage(
        channel="C01",
        text=posted.message["text"],
        blocks=posted.message["blocks"],
        metadata={
            "event_type": EVENT_TYPE,
            "event_payload": {"alert_id": posted.id, "batch_id": BATCH},
        },
    )

    async with run_watcher(store):
        await eventually(lambda: bool(alerts_in(slack_api, "C02")))
        await eventually(lambda: _all_sent(store), within=5.0)

    assert len(alerts_in(slack_api, "C01")) == 1
    assert len(alerts_in(slack_api, "C02")) == 1
    assert len(slack_api.calls_to("conversations.history")) >= 2
    by_channel = {a.channel_id: a for a in await store.list_alerts()}
    assert by_channel["C01"].message_ts == first["ts"]


async def _all_sent(store: Store) -> bool:
    return {a.state for a in await store.list_alerts()} == {AlertState.SENT}


async def test_slack_5xx_on_post_is_retried_after_checking_history(
    store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(make_batch(BATCH, calls=10))
    await watch(store, "C01", BATCH)
    slack_api.server_error("chat.postMessage", times=1)
    async with run_watcher(store):
        await eventually(lambda: bool(alerts_in(slack_api, "C01")), within=15)
    assert len(alerts_in(slack_api, "C01")) == 1
    assert len(slack_api.calls_to("chat.postMessage")) == 2
    assert len(slack_api.calls_to("conversations.history")) == 1


async def test_slack_429_and_bland_5xx_are_ridden_out(
    store: Store,
    bland: BlandServer,
    slack_api: RealClockSlack,
    run_watcher: RunWatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    bland.add_batch(in_progress_batch(BATCH))
    await watch(store, "C01", BATCH)
    await watch(store, "C02", BATCH)
    bland.fail_next(6, status=503, path=f"/v1/batches/{BATCH}")
    slack_api.rate_limit("chat.postMessage", times=2, retry_after=1)

    async with run_watcher(store):
        await eventually(lambda: len(polls(bland, BATCH)) >= 8, within=20)
        bland.complete_batch(BATCH)
        await eventually(
            lambda: bool(alerts_in(slack_api, "C01") and alerts_in(slack_api, "C02")), within=20
        )
        await asyncio.sleep(POLL * 3)

    assert len(alerts_in(slack_api, "C01")) == len(alerts_in(slack_api, "C02")) == 1
    assert any(
        "polling batch" in r.getMessage() and "503" in r.getMessage() for r in caplog.records
    )
    assert not any(BLAND_KEY in r.getMessage() or "xoxb-" in r.getMessage() for r in caplog.records)


async def test_deleted_channel_suspends_its_watch_without_retrying(
    store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(in_progress_batch(BATCH))
    bland.add_batch(in_progress_batch(OTHER))
    await watch(store, "CGONE", BATCH)
    await watch(store, "CGONE", OTHER)
    await watch(store, "C01", BATCH)
    slack_api.fail_channel("CGONE", "channel_not_found")

    async with run_watcher(store):
        await eventually(lambda: len(polls(bland, OTHER)) >= 1)
        bland.complete_batch(BATCH)
        await eventually(lambda: bool(alerts_in(slack_api, "C01")))
        await eventually(lambda: _alert_state(store, "CGONE", AlertState.DROPPED))
        tries = len(slack_api.calls_to("chat.postMessage"))
        other_polls = len(polls(bland, OTHER))
        await asyncio.sleep(POLL * 6)

    assert len(slack_api.calls_to("chat.postMessage")) == tries == 2
    # Its only watcher is suspended, so the other batch is no longer polled either.
    assert len(polls(bland, OTHER)) <= other_polls + 1
    states = {(w.channel_id, w.target_id): w.state for w in await store.list_watches()}
    assert states == {
        ("CGONE", BATCH): WatchState.DONE,
        ("CGONE", OTHER): WatchState.SUSPENDED,
        ("C01", BATCH): WatchState.DONE,
    }


async def _alert_state(store: Store, channel: str, state: str) -> bool:
    return any(a.channel_id == channel and a.state == state for a in await store.list_alerts())


async def test_stop_releases_in_flight_polls_promptly(
    store: Store, bland: BlandServer, run_watcher: RunWatcher
) -> None:
    bland.add_batch(in_progress_batch(BATCH))
    await watch(store, "C01", BATCH)
    bland.hang_next(1, seconds=30, path=f"/v1/batches/{BATCH}")
    async with asyncio.timeout(9):
        async with run_watcher(store, lease_seconds=120):
            await bland.wait_for_requests(1, path=f"/v1/batches/{BATCH}")
    # Stopped mid-poll: the lease is given back, so another process polls it at once.
    [due] = await store.claim_due_batches(owner="next", limit=1, lease_seconds=10)
    assert due.batch_id == BATCH


async def test_no_alert_without_a_status(
    store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(in_progress_batch(BATCH))
    await watch(store, "C01", BATCH)
    bland.garble_next(3, path=f"/v1/batches/{BATCH}")
    async with run_watcher(store):
        await eventually(lambda: len(polls(bland, BATCH)) >= 5, within=15)
    assert slack_api.calls_to("chat.postMessage") == []
    assert await store.list_alerts() == []
