"""Live progress, early warnings and campaign watches: the watcher against the Bland and
Slack stand-ins, on real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.bland.stats import batch_stats
from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from bot.slack.clients import make_slack_client
from bot.storage import Store
from bot.storage.base import AlertKind, AlertState, WatchKind, WatchState
from formatters.progress import progress_message
from tests.support.slack_standin import RealClockSlack
from tests.support.waiting import eventually
from tests.support.watcher import POLL, RunWatcher, posts_of, updates, watch

BATCH = "ProgressTest0001-gen-batch"
CAMPAIGN = "campWatchTest01"
OLD_DONE = "CampOldDone00001-gen-batch"
OLD_RUNNING = "CampOldRunning01-gen-batch"
NEW_RUNNING = "CampNewRunning01-gen-batch"
NEW_DONE = "CampNewDone00001-gen-batch"


def fetches(bland: BlandServer, batch_id: str, *, with_calls: bool) -> int:
    flag = "true" if with_calls else "false"
    return sum(
        1
        for r in bland.requests_to(f"/v1/batches/{batch_id}")
        if r.query.get("include_calls") == flag
    )


async def post_progress(store: Store, slack: RealClockSlack, channel: str, batch: Any) -> str:
    """What `/batch watch` does: post the message with the current counts, remember it."""
    stats = batch_stats(batch)
    counts = stats.counts()
    client = make_slack_client("xoxb-test-token", slack.api_url)
    message = progress_message(batch_id=BATCH, label="Renewals", counts=counts)
    response = await client.chat_postMessage(channel=channel, **message.as_kwargs())
    ts = str(response["ts"])
    assert await store.set_progress_message(
        channel_id=channel, batch_id=BATCH, ts=ts, counts=counts
    )
    return ts


async def test_progress_is_edited_when_counts_change_and_finalised_once(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(make_batch(BATCH, calls=20, status="in-progress", completed=10, errors=2))
    await watch(any_store, "C01", BATCH, label="Renewals")
    detail = await _detail(bland, BATCH)
    ts = await post_progress(any_store, slack_api, "C01", detail)
    assert await any_store.progress_message(channel_id="C01", batch_id=BATCH) == ts

    async with run_watcher(any_store, progress_every=1):
        await eventually(lambda: fetches(bland, BATCH, with_calls=True) >= 3)
        assert updates(slack_api) == [], "the counts didn't change: no edit"

        bland.advance(BATCH, 3)
        await eventually(lambda: len(updates(slack_api)) == 1)
        seen = fetches(bland, BATCH, with_calls=True)
        await eventually(lambda: fetches(bland, BATCH, with_calls=True) >= seen + 3)
        assert len(updates(slack_api)) == 1
        [message] = slack_api.posted("C01")
        assert "*13* of *20* calls done" in str(message["blocks"])
        assert message["ts"] == ts

        bland.advance(BATCH, 2)
        await eventually(lambda: len(updates(slack_api)) == 2)
        bland.complete_batch(BATCH)
        await eventually(lambda: bool(posts_of(slack_api, "C01", BATCH)))
        await eventually(lambda: len(updates(slack_api)) == 3)
        polled = fetches(bland, BATCH, with_calls=True) + fetches(bland, BATCH, with_calls=False)
        await asyncio.sleep(POLL * 5)

    assert len(posts_of(slack_api, "C01", BATCH)) == 1, "exactly one completion alert"
    assert len(updates(slack_api)) == 3, "two progress edits and the final one, no more"
    final = next(m for m in slack_api.posted("C01") if m["ts"] == ts)
    assert "finished" in final["text"] and "20 of 20 calls done" in final["text"]
    assert [
        b["elements"][0]["text"]["text"] for b in final["blocks"] if b["type"] == "actions"
    ] == ["Details"]
    after = fetches(bland, BATCH, with_calls=True) + fetches(bland, BATCH, with_calls=False)
    assert after == polled, "a finished batch is not fetched again"
    kinds = sorted(a.kind for a in await any_store.list_alerts(batch_id=BATCH))
    assert kinds == [AlertKind.COMPLETION, AlertKind.PROGRESS_FINAL]
    assert {a.state for a in await any_store.list_alerts()} == {AlertState.SENT}
    [row] = await any_store.list_watches()
    assert (row.calls_total, row.calls_completed, row.calls_errored) == (20, 20, 2)


async def test_a_failing_edit_never_holds_up_the_alert(
    store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(make_batch(BATCH, calls=20, status="in-progress", completed=10, errors=0))
    await watch(store, "C01", BATCH)
    await post_progress(store, slack_api, "C01", await _detail(bland, BATCH))
    slack_api.rate_limit("chat.update", times=1, retry_after=1)

    async with run_watcher(store, progress_every=1):
        bland.advance(BATCH, 4)
        # The 429 is waited out (Retry-After) and the edit goes through.
        await eventually(lambda: len(updates(slack_api)) == 2)
        slack_api.fail("chat.update", "cant_update_message", times=None)
        bland.complete_batch(BATCH)
        await eventually(lambda: bool(posts_of(slack_api, "C01", BATCH)))
        await eventually(lambda: _states(store, {AlertState.SENT, AlertState.DROPPED}))

    assert len(posts_of(slack_api, "C01", BATCH)) == 1
    by_kind = {a.kind: a for a in await store.list_alerts(batch_id=BATCH)}
    assert (by_kind[AlertKind.COMPLETION].state, by_kind[AlertKind.PROGRESS_FINAL].state) == (
        AlertState.SENT,
        AlertState.DROPPED,
    )
    assert by_kind[AlertKind.PROGRESS_FINAL].last_error == "cant_update_message"


async def test_a_progress_edit_never_waits_past_its_budget(
    store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(make_batch(BATCH, calls=20, status="in-progress", completed=10, errors=0))
    await watch(store, "C01", BATCH)
    ts = await post_progress(store, slack_api, "C01", await _detail(bland, BATCH))
    # Longer than the whole test: waiting it out would hold the poll and its lease.
    slack_api.rate_limit("chat.update", times=1, retry_after=600)

    async with asyncio.timeout(30), run_watcher(store, progress_every=1):
        bland.advance(BATCH, 4)
        # The rate-limited edit is left for the next fetch, which makes it.
        await eventually(lambda: len(updates(slack_api)) == 2)
        bland.complete_batch(BATCH)
        await eventually(lambda: bool(posts_of(slack_api, "C01", BATCH)))
        await eventually(lambda: _states(store, {AlertState.SENT}))

    assert len(posts_of(slack_api, "C01", BATCH)) == 1
    final = next(m for m in slack_api.posted("C01") if m["ts"] == ts)
    assert "finished" in final["text"]


async def test_early_warning_once_across_polls_and_processes(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(make_batch(BATCH, calls=40, status="in-progress", completed=5, errors=1))
    await watch(any_store, "C01", BATCH, error_threshold=10.0)
    await watch(any_store, "C02", BATCH)

    async with run_watcher(any_store, progress_every=1), run_watcher(any_store, progress_every=1):
        await eventually(lambda: fetches(bland, BATCH, with_calls=True) >= 3)
        # 1 of 5 finished is 20%, but too few calls have finished to judge.
        assert slack_api.calls_to("chat.postMessage") == []

        bland.add_batch(make_batch(BATCH, calls=40, status="in-progress", completed=20, errors=4))
        await eventually(lambda: bool(posts_of(slack_api, "C01", BATCH)))
        counted = fetches(bland, BATCH, with_calls=True)
        seen = fetches(bland, BATCH, with_calls=False)
        bland.add_batch(make_batch(BATCH, calls=40, status="in-progress", completed=25, errors=6))
        await eventually(lambda: fetches(bland, BATCH, with_calls=False) >= seen + 4)
        [warning] = posts_of(slack_api, "C01", BATCH)
        # Warned, and no progress message to keep: status polls only from now on.
        assert fetches(bland, BATCH, with_calls=True) <= counted + 1

        bland.complete_batch(BATCH)
        await eventually(lambda: len(posts_of(slack_api, "C02", BATCH)) == 1)
        await eventually(lambda: len(posts_of(slack_api, "C01", BATCH)) == 2)
        await asyncio.sleep(POLL * 3)

    assert "20% of finished calls errored" in warning["text"]
    stop = warning["blocks"][-1]["elements"][0]
    assert (stop["action_id"], stop["value"], stop["style"]) == (
        "batch_stop",
        f"stop {BATCH}",
        "danger",
    )
    assert (
        stop["confirm"]["text"]["text"]
        == "Stop 20 remaining calls of Subscription Renewal Reminders?"
    )
    assert "Top errors" in str(warning["blocks"])
    # One warning and one completion in C01; C02 set no threshold, so only the completion.
    assert len(posts_of(slack_api, "C01", BATCH)) == 2
    assert len(posts_of(slack_api, "C02", BATCH)) == 1
    kinds = sorted((a.channel_id, a.kind) for a in await any_store.list_alerts(batch_id=BATCH))
    assert kinds == [
        ("C01", AlertKind.COMPLETION),
        ("C01", AlertKind.WARNING),
        ("C02", AlertKind.COMPLETION),
    ]


async def test_campaign_watch_alerts_running_and_new_batches_once(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(make_batch(OLD_DONE, calls=10, campaign_id=CAMPAIGN))
    bland.add_batch(
        make_batch(OLD_RUNNING, calls=10, status="in-progress", completed=4, campaign_id=CAMPAIGN)
    )
    await watch(any_store, "C01", CAMPAIGN, kind=WatchKind.CAMPAIGN)

    async with run_watcher(any_store, scan_every=2):
        await eventually(lambda: fetches(bland, OLD_DONE, with_calls=False) >= 1)
        await eventually(lambda: fetches(bland, OLD_RUNNING, with_calls=False) >= 2)
        # Batches created after the watch: one still running, one already done when found.
        now = datetime.now(UTC)
        bland.add_batch(
            make_batch(
                NEW_RUNNING,
                calls=10,
                status="in-progress",
                completed=2,
                campaign_id=CAMPAIGN,
                created_at=now,
            )
        )
        bland.add_batch(make_batch(NEW_DONE, calls=10, campaign_id=CAMPAIGN, created_at=now))
        await eventually(lambda: fetches(bland, NEW_RUNNING, with_calls=False) >= 1)

        # A poll's status is recorded at the watcher's next pass, after Bland saw it.
        async def seen_and_running() -> tuple[int | None, int | None]:
            [listed] = await any_store.list_watches(channel_id="C01")
            return listed.batches_seen, listed.batches_running

        async def counted() -> bool:
            return await seen_and_running() == (4, 2)

        await eventually(counted)
        assert await seen_and_running() == (4, 2)

        bland.complete_batch(OLD_RUNNING)
        bland.complete_batch(NEW_RUNNING)
        for batch_id in (OLD_RUNNING, NEW_RUNNING, NEW_DONE):

            def alerted(b: str = batch_id) -> bool:
                return bool(posts_of(slack_api, "C01", b))

            await eventually(alerted)
        await asyncio.sleep(POLL * 12)  # more scans and polls: nothing new to say

    for batch_id in (OLD_RUNNING, NEW_RUNNING, NEW_DONE):
        [alert] = posts_of(slack_api, "C01", batch_id)
        assert "<@U0ALICE>" in alert["text"]
    assert posts_of(slack_api, "C01", OLD_DONE) == [], "finished before the watch: quiet"
    assert fetches(bland, OLD_DONE, with_calls=True) == 0, "and its calls were never fetched"
    assert fetches(bland, OLD_DONE, with_calls=False) == 1
    kinds = {a.kind for a in await any_store.list_alerts()}
    assert kinds == {AlertKind.CAMPAIGN_COMPLETION}
    [listed] = await any_store.list_watches(channel_id="C01")
    assert (listed.state, listed.batches_seen, listed.batches_running) == (WatchState.ACTIVE, 4, 0)


async def test_unwatched_campaign_is_no_longer_scanned_or_polled(
    store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(
        make_batch(OLD_RUNNING, calls=10, status="in-progress", completed=4, campaign_id=CAMPAIGN)
    )
    await watch(store, "C01", CAMPAIGN, kind=WatchKind.CAMPAIGN)
    async with run_watcher(store, scan_every=1):
        await eventually(lambda: fetches(bland, OLD_RUNNING, with_calls=False) >= 2)
        assert await store.remove_watch(
            channel_id="C01", kind=WatchKind.CAMPAIGN, target_id=CAMPAIGN
        )
        await asyncio.sleep(POLL * 2)  # a poll or scan already under way may finish
        scans = len(bland.requests_to("/v1/batches"))
        polls = fetches(bland, OLD_RUNNING, with_calls=False)
        bland.complete_batch(OLD_RUNNING)
        await asyncio.sleep(POLL * 8)
    assert len(bland.requests_to("/v1/batches")) == scans
    assert fetches(bland, OLD_RUNNING, with_calls=False) == polls
    assert slack_api.calls_to("chat.postMessage") == []
    assert await store.list_watches() == []


async def _detail(bland: BlandServer, batch_id: str) -> Any:
    from bot.bland.models import BatchDetail

    return BatchDetail.model_validate(bland.batch(batch_id).response(include_transcripts=False))


async def _states(store: Store, states: set[str]) -> bool:
    return {a.state for a in await store.list_alerts()} == states
