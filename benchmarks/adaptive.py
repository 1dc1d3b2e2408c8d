"""Issue 11, targets 4 and 5: what progress counts cost a minute, and polls by completion rate.

One process runs the real `Watcher` (`bot.watcher`) on real SQLite against the Bland
stand-in (`bot.demo.server`, which counts the bytes it answers) and the Slack stand-in.
The watches are inserted through the store, each with a progress message posted first,
as `/batch watch` leaves them (not through signed commands: the harness must end each
batch at a known moment, which it does on its own stand-in).

- **schedule**: the same batches, finishing at known times (some short, most long, one
  stopped at 40% of its course), are watched twice at once: at a fixed interval
  (WATCH_MAX_POLL_SECONDS = WATCH_POLL_SECONDS) and adaptively. Requests to Bland per
  completed batch, and alert latency from the end (set on the stand-in) to the alert's
  arrival at Slack. Time is scaled: the full run polls every 3 s with a 30 s maximum
  (the defaults' 30 s and 300 s, divided by 10), batches lasting 1 to 5 minutes
  (10 to 50 minutes at the defaults' scale); the latency target scales likewise
  (interval + 10 s / 10).
- **bytes**: a 1,000-call and a 10,000-call batch, each with a progress message, polled
  at `bytes_interval`: bytes per minute of their counts fetches in steady state (every
  fetch but the last, over the time from the first to the last), against
  WATCH_PROGRESS_BYTES_PER_MINUTE, and what the old schedule (counts every second poll)
  cost at the default 30 s interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.ack_latency import percentile
from benchmarks.report import Row, judged
from bot.bland.client import BlandClient
from bot.bland.stats import CallCounts
from bot.demo.dataset import DemoDataset
from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from bot.slack.clients import make_slack_client
from bot.storage import Store, open_store
from bot.storage.base import WatchKind
from bot.watcher import Watcher
from bot.watcher.outbox import EVENT_TYPE
from formatters.progress import progress_message
from tests.support.slack_standin import RealClockSlack

FIGURE = "poll schedule"
BYTES_FIGURE = "progress counts"
KEY = "bench-key"
CHANNEL = "C0BENCH"
# The defaults this run's time scale is read against: WATCH_POLL_SECONDS.
DEFAULT_INTERVAL = 30.0
# How often the harness moves each batch on.
TICK = 0.25


@dataclass(frozen=True)
class Scale:
    """One mode's sizes: the schedule run's and the bytes run's."""

    interval: float
    max_interval: float
    durations: list[float]
    calls: int
    # The batch stopped early: its course, and when (a share of it) it is stopped.
    early: float
    early_at: float = 0.4
    bytes_sizes: list[int] = field(default_factory=lambda: [1_000, 10_000])
    bytes_interval: float = 5.0
    bytes_budget: int = 1_000_000
    bytes_window: float = 400.0


SCALES = {
    "full": Scale(
        interval=3.0,
        max_interval=30.0,
        durations=[60, 90, 120, 150, 180, 210, 240, 270, 300, 300, 240, 180],
        calls=300,
        early=300,
    ),
    "quick": Scale(
        interval=1.0,
        max_interval=10.0,
        durations=[20, 30, 40, 50, 60, 70, 80, 90],
        calls=300,
        early=90,
        bytes_budget=12_000_000,
        bytes_window=75.0,
    ),
    "smoke": Scale(
        interval=0.5,
        max_interval=5.0,
        durations=[6, 8, 10, 12],
        calls=100,
        early=12,
        bytes_sizes=[1_000],
        bytes_interval=0.5,
        bytes_budget=50_000_000,
        bytes_window=6.0,
    ),
}


@dataclass
class Course:
    """One batch the harness moves on: `calls` over `seconds`, or stopped at `stop_at`."""

    batch_id: str
    calls: int
    seconds: float
    stop_at: float | None = None
    done: int = 0
    ended_at: float | None = None


@dataclass
class Outcome:
    """One watcher's run over the courses: requests and alert latency per batch."""

    requests: dict[str, int]
    latency: dict[str, float]


async def _watch_with_progress(store: Store, slack: RealClockSlack, batch_id: str) -> None:
    """What `/batch watch` leaves: an active watch and its channel's progress message."""
    await store.add_watch(
        channel_id=CHANNEL, kind=WatchKind.BATCH, target_id=batch_id, label=None, created_by="U0B"
    )
    counts = CallCounts(total=None, completed=None, errored=None)
    message = progress_message(batch_id=batch_id, label=None, counts=counts)
    client = make_slack_client("xoxb-bench", slack.api_url)
    response = await client.chat_postMessage(channel=CHANNEL, **message.as_kwargs())
    await store.set_progress_message(
        channel_id=CHANNEL, batch_id=batch_id, ts=str(response["ts"]), counts=counts
    )


@contextlib.asynccontextmanager
async def _watched(
    tmp: Path,
    name: str,
    batches: list[str],
    bland: BlandServer,
    *,
    poll_seconds: float,
    max_poll_seconds: float | None = None,
    progress_bytes_per_minute: int = 1_000_000,
) -> AsyncIterator[RealClockSlack]:
    """A watcher (with its store, client and Slack stand-in) watching `batches`."""
    async with contextlib.AsyncExitStack() as stack:
        slack = await stack.enter_async_context(RealClockSlack())
        store = open_store(f"sqlite:///{tmp / f'{name}.db'}")
        await store.open()
        stack.push_async_callback(store.close)
        for batch_id in batches:
            await _watch_with_progress(store, slack, batch_id)
        client = await stack.enter_async_context(BlandClient(api_key=KEY, base_url=bland.url))
        watcher = Watcher(
            store,
            client,
            make_slack_client("xoxb-bench", slack.api_url),
            poll_seconds=poll_seconds,
            concurrency=16,
            max_poll_seconds=max_poll_seconds,
            progress_bytes_per_minute=progress_bytes_per_minute,
        )
        await watcher.start()
        stack.push_async_callback(watcher.stop)
        yield slack


def _alerts(slack: RealClockSlack) -> dict[str, float]:
    """When each batch's first alert reached Slack (monotonic)."""
    found: dict[str, float] = {}
    for call in slack.calls_to("chat.postMessage"):
        metadata = call.params.get("metadata") or {}
        if isinstance(metadata, str):
            continue
        if metadata.get("event_type") == EVENT_TYPE:
            found.setdefault(metadata["event_payload"]["batch_id"], call.at)
    return found


async def _drive(bland: BlandServer, courses: list[Course], started: float) -> None:
    """Move each batch on at its pace until all have ended."""
    while any(c.ended_at is None for c in courses):
        await asyncio.sleep(TICK)
        elapsed = time.monotonic() - started
        for course in courses:
            if course.ended_at is not None:
                continue
            batch = bland.batch(course.batch_id)
            if course.stop_at is not None and elapsed >= course.stop_at:
                batch.stop()
                course.ended_at = time.monotonic()
                continue
            target = min(course.calls, int(course.calls * elapsed / course.seconds))
            if target > course.done:
                batch.advance(target - course.done)
                course.done = target
            if elapsed >= course.seconds:
                bland.complete_batch(course.batch_id)
                course.ended_at = time.monotonic()


async def _schedule_runs(scale: Scale, tmp: Path) -> tuple[dict[str, Outcome], list[Course]]:
    ids = [f"Adaptive{index:08d}-gen-batch" for index in range(len(scale.durations) + 1)]
    runs: dict[str, Outcome] = {}
    modes = {"fixed": scale.interval, "adaptive": scale.max_interval}
    servers: dict[str, BlandServer] = {}
    courses_by_mode: dict[str, list[Course]] = {}
    async with contextlib.AsyncExitStack() as stack:
        slacks: dict[str, RealClockSlack] = {}
        for mode, most in modes.items():
            bland = BlandServer(DemoDataset(), api_key=KEY)
            await bland.start()
            stack.push_async_callback(bland.stop)
            servers[mode] = bland
            for batch_id in ids:
                bland.add_batch(
                    make_batch(batch_id, calls=scale.calls, status="in-progress", completed=0)
                )
            courses_by_mode[mode] = [
                Course(batch_id, scale.calls, seconds)
                for batch_id, seconds in zip(ids, scale.durations, strict=False)
            ] + [Course(ids[-1], scale.calls, scale.early, stop_at=scale.early * scale.early_at)]
            slacks[mode] = await stack.enter_async_context(
                _watched(
                    tmp,
                    mode,
                    ids,
                    bland,
                    poll_seconds=scale.interval,
                    max_poll_seconds=most,
                )
            )
        started = time.monotonic()
        await asyncio.gather(
            *(_drive(servers[mode], courses_by_mode[mode], started) for mode in modes)
        )
        deadline = time.monotonic() + 2 * scale.max_interval + 10
        for _ in range(int((deadline - time.monotonic()) / 0.2)):
            if all(len(_alerts(slacks[mode])) >= len(ids) for mode in modes):
                break
            await asyncio.sleep(0.2)
        for mode in modes:
            alerts = _alerts(slacks[mode])
            requests = {
                batch_id: servers[mode].count(f"/v1/batches/{batch_id}") for batch_id in ids
            }
            latency = {
                c.batch_id: alerts[c.batch_id] - c.ended_at
                for c in courses_by_mode[mode]
                if c.ended_at is not None and c.batch_id in alerts
            }
            runs[mode] = Outcome(requests, latency)
    return runs, courses_by_mode["adaptive"]


async def _bytes_run(scale: Scale, tmp: Path) -> dict[int, tuple[float | None, int, int]]:
    """Per size: steady bytes a minute of counts fetches, bytes of one fetch, fetches."""
    bland = BlandServer(DemoDataset(), api_key=KEY)
    await bland.start()
    ids = {size: f"Budget{size:010d}-gen-batch" for size in scale.bytes_sizes}
    try:
        for size, batch_id in ids.items():
            bland.add_batch(
                make_batch(batch_id, calls=size, status="in-progress", completed=size // 10)
            )
        async with _watched(
            tmp,
            "bytes",
            list(ids.values()),
            bland,
            poll_seconds=scale.bytes_interval,
            progress_bytes_per_minute=scale.bytes_budget,
        ):
            await asyncio.sleep(scale.bytes_window)
        found: dict[int, tuple[float | None, int, int]] = {}
        for size, batch_id in ids.items():
            fetched = [
                r
                for r in bland.requests_to(f"/v1/batches/{batch_id}")
                if r.query.get("include_calls") == "true"
            ]
            one = fetched[0].sent_bytes if fetched else 0
            steady = None
            if len(fetched) >= 2:
                span = fetched[-1].at - fetched[0].at
                steady = sum(r.sent_bytes for r in fetched[:-1]) / span * 60
            found[size] = (steady, one, len(fetched))
        return found
    finally:
        await bland.stop()


def measure(mode: str) -> list[Row]:
    scale = SCALES[mode]
    with tempfile.TemporaryDirectory(prefix="bench-adaptive-") as name:
        tmp = Path(name)

        async def both() -> tuple[
            tuple[dict[str, Outcome], list[Course]], dict[int, tuple[float | None, int, int]]
        ]:
            return await asyncio.gather(_schedule_runs(scale, tmp), _bytes_run(scale, tmp))

        (runs, courses), sizes = asyncio.run(both())
    return _schedule_rows(scale, runs, courses) + _bytes_rows(scale, sizes)


def _schedule_rows(scale: Scale, runs: dict[str, Outcome], courses: list[Course]) -> list[Row]:
    early = next(c.batch_id for c in courses if c.stop_at is not None)
    on_time = [c.batch_id for c in courses if c.stop_at is None]
    size = (
        f"{len(courses)} batches, {scale.interval:g}/{scale.max_interval:g} s, "
        f"{min(scale.durations):g}-{max(scale.durations):g} s"
    )
    fixed, adaptive = runs["fixed"], runs["adaptive"]
    per_fixed = sum(fixed.requests.values()) / len(courses)
    per_adaptive = sum(adaptive.requests.values()) / len(courses)
    rows = [
        Row(
            FIGURE,
            size,
            "requests per completed batch",
            round(per_adaptive, 1),
            "req",
            floor=round(per_fixed, 1),
            floor_name="fixed interval",
            target="<= 1/3 of fixed",
            status=judged(per_adaptive * 3 <= per_fixed),
            note=f"{per_fixed / per_adaptive:.1f}x fewer" if per_adaptive else "",
        )
    ]
    latency_target = scale.interval + 10.0 * scale.interval / DEFAULT_INTERVAL
    for q in (50, 95):
        values = {m: [runs[m].latency[b] for b in on_time if b in runs[m].latency] for m in runs}
        missing = len(on_time) - len(values["adaptive"])
        value = percentile(values["adaptive"], q) if values["adaptive"] else None
        floor = percentile(values["fixed"], q) if values["fixed"] else None
        rows.append(
            Row(
                FIGURE,
                size,
                f"alert latency p{q}",
                None if value is None else round(value, 2),
                "s",
                floor=None if floor is None else round(floor, 2),
                floor_name="fixed interval",
                target=f"<= {latency_target:g} s (interval + 10 s, scaled)" if q == 95 else "",
                status=judged(value is not None and value <= latency_target and not missing)
                if q == 95
                else "info",
                note=f"{missing} alert(s) missing" if missing else "",
            )
        )
    stopped = adaptive.latency.get(early)
    rows.append(
        Row(
            FIGURE,
            size,
            "alert latency, stopped early",
            None if stopped is None else round(stopped, 2),
            "s",
            floor=None if early not in fixed.latency else round(fixed.latency[early], 2),
            floor_name="fixed interval",
            target=f"<= {scale.max_interval:g} s + a poll",
            status=judged(stopped is not None and stopped <= scale.max_interval + scale.interval),
            note="stopped at 40% of its course; bounded by WATCH_MAX_POLL_SECONDS",
        )
    )
    return rows


def _bytes_rows(scale: Scale, sizes: dict[int, tuple[float | None, int, int]]) -> list[Row]:
    rows = []
    for size, (steady, one, fetches) in sizes.items():
        before = one * 60 / (2 * DEFAULT_INTERVAL)
        rows.append(
            Row(
                BYTES_FIGURE,
                f"{size:,} calls",
                "bytes per minute (steady)",
                None if steady is None else round(steady / 1e6, 3),
                "MB/min",
                floor=round(scale.bytes_budget / 1e6, 3),
                floor_name="WATCH_PROGRESS_BYTES_PER_MINUTE",
                target="<= budget",
                status=judged(None if steady is None else steady <= scale.bytes_budget),
                note=(
                    f"{fetches} fetches of {one / 1e6:.2f} MB in {scale.bytes_window:g} s at "
                    f"{scale.bytes_interval:g} s polls; before: {before / 1e6:.2f} MB/min "
                    "(every 2nd poll at 30 s)"
                    + ("" if steady is not None else "; one fetch only: window too short")
                ),
                extra={"fetch_bytes": one, "fetches": fetches, "before_bytes_per_min": before},
            )
        )
    return rows
