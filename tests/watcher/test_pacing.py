"""The watcher's pacing, end to end against the Bland and Slack stand-ins: progress counts
within a bytes budget, and polls spaced by each batch's completion rate, on real SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable

from bot.bland.batch_ids import is_v2_batch_id
from bot.bland.lifecycle import LifecycleCounts
from bot.bland.stats import CallCounts
from bot.demo.dataset_v2 import v2_batch
from bot.demo.details import make_batch
from bot.demo.faults import RecordedRequest
from bot.demo.server import BlandServer
from bot.slack.clients import make_slack_client
from bot.storage import Store
from formatters.progress import progress_message
from formatters.progress_v2 import lifecycle_progress
from tests.support.slack_standin import RealClockSlack
from tests.support.waiting import eventually
from tests.support.watcher import POLL, RunWatcher, posts_of, updates, watch

BIG = "PacingBigBatch01-gen-batch"
SMALL = "PacingSmallBat01-gen-batch"
LONG = "PacingLongBatch1-gen-batch"
V2_LONG = "5b0c6a4e-2f7d-4c1e-9a3b-8d6e5f4a3b2c"


async def post_progress(store: Store, slack: RealClockSlack, channel: str, batch_id: str) -> str:
    """What `/batch watch` does: post a progress message and remember it."""
    counts = CallCounts(total=None, completed=None, errored=None)
    message = (
        lifecycle_progress(batch_id=batch_id, label=None, counts=LifecycleCounts(None, None, None))
        if is_v2_batch_id(batch_id)
        else progress_message(batch_id=batch_id, label=None, counts=counts)
    )
    client = make_slack_client("xoxb-test-token", slack.api_url)
    response = await client.chat_postMessage(channel=channel, **message.as_kwargs())
    ts = str(response["ts"])
    assert await store.set_progress_message(
        channel_id=channel, batch_id=batch_id, ts=ts, counts=counts
    )
    return ts


def fetches(bland: BlandServer, batch_id: str) -> list[RecordedRequest]:
    return bland.requests_to(f"/v1/batches/{batch_id}")


def counting(request: RecordedRequest) -> bool:
    return request.query.get("include_calls") == "true"


@contextlib.asynccontextmanager
async def advancing(step: Callable[[], object], every: float) -> AsyncIterator[None]:
    """Calls keep finishing (`step()` every `every` seconds) while the block runs."""

    async def run() -> None:
        while True:
            await asyncio.sleep(every)
            step()

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def edits_of(slack: RealClockSlack, ts: str) -> list[str]:
    return [str(u.get("blocks")) for u in updates(slack) if u.get("ts") == ts]


async def test_big_batches_refresh_counts_within_the_budget_small_ones_as_before(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(make_batch(BIG, calls=300, status="in-progress", completed=20, errors=1))
    bland.add_batch(make_batch(SMALL, calls=40, status="in-progress", completed=2, errors=0))
    big_bytes = len(
        bland.batch(BIG).response_bytes(include_transcripts=False, include_analysis=True)
    )
    # The big batch's counts may come once per 8 polls; the small one's every second poll.
    budget = int(big_bytes * 60 / (8 * POLL))
    for batch_id in (BIG, SMALL):
        await watch(any_store, "C01", batch_id)
    big_ts = await post_progress(any_store, slack_api, "C01", BIG)
    await post_progress(any_store, slack_api, "C01", SMALL)

    def step() -> None:
        bland.advance(BIG, 1)
        bland.advance(SMALL, 1)

    async with (
        advancing(step, POLL),
        run_watcher(any_store, progress_every=2, progress_bytes_per_minute=budget),
    ):
        await eventually(lambda: sum(map(counting, fetches(bland, BIG))) >= 4, within=30)
        await eventually(lambda: len(edits_of(slack_api, big_ts)) >= 2)

    big = [r for r in fetches(bland, BIG) if counting(r)]
    for earlier, later in itertools.pairwise(big):
        # Each fetch waits until the one before it fits the budget.
        assert later.at - earlier.at >= 60 * earlier.sent_bytes / budget
    assert len([r for r in fetches(bland, BIG) if not counting(r)]) >= 2 * (len(big) - 1)
    small = fetches(bland, SMALL)
    assert sum(map(counting, small)) >= 4
    pairs = itertools.pairwise(small)
    assert not any(not counting(a) and not counting(b) for a, b in pairs), (
        "a small batch counts every second poll, as before"
    )
    assert "Counts as of <!date^" in edits_of(slack_api, big_ts)[-1]


async def test_a_long_batch_is_polled_rarely_and_still_alerts_when_stopped_early(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(make_batch(LONG, calls=1000, status="in-progress", completed=50, errors=0))
    await watch(any_store, "C01", LONG)
    ts = await post_progress(any_store, slack_api, "C01", LONG)
    most = 10 * POLL

    def gaps() -> list[float]:
        seen = fetches(bland, LONG)
        return [b.at - a.at for a, b in itertools.pairwise(seen)]

    # About 30 calls a second: half a minute to go, far beyond the longest wait.
    async with (
        advancing(lambda: bland.advance(LONG, 6), POLL),
        run_watcher(any_store, max_poll_seconds=most, progress_bytes_per_minute=10**10),
    ):
        await eventually(lambda: any(gap >= 5 * POLL for gap in gaps()), within=30)
        await eventually(lambda: "min left" in "".join(edits_of(slack_api, ts)))
        assert bland.batch(LONG).pending_calls(), "it was still running"
        # Stopped long before its estimated end: the alert still comes, by the next poll.
        bland.batch(LONG).stop()
        await eventually(lambda: bool(posts_of(slack_api, "C01", LONG)), within=30)


async def test_two_processes_follow_one_schedule_and_alert_once(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    bland.add_batch(make_batch(LONG, calls=1000, status="in-progress", completed=50, errors=0))
    await watch(any_store, "C01", LONG)
    await post_progress(any_store, slack_api, "C01", LONG)
    options = {"max_poll_seconds": 10 * POLL, "progress_bytes_per_minute": 10**10}

    def gaps() -> list[float]:
        seen = fetches(bland, LONG)
        return [b.at - a.at for a, b in itertools.pairwise(seen)]

    async with (
        advancing(lambda: bland.advance(LONG, 6), POLL),
        run_watcher(any_store, owner="first", **options),
        run_watcher(any_store, owner="second", **options),
    ):
        # The wait is stored with the poll: neither process polls the batch meanwhile.
        await eventually(lambda: any(gap >= 5 * POLL for gap in gaps()), within=30)
        bland.batch(LONG).stop()
        await eventually(lambda: bool(posts_of(slack_api, "C01", LONG)), within=30)
        await asyncio.sleep(POLL * 3)
    assert len(posts_of(slack_api, "C01", LONG)) == 1


async def test_a_v2_batch_is_paced_by_its_dispatch_rate(
    any_store: Store, bland: BlandServer, slack_api: RealClockSlack, run_watcher: RunWatcher
) -> None:
    batch = bland.v2_dataset.add(v2_batch(V2_LONG, hours_ago=0.1, calls=1000, finished=0))
    await watch(any_store, "C01", V2_LONG)
    ts = await post_progress(any_store, slack_api, "C01", V2_LONG)
    placed = [0]

    def dispatch() -> None:
        if placed[0] >= 1000:
            return
        placed[0] += 6
        message = f"Requested: 1000. Validated: 1000. Dispatched: {placed[0]}."
        batch.log("lifecycle", {"message": message, "state_change": "in_progress"})

    def gaps() -> list[float]:
        seen = bland.requests_to(f"/v2/batches/{V2_LONG}/logs")
        return [b.at - a.at for a, b in itertools.pairwise(seen)]

    async with (
        advancing(dispatch, POLL),
        run_watcher(any_store, max_poll_seconds=10 * POLL),
    ):
        await eventually(lambda: any(gap >= 5 * POLL for gap in gaps()), within=30)
        await eventually(lambda: "min left" in "".join(edits_of(slack_api, ts)))
        # It ends early, as a stopped batch does; its next poll reads the end.
        placed[0] = 1000
        await bland.finish_v2(V2_LONG)
        await eventually(lambda: bool(posts_of(slack_api, "C01", V2_LONG)), within=30)
