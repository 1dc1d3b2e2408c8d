"""A watched batch Bland no longer knows: its watches end with one message per channel,
instead of being polled forever. The watcher against the stand-ins, on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio

from bot.bland.models import BatchDetail
from bot.bland.stats import batch_stats
from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from bot.metrics import ALERTS_QUEUED, WATCHER_POLLS
from bot.slack.clients import make_slack_client
from bot.storage import Store
from bot.storage.base import AlertKind, AlertState, WatchKind, WatchState
from formatters.progress import progress_message
from tests.support.slack_standin import RealClockSlack
from tests.support.waiting import eventually
from tests.support.watcher import POLL, RunWatcher, alerts_in, in_progress_batch, watch

BATCH = "GoneTest00000001-gen-batch"
CAMPAIGN = "campGoneTest01"
CAMPAIGN_BATCH = "GoneCampaign0001-gen-batch"
# Short, so the test sees it run out; it is a setting (WATCH_GONE_AFTER), an hour by default.
GONE_AFTER = 0.5


def requests_for(bland: BlandServer, batch_id: str) -> int:
    return len(bland.requests_to(f"/v1/batches/{batch_id}"))


async def test_a_batch_bland_no_longer_knows_ends_its_watches_with_one_message(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(in_progress_batch(BATCH))
    await watch(any_store, "C01", BATCH)
    await watch(any_store, "C02", BATCH)
    # C01 keeps a live progress message, as `/batch watch` leaves it.
    counts = batch_stats(_detail(bland, BATCH)).counts()
    slack = make_slack_client("xoxb-test-token", slack_api.api_url)
    running = progress_message(batch_id=BATCH, label=None, counts=counts)
    posted = await slack.chat_postMessage(channel="C01", **running.as_kwargs())
    ts = str(posted["ts"])
    assert await any_store.set_progress_message(
        channel_id="C01", batch_id=BATCH, ts=ts, counts=counts
    )

    gone_before = _polls_counted("gone")
    queued_before = _queued_counted(AlertKind.GONE)
    async with run_watcher(any_store, gone_after=GONE_AFTER, progress_every=1):
        await eventually(lambda: requests_for(bland, BATCH) >= 2)
        bland.dataset.remove(BATCH)
        await eventually(lambda: bool(alerts_in(slack_api, "C01") and alerts_in(slack_api, "C02")))
        await eventually(lambda: len(slack_api.calls_to("chat.update")) == 1)
        asked = requests_for(bland, BATCH)
        await asyncio.sleep(POLL * 6)

    assert requests_for(bland, BATCH) == asked, "a batch given up is not polled again"
    for channel in ("C01", "C02"):
        [gone] = alerts_in(slack_api, channel)
        assert f"Bland no longer knows batch `{BATCH}`; stopped watching it" in gone["text"]
        assert "<@U0ALICE>" in gone["text"]
    [progress, _] = slack_api.posted("C01")
    assert progress["ts"] == ts
    assert "no longer known to Bland" in progress["text"]
    kinds = sorted((a.channel_id, a.kind) for a in await any_store.list_alerts(batch_id=BATCH))
    assert kinds == [
        ("C01", AlertKind.GONE),
        ("C01", AlertKind.PROGRESS_FINAL),
        ("C02", AlertKind.GONE),
    ]
    assert {a.state for a in await any_store.list_alerts()} == {AlertState.SENT}
    assert {w.state for w in await any_store.list_watches()} == {WatchState.DONE}
    # What /metrics shows: one poll that ended the watches, two messages queued.
    assert _polls_counted("gone") - gone_before == 1
    assert _queued_counted(AlertKind.GONE) - queued_before == 2


async def test_a_vanished_campaign_batch_is_reported_and_the_campaign_still_watched(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(
        make_batch(
            CAMPAIGN_BATCH, calls=10, status="in-progress", completed=4, campaign_id=CAMPAIGN
        )
    )
    await watch(any_store, "C03", CAMPAIGN, kind=WatchKind.CAMPAIGN)

    async with run_watcher(any_store, gone_after=GONE_AFTER, scan_every=1):
        # Seen running, so the campaign's channel hears how the batch ends.
        await eventually(lambda: _running(any_store))
        bland.dataset.remove(CAMPAIGN_BATCH)
        await eventually(lambda: bool(alerts_in(slack_api, "C03")))
        asked = requests_for(bland, CAMPAIGN_BATCH)
        scans = len(bland.requests_to("/v1/batches"))
        await eventually(lambda: len(bland.requests_to("/v1/batches")) > scans)

    assert requests_for(bland, CAMPAIGN_BATCH) == asked
    [gone] = alerts_in(slack_api, "C03")
    assert f"Bland no longer knows batch `{CAMPAIGN_BATCH}`; stopped watching it" in gone["text"]
    assert f"still watching campaign `{CAMPAIGN}`" in gone["text"]
    [campaign] = await any_store.list_watches(channel_id="C03")
    assert campaign.state == WatchState.ACTIVE, "the campaign watch goes on"
    assert [a.kind for a in await any_store.list_alerts()] == [AlertKind.GONE]


async def _running(store: Store) -> bool:
    [campaign] = await store.list_watches()
    return campaign.batches_running == 1


def _detail(bland: BlandServer, batch_id: str) -> BatchDetail:
    return BatchDetail.model_validate(bland.batch(batch_id).response(include_transcripts=False))


def _polls_counted(outcome: str) -> float:
    return float(WATCHER_POLLS.labels(outcome)._value.get())


def _queued_counted(kind: str) -> float:
    return float(ALERTS_QUEUED.labels(kind)._value.get())
