"""Several watcher processes (`python -m bot --watcher-only`) sharing one PostgreSQL.

For each process count, a fresh database gets N watches, parked while the processes
start; then every batch is set due at its phase slot in the coming interval (the
steady-state schedule, as in `watcher_load`) and a window of whole intervals is
measured: total polls (the store's per-batch counters) and each process's CPU, from
the OS. The floor is the number of distinct batches: ideally one poll each per interval.
Then `benchmarks.takeover` SIGKILLs one of three processes while alerts are pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from typing import Any

from benchmarks import takeover
from benchmarks.processes import announce, clean_env, cpu_between, cpu_ns, started
from benchmarks.report import Growth, Row, judged
from benchmarks.standins import BLAND_KEY
from benchmarks.watch_store import add_watches, poll_counts, seed_schedule, window_stats

FIGURE = "watchers on PostgreSQL"
RATIO_TARGET = 1.1
# CPU per poll across N processes, against one process's in the same run.
CPU_RATIO_TARGET = 1.2
SETTLE_SECONDS = 2.0
# While every batch is parked: each process's CPU with nothing due (its ticks, claims
# that come back empty, heartbeats), the cost that grows with processes, not polls.
IDLE_SECONDS = 3.0
BEHIND = 0.9


class _Ready(logging.Handler):
    """Announces the process once the bot logs that it is ready."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("bot process ready"):
            announce({"ready": True})


def proc() -> int:
    """One real watcher process: `python -m bot --watcher-only`, announced when ready."""
    from bot.__main__ import main

    logging.getLogger("bot.runner").addHandler(_Ready())
    return main(["--watcher-only"])


async def _one_config(
    database_url: str,
    processes: int,
    ids: list[str],
    interval: float,
    intervals: int,
    bland: Any,
    slack: Any,
) -> dict[str, Any]:
    from bot.storage import open_store

    store = open_store(database_url)
    await store.open()
    try:
        await add_watches(store, ids)
        await seed_schedule(store, ids, interval, park=True)
        env = clean_env(
            DATABASE_URL=database_url,
            BLAND_API_KEY=BLAND_KEY,
            BLAND_API_URL=bland.info["url"],
            SLACK_BOT_TOKEN="xoxb-bench",  # noqa: S106 (a local stand-in)
            SLACK_SIGNING_SECRET="bench-secret",  # noqa: S106
            SLACK_API_URL=slack.info["api_url"],
            WATCH_POLL_SECONDS=f"{interval:g}",
            LOG_LEVEL="INFO",
        )
        with contextlib.ExitStack() as stack:
            children = [
                stack.enter_context(started(["benchmarks.multiprocess", "proc"], env=env))
                for _ in range(processes)
            ]
            await asyncio.sleep(0.5)
            # In ns per thread (schedstat): /proc's 10 ms ticks are most of an idle window.
            idle0 = [cpu_ns(c.pid) for c in children]
            idle_wall0 = time.perf_counter()
            await asyncio.sleep(IDLE_SECONDS)
            idle = [cpu_between(c0, cpu_ns(c.pid)) for c, c0 in zip(children, idle0, strict=True)]
            idle_rate = sum(idle) / (time.perf_counter() - idle_wall0)
            await seed_schedule(store, ids, interval, park=False)
            await asyncio.sleep(min(SETTLE_SECONDS, interval / 4))
            before = await poll_counts(store)
            cpu0 = [c.cpu_seconds() for c in children]
            wall0 = time.perf_counter()
            await asyncio.sleep(interval * intervals)
            cpu = [c.cpu_seconds() - c0 for c, c0 in zip(children, cpu0, strict=True)]
            wall = time.perf_counter() - wall0
            after = await poll_counts(store)
            rss = [c.rss() for c in children]
    finally:
        await store.close()
    return {
        "cpu": cpu,
        "window": wall,
        "rss": rss,
        "idle_cpu_per_second": idle_rate,
        **window_stats(before, after),
    }


def measure(
    counts: list[int], batches: int, interval: float, intervals: int, takeover_seconds: float
) -> tuple[list[Row], list[Growth]]:
    try:
        from tests.support.postgres import running_postgres
    except ImportError as exc:
        return [_skipped(f"cannot start PostgreSQL: {exc}")], []
    rows: list[Row] = []
    with contextlib.ExitStack() as stack:
        try:
            pg = stack.enter_context(running_postgres())
        except BaseException as exc:  # pytest.fail raises an OutcomeException
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            return [_skipped(f"PostgreSQL unavailable: {str(exc).splitlines()[0][:120]}")], []
        bland = stack.enter_context(
            started(["benchmarks.standins", "bland", "--watch", str(batches)], within=300)
        )
        slack = stack.enter_context(started(["benchmarks.standins", "slack"]))
        ids = bland.info["watched"]
        one_process: float | None = None
        # One process first: the others' CPU per poll is judged against it.
        for count in sorted(set(counts) | {1}):
            url = pg.new_database_sync()
            result = asyncio.run(_one_config(url, count, ids, interval, intervals, bland, slack))
            new_rows = _rows(count, len(ids), interval, result, one_process)
            if count == 1:
                one_process = new_rows[1].value
            rows += new_rows
        rows += takeover.measure(pg, bland, slack, ids, interval, takeover_seconds)
    return rows, []


def _rows(
    count: int, batches: int, interval: float, result: dict[str, Any], one_process: float | None
) -> list[Row]:
    per_interval = result["polls"] / (result["window"] / interval)
    cpu = sum(result["cpu"])
    cpu_per_poll = cpu / result["polls"] if result["polls"] else None
    judged_cpu = count > 1 and one_process is not None and cpu_per_poll is not None
    label = f"{count} proc, {batches:,} batches"
    shares = ", ".join(f"{100 * c / result['window']:.1f}" for c in result["cpu"])
    idle = result["idle_cpu_per_second"]
    idle_per_poll = idle * result["window"] / result["polls"] if result["polls"] else 0.0
    return [
        Row(
            FIGURE,
            label,
            f"total polls per {interval:g} s interval",
            per_interval,
            "",
            floor=float(batches),
            floor_name="distinct batches",
            target=f"≤ {RATIO_TARGET:g}x",
            status=judged(BEHIND * batches <= per_interval <= RATIO_TARGET * batches),
            note=f"per batch {result['min_per_batch']}..{result['max_per_batch']}",
            extra=result,
        ),
        Row(
            FIGURE,
            label,
            "CPU per poll (all processes)",
            cpu_per_poll,
            "s",
            floor=one_process if count > 1 else None,
            floor_name="one process, same run",
            target=f"≤ {CPU_RATIO_TARGET:g}x" if count > 1 else "",
            status=judged(
                cpu_per_poll <= CPU_RATIO_TARGET * one_process
                if judged_cpu and cpu_per_poll is not None and one_process is not None
                else None
            ),
            note=f"% of a core per process: {shares}",
        ),
        Row(
            FIGURE,
            label,
            "idle share of a core, all processes (nothing due)",
            100 * idle,
            "%",
            note=(
                f"{1e6 * idle_per_poll:.0f} µs of each poll's CPU at this rate; "
                f"{IDLE_SECONDS:g} s with every batch parked"
            ),
            status="info",
        ),
    ]


def _skipped(reason: str) -> Row:
    return Row(FIGURE, "-", "total polls per interval", None, "", status="skipped", note=reason)


if __name__ == "__main__":
    if sys.argv[1:] == ["proc"]:
        sys.exit(proc())
    sys.exit("usage: python -m benchmarks.multiprocess proc")
