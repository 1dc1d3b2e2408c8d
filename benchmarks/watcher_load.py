"""The watcher at 100 to 10,000 watched in-progress batches on one process (SQLite).

The worker (`python -m benchmarks.watcher_load work ...`) stores the watches, then sets
each batch's next poll to its own phase slot within the coming interval: the schedule
the watcher settles into after its first round (that start-up burst, every batch due
at once, is not measured). It starts the real `bot.watcher.Watcher` at
WATCH_POLL_SECONDS = `--interval` and measures a window of whole intervals: polls (from
the store's per-batch counters), the process's CPU from the OS, RSS. Then, as the
floor, the same process GETs the same URLs with raw aiohttp + `json.loads`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.processes import (
    announce,
    own_cpu_seconds,
    peak_rss_bytes,
    rss_bytes,
    run_worker,
    started,
)
from benchmarks.report import Growth, Row, fit_growth, judged
from benchmarks.standins import BLAND_KEY

FIGURE = "watcher"
REAL_INTERVAL = 30.0
CONCURRENCY = 16
SHARE_TARGET = 25.0
SHARE_TARGET_SIZE = 10_000
RATIO_TARGET = 2.0
FLOOR_MAX_URLS = 5_000
SETTLE_SECONDS = 2.0
# Fewer polls than this share of the batches per interval means the watcher fell behind.
BEHIND = 0.9
POLL_QUERY = {
    "include_calls": "false",
    "include_transcripts": "false",
    "include_analysis": "false",
}


# -- the bot side -------------------------------------------------------------------------


async def add_watches(store: Any, ids: list[str]) -> None:
    from bot.storage.base import WatchKind

    for index, batch_id in enumerate(ids):
        await store.add_watch(
            channel_id=f"C{index % 50:04d}",
            kind=WatchKind.BATCH,
            target_id=batch_id,
            label=None,
            created_by="U0BENCH",
        )


async def seed_schedule(store: Any, ids: list[str], interval: float, *, park: bool) -> None:
    """Each batch due at its phase slot in the next interval (or parked far ahead)."""
    from bot.watcher.schedule import next_poll_delay

    now = time.time()
    async with store.transaction() as tx:
        for batch_id in ids:
            when = now + 1e6 if park else now + next_poll_delay(batch_id, interval, now) % interval
            await tx.execute(
                "UPDATE batches SET next_poll_at = ? WHERE batch_id = ?", when, batch_id
            )


async def poll_counts(store: Any) -> dict[str, int]:
    async with store.transaction() as tx:
        rows = await tx.fetch("SELECT batch_id, polls FROM batches")
    return {str(r["batch_id"]): int(r["polls"]) for r in rows}


def window_stats(before: dict[str, int], after: dict[str, int]) -> dict[str, Any]:
    per_batch = [after.get(k, 0) - v for k, v in before.items()]
    return {
        "polls": sum(per_batch),
        "min_per_batch": min(per_batch, default=0),
        "max_per_batch": max(per_batch, default=0),
    }


async def raw_floor(bland: str, ids: list[str], concurrency: int) -> dict[str, float]:
    """The same GETs with raw aiohttp + json.loads, `concurrency` at a time."""
    queue = list(ids[:FLOOR_MAX_URLS])
    async with aiohttp.ClientSession(headers={"authorization": BLAND_KEY}) as session:

        async def worker() -> None:
            while queue:
                batch_id = queue.pop()
                url = f"{bland}/v1/batches/{batch_id}"
                async with session.get(url, params=POLL_QUERY) as response:
                    json.loads(await response.read())

        warm = ids[: min(len(ids), 50)]
        for batch_id in warm:
            async with session.get(f"{bland}/v1/batches/{batch_id}", params=POLL_QUERY) as r:
                await r.read()
        count = len(queue)
        cpu0, wall0 = own_cpu_seconds(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu, wall = own_cpu_seconds() - cpu0, time.perf_counter() - wall0
    return {"cpu_per_get": cpu / count, "gets": count, "wall": wall}


async def work(args: argparse.Namespace) -> dict[str, Any]:
    from bot.bland.client import BlandClient
    from bot.slack.clients import make_slack_client
    from bot.storage import open_store
    from bot.watcher import Watcher

    ids: list[str] = json.loads(await asyncio.to_thread(Path(args.ids).read_text))
    interval, window = args.interval, args.intervals * args.interval
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bot.db'}")
        await store.open()
        setup0 = time.perf_counter()
        await add_watches(store, ids)
        await seed_schedule(store, ids, interval, park=True)
        setup = time.perf_counter() - setup0
        bland = BlandClient(api_key=BLAND_KEY, base_url=args.bland)
        slack = make_slack_client("xoxb-bench", args.slack)
        watcher = Watcher(store, bland, slack, poll_seconds=interval, concurrency=CONCURRENCY)
        rss_idle = rss_bytes()
        await watcher.start()
        await asyncio.sleep(0.5)
        await seed_schedule(store, ids, interval, park=False)
        # Start counting once the stream of polls runs, not at its very first slot.
        await asyncio.sleep(min(SETTLE_SECONDS, interval / 4))
        before = await poll_counts(store)
        cpu0, wall0 = own_cpu_seconds(), time.perf_counter()
        await asyncio.sleep(window)
        cpu, wall = own_cpu_seconds() - cpu0, time.perf_counter() - wall0
        after = await poll_counts(store)
        rss = rss_bytes()
        peak = peak_rss_bytes()
        await watcher.stop()
        await bland.aclose()
        await store.close()
    floor = await raw_floor(args.bland, ids, CONCURRENCY)
    return {
        "batches": len(ids),
        "interval": interval,
        "window": wall,
        "cpu": cpu,
        "setup_seconds": setup,
        "rss_idle": rss_idle,
        "rss": rss,
        "peak_rss": peak,
        **window_stats(before, after),
        **floor,
    }


# -- the harness side ---------------------------------------------------------------------


def measure(sizes: list[int], interval: float, intervals: int) -> tuple[list[Row], list[Growth]]:
    rows: list[Row] = []
    points: dict[str, list[tuple[float, float]]] = {"cpu_poll": [], "share": [], "rss": []}
    with (
        started(["benchmarks.standins", "bland", "--watch", str(max(sizes))], within=300) as bland,
        started(["benchmarks.standins", "slack"]) as slack,
        tempfile.TemporaryDirectory(prefix="bench-watch-ids-") as tmp,
    ):
        for size in sizes:
            ids_file = Path(tmp) / f"ids-{size}.json"
            ids_file.write_text(json.dumps(bland.info["watched"][:size]))
            result = run_worker(
                [
                    "benchmarks.watcher_load",
                    "work",
                    "--bland",
                    bland.info["url"],
                    "--slack",
                    slack.info["api_url"],
                    "--ids",
                    str(ids_file),
                    "--interval",
                    str(interval),
                    "--intervals",
                    str(intervals),
                ],
                timeout=300 + intervals * interval,
            )
            new_rows = _rows(size, result)
            rows += new_rows
            points["cpu_poll"].append((size, new_rows[1].value or 0.0))
            points["share"].append((size, new_rows[2].value or 0.0))
            points["rss"].append((size, float(result["rss"])))
    names = {"cpu_poll": "CPU per poll", "share": "share of a core", "rss": "RSS"}
    growth = [g for k, v in points.items() if (g := fit_growth(FIGURE, names[k], v))]
    return rows, growth


def _rows(size: int, result: dict[str, Any]) -> list[Row]:
    interval = result["interval"]
    intervals = result["window"] / interval
    polls = result["polls"]
    per_interval = polls / intervals
    cpu_per_poll = result["cpu"] / polls if polls else None
    measured_share = 100 * result["cpu"] / result["window"]
    if interval == REAL_INTERVAL:
        share, how = measured_share, "measured at 30 s"
    else:
        # Extrapolated: this window's CPU per poll, at 30 s's rate of polls.
        share = 100 * (cpu_per_poll or 0.0) * size / REAL_INTERVAL
        how = f"extrapolated from {interval:g} s ({measured_share:.1f} % there)"
    label = f"{size:,} batches"
    extra = {k: v for k, v in result.items() if k != "batches"}
    share_ok = share < SHARE_TARGET if size == SHARE_TARGET_SIZE else None
    return [
        Row(
            FIGURE,
            label,
            f"polls per {interval:g} s interval",
            per_interval,
            "",
            floor=float(size),
            floor_name="one per distinct batch",
            target=f"≤ {RATIO_TARGET:g}x (ideal 1x)",
            status=judged(BEHIND * size <= per_interval <= RATIO_TARGET * size),
            note=f"per batch {result['min_per_batch']}..{result['max_per_batch']}",
            extra=extra,
        ),
        Row(
            FIGURE,
            label,
            "CPU per poll",
            cpu_per_poll,
            "s",
            floor=result["cpu_per_get"],
            floor_name="raw aiohttp GET + json.loads",
            target=f"≤ {RATIO_TARGET:g}x",
            status=judged(
                cpu_per_poll is not None and cpu_per_poll <= RATIO_TARGET * result["cpu_per_get"]
            ),
        ),
        Row(
            FIGURE,
            label,
            "share of a core at 30 s",
            share,
            "%",
            target=f"< {SHARE_TARGET:g} %" if share_ok is not None else "",
            status=judged(share_ok),
            note=how,
        ),
        Row(
            FIGURE,
            label,
            "RSS",
            float(result["rss"]),
            "B",
            floor=float(result["rss_idle"]),
            floor_name="before the watcher started",
            note=f"peak {result['peak_rss'] / 1e6:.0f} MB",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="The bot side of the watcher figure.")
    sub = parser.add_subparsers(dest="command", required=True)
    work_parser = sub.add_parser("work")
    work_parser.add_argument("--bland", required=True)
    work_parser.add_argument("--slack", required=True)
    work_parser.add_argument("--ids", required=True)
    work_parser.add_argument("--interval", type=float, default=REAL_INTERVAL)
    work_parser.add_argument("--intervals", type=int, default=1)
    announce(asyncio.run(work(parser.parse_args())))


if __name__ == "__main__":
    main()
