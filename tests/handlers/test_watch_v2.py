"""`/batch watch <uuid>` through the real app and watcher: a progress message read from the
batch's lifecycle log, and one completion alert with its totals and success rate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.bland.client import Backoff, BlandClient
from bot.demo.batches_v2 import DemoBatchV2
from bot.demo.dataset_v2 import V2_FINISHED_BATCH_ID, v2_batch
from bot.slack.clients import make_slack_client
from bot.storage.base import AlertKind, AlertState, WatchKind, WatchState
from bot.watcher import Watcher
from bot.watcher.poll_v2 import POLL_LOG_TAKE
from tests.support.bland import BLAND_KEY
from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp
from tests.support.waiting import eventually
from tests.support.watcher import posts_of, updates

BATCH = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c01"
CHANNEL = "C0CHANNEL"
POLL = 0.2


@pytest.fixture
async def watcher(app: SlackApp) -> AsyncIterator[Watcher]:
    """The watcher a deployment runs beside the app, on the same store and stand-ins."""
    bland = BlandClient(
        api_key=BLAND_KEY,
        base_url=app.bland.url,
        max_retries=1,
        backoff=Backoff(initial=0.05, cap=0.1, max_retry_after=1.0),
    )
    running = Watcher(
        app.store,
        bland,
        make_slack_client("xoxb-test-token", app.slack.api_url),
        poll_seconds=POLL,
        concurrency=4,
    )
    await running.start()
    yield running
    await running.stop()
    await bland.aclose()


def running_v2(app: SlackApp, batch_id: str = BATCH) -> DemoBatchV2:
    """Six calls, two placed (one failed), the log at `dispatching`."""
    return app.bland.v2_dataset.add(
        v2_batch(
            batch_id,
            hours_ago=0.1,
            calls=6,
            finished=2,
            errors=1,
            states=("validating", "dispatching"),
            description="Spring renewals",
        )
    )


def shown(message: dict[str, Any]) -> str:
    """The mrkdwn of a message's section blocks, joined."""
    return "\n".join(
        str(block["text"]["text"]) for block in message["blocks"] if block["type"] == "section"
    )


async def test_watch_shows_the_lifecycle_then_alerts_once_with_totals_and_success_rate(
    app: SlackApp, watcher: Watcher
) -> None:
    batch = running_v2(app)
    reply = await app.reply(f"watch {BATCH}")
    assert "The message above shows its progress" in reply["text"]

    [progress] = app.slack.posted(CHANNEL)
    check_message(progress)
    assert progress["text"].startswith(f"Batch Spring renewals ({BATCH}) is running")
    assert "*Dispatching* · Requested: 6. Validated: 6. Dispatched: 2." in shown(progress)
    [watch] = await app.store.list_watches(channel_id=CHANNEL)
    assert (watch.kind, watch.target_id, watch.label) == (
        WatchKind.BATCH,
        BATCH,
        "Spring renewals",
    )
    assert watch.progress_ts == progress["ts"]

    # The next phase reaches the message at a poll: its state and lifecycle message.
    await app.bland.advance_v2(BATCH, 1)
    await eventually(
        lambda: any("*In progress* · Moved on" in shown(u) for u in updates(app.slack))
    )

    await app.bland.finish_v2(BATCH)
    await eventually(lambda: len(posts_of(app.slack, CHANNEL, BATCH)) == 1)
    totals = batch.totals()
    total, ok, failed = totals["calls_total"], totals["calls_successful"], totals["calls_failed"]
    rate = f"{100 * ok / total:.1f}".removesuffix(".0") + "%"
    [alert] = posts_of(app.slack, CHANNEL, BATCH)
    check_message(alert)
    assert alert["text"] == (
        f"Batch Spring renewals ({BATCH}) finished: {total} calls, {ok} successful, "
        f"{failed} failed ({rate} success). <@U0MEMBER>"
    )
    fields = [
        f["text"] for b in alert["blocks"] if b["type"] == "section" for f in b.get("fields", [])
    ]
    assert f"*Success rate*\n{rate}" in fields
    assert f"*Total calls*\n{total}" in fields

    # The progress message's last edit shows the end; the watch is done, polled no more.
    def finished_edit() -> bool:
        return any(
            u.get("ts") == progress["ts"] and f"{BATCH}) finished: " in u["text"]
            for u in updates(app.slack)
        )

    await eventually(finished_edit)
    [watch] = await app.store.list_watches(channel_id=CHANNEL)
    assert watch.state == WatchState.DONE
    assert watch.batch_status == "completed"
    alerts = await app.store.list_alerts(batch_id=BATCH)
    assert sorted(a.kind for a in alerts) == [AlertKind.COMPLETION, AlertKind.PROGRESS_FINAL]
    assert {a.state for a in alerts} == {AlertState.SENT}
    assert len(posts_of(app.slack, CHANNEL, BATCH)) == 1


async def test_polls_read_only_the_newest_log_entries(app: SlackApp, watcher: Watcher) -> None:
    batch = running_v2(app)
    # A long log: a poll must never ask for all of it.
    for n in range(200):
        batch.log("lifecycle", {"message": f"Dispatched: {n}.", "state_change": "in_progress"})
    await app.reply(f"watch {BATCH}")
    logs = app.bland.requests_to(f"/v2/batches/{BATCH}/logs")
    await eventually(lambda: len(app.bland.requests_to(f"/v2/batches/{BATCH}/logs")) >= 3)
    logs = app.bland.requests_to(f"/v2/batches/{BATCH}/logs")
    assert {(r.query["take"], r.query["direction"]) for r in logs} == {(str(POLL_LOG_TAKE), "desc")}
    assert not app.bland.requests_to(f"/v1/batches/{BATCH}")


async def test_watching_a_finished_v2_batch_says_so_with_its_totals(app: SlackApp) -> None:
    reply = await app.reply(f"watch {V2_FINISHED_BATCH_ID}")
    assert reply["text"].startswith("Already finished.")
    assert "12 calls, 10 successful, 2 failed (83.3% success)" in reply["text"]
    assert await app.store.list_watches() == []


async def test_an_error_threshold_on_a_v2_batch_is_refused_plainly(app: SlackApp) -> None:
    running_v2(app)
    reply = await app.reply(f"watch {BATCH} errors>10%")
    assert "only once it has finished" in reply["text"]
    assert reply["response_type"] == "ephemeral"
    assert await app.store.list_watches() == []


async def test_an_unknown_v2_batch_is_not_watched(app: SlackApp) -> None:
    reply = await app.reply("watch 0badc0de-0000-4000-8000-000000000000")
    assert "0badc0de-0000-4000-8000-000000000000" in reply["text"]
    assert await app.store.list_watches() == []


async def test_unwatching_a_v2_batch_leaves_its_last_state_on_the_message(
    app: SlackApp, watcher: Watcher
) -> None:
    running_v2(app)
    await app.reply(f"watch {BATCH}")
    [progress] = app.slack.posted(CHANNEL)

    async def status_recorded() -> bool:
        [watch] = await app.store.list_watches(channel_id=CHANNEL)
        return watch.batch_status == "dispatching"

    await eventually(status_recorded)
    reply = await app.reply(f"unwatch {BATCH}")
    assert reply["text"].startswith(":no_bell: Stopped watching batch")

    def unwatched_edit() -> list[dict[str, Any]]:
        return [
            u
            for u in updates(app.slack)
            if u.get("ts") == progress["ts"] and "no longer watched" in u["text"]
        ]

    await eventually(lambda: bool(unwatched_edit()))
    assert "*Dispatching*" in shown(unwatched_edit()[-1])


async def test_a_v2_batch_bland_no_longer_knows_ends_its_watch(app: SlackApp) -> None:
    running_v2(app)
    await app.reply(f"watch {BATCH}")
    [progress] = app.slack.posted(CHANNEL)
    bland = BlandClient(api_key=BLAND_KEY, base_url=app.bland.url, max_retries=0)
    gone_watcher = Watcher(
        app.store,
        bland,
        make_slack_client("xoxb-test-token", app.slack.api_url),
        poll_seconds=POLL,
        concurrency=4,
        gone_after=0.5,
    )
    await gone_watcher.start()
    try:
        await eventually(lambda: len(app.bland.requests_to(f"/v2/batches/{BATCH}/logs")) >= 1)
        del app.bland.v2_dataset.batches[BATCH]
        await eventually(lambda: len(posts_of(app.slack, CHANNEL, BATCH)) == 1)

        def gone_edit() -> list[dict[str, Any]]:
            return [
                u
                for u in updates(app.slack)
                if u.get("ts") == progress["ts"] and "no longer known to Bland" in u["text"]
            ]

        await eventually(lambda: bool(gone_edit()))
    finally:
        await gone_watcher.stop()
        await bland.aclose()
    # v2's form of the message: no "counting calls" that would never come.
    assert gone_edit()[-1]["text"].startswith(f"Batch Spring renewals ({BATCH}) is no longer")
    assert "counting calls" not in gone_edit()[-1]["text"]
    [gone] = posts_of(app.slack, CHANNEL, BATCH)
    assert f"Bland no longer knows batch *Spring renewals* `{BATCH}`" in gone["text"]
    [watch] = await app.store.list_watches(channel_id=CHANNEL)
    assert watch.state == WatchState.DONE
