"""Claims that survive rate limits and dead processes: the outbox never sleeps on a lease,
and a dead owner's work is taken over within seconds, through the real watcher."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.bland.client import BlandClient
from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from bot.metrics import Exposition
from bot.storage import Store
from bot.storage.base import AlertState, WatchKind
from tests.support.metrics import parse
from tests.support.slack_standin import RealClockSlack
from tests.support.waiting import eventually
from tests.support.watcher import RunWatcher, alerts_in, in_progress_batch, polls, render_for

BATCH = "LeaseTest0000001-gen-batch"
OTHER = "LeaseTest0000002-gen-batch"
CAMPAIGN = "campaign-takeover-1"


async def watch(store: Store, channel: str, batch_id: str = BATCH) -> None:
    await store.add_watch(
        channel_id=channel,
        kind=WatchKind.BATCH,
        target_id=batch_id,
        label=None,
        created_by="U0ALICE",
    )


async def test_429s_longer_than_the_lease_never_double_an_alert(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(make_batch(BATCH, calls=10))
    await watch(any_store, "C01")
    # Each 429 asks for longer than a claim lasts: a sender that waited it out while
    # holding the claim would let the other owner post too.
    slack_api.rate_limit("chat.postMessage", times=3, retry_after=2)

    async with run_watcher(any_store, lease_seconds=1), run_watcher(any_store, lease_seconds=1):
        await eventually(lambda: bool(alerts_in(slack_api, "C01")), within=30)
        # Long enough for a second post, if a second owner were still going to make one.
        await asyncio.sleep(3)

    assert len(alerts_in(slack_api, "C01")) == 1
    assert len(slack_api.calls_to("chat.postMessage")) == 4, "three 429s, then the post"
    # A 429 is never a post, so nobody looked in history for one.
    assert slack_api.calls_to("conversations.history") == []
    [alert] = await any_store.list_alerts()
    # Only the claim that posted counts as an attempt.
    assert (alert.state, alert.attempts) == (AlertState.SENT, 1)


async def test_a_dead_owners_work_is_taken_over_within_seconds(
    any_store: Store,
    bland: BlandServer,
    bland_client: BlandClient,
    slack_api: RealClockSlack,
    run_watcher: RunWatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.watcher")
    bland.add_batch(make_batch(BATCH, calls=10))
    bland.add_batch(in_progress_batch(OTHER))
    bland.add_batch(make_batch("CampTakeover00001-gen-batch", calls=4, campaign_id=CAMPAIGN))
    await watch(any_store, "C01", OTHER)
    await any_store.add_watch(
        channel_id="C02",
        kind=WatchKind.CAMPAIGN,
        target_id=CAMPAIGN,
        label=None,
        created_by="U0BOB",
    )
    # A process that heartbeat, claimed a poll, a campaign scan and an alert for a
    # minute each, and was then killed.
    await any_store.heartbeat("dead", takeover_seconds=1.0)
    await watch(any_store, "C03")
    assert len(await any_store.claim_due_batches(owner="dead", limit=5, lease_seconds=60)) == 2
    detail = await bland_client.get_batch(BATCH, include_transcripts=False)
    await any_store.record_completion(
        BATCH, owner="dead", status="completed", render=render_for(detail, BATCH)
    )
    assert await any_store.claim_alerts(owner="dead", limit=5, lease_seconds=60)
    assert await any_store.claim_due_campaigns(owner="dead", limit=5, lease_seconds=60)
    bland.reset_requests()
    before = _takeovers_counted()

    async with run_watcher(any_store, takeover_seconds=1.0) as watcher:
        # Well inside the dead owner's 60 s leases.
        await eventually(lambda: bool(alerts_in(slack_api, "C03")), within=20)
        await eventually(lambda: len(polls(bland, OTHER)) >= 1, within=20)
        await eventually(lambda: bland.count(path="/v1/batches", method="GET") >= 1, within=20)
        await eventually(lambda: watcher.takeovers >= 3, within=20)

    assert len(alerts_in(slack_api, "C03")) == 1
    taken = [r.getMessage() for r in caplog.records if "taken over from dead" in r.getMessage()]
    assert len(taken) == 3, taken
    # The counter /metrics shows (process-wide, so read as how far it moved).
    assert _takeovers_counted() - before == 3


async def test_a_stopped_watcher_leaves_no_heartbeat(
    tmp_path: Path, store: Store, bland: BlandServer, run_watcher: RunWatcher
) -> None:
    bland.add_batch(in_progress_batch(BATCH))
    await watch(store, "C01")
    async with run_watcher(store) as watcher:
        await eventually(lambda: len(polls(bland, BATCH)) >= 1)
        assert _heartbeats(tmp_path) == [watcher.owner]
    assert _heartbeats(tmp_path) == []


def _takeovers_counted() -> float:
    text, _ = Exposition().render(None)
    return parse(text.decode()).value("watcher_takeovers_total")


def _heartbeats(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "bland.db") as db:
        return [row[0] for row in db.execute("SELECT owner FROM processes")]


async def test_a_claim_that_lapsed_while_waiting_for_a_slot_is_not_polled(
    any_store: Store, bland: BlandServer, run_watcher: RunWatcher
) -> None:
    # Claims run ahead of the slots: with one slot, a claimed batch waits behind the
    # poll in front of it. When that poll outlasts the lease, another process may take
    # the waiting claim over; polling it then as well would ask Bland twice.
    waiting = [f"LeaseWait000000{i}-gen-batch" for i in range(4)]
    for batch_id in waiting:
        bland.add_batch(in_progress_batch(batch_id))
        await watch(any_store, "C01", batch_id)
    held = bland.hold_next(path="/v1/batches/")

    async with run_watcher(any_store, concurrency=1, lease_seconds=1.0):
        await eventually(lambda: held.used == 1, within=10)
        [first] = bland.requests
        # Every lease this watcher took has lapsed while the first poll is held.
        await asyncio.sleep(1.5)
        taken = await any_store.claim_due_batches(owner="other", limit=10, lease_seconds=60)
        assert {due.batch_id for due in taken} == set(waiting)
        assert any(due.taken_from is not None for due in taken), "nothing was claimed ahead"
        held.release()
        # Long enough for the claims that waited to be polled, if they were going to be.
        await asyncio.sleep(1.5)

    asked = [batch_id for batch_id in waiting if polls(bland, batch_id)]
    assert asked == [first.path.rsplit("/", 1)[-1]], asked
