"""Three watcher processes on one PostgreSQL, one SIGKILLed while its work is pending.

A fresh database gets a few batches, each watched by three channels. Three
`python -m bot --watcher-only` processes start with the default 60 s lease. One poll is
stalled (the Bland stand-in holds the request), so the process that made it holds that
batch; then every batch finishes, and once the first alert lands that process is
killed. Measured: every alert's arrival after its batch finished (the slowest is the
figure), and alerts lost or posted twice. The stalled batch can only be finished by
another process taking the dead one's claim over, which its heartbeat allows after
`WATCH_TAKEOVER_SECONDS`, not after the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from benchmarks.processes import Child, clean_env, started
from benchmarks.report import Row, judged
from benchmarks.standins import BLAND_KEY, control

FIGURE = "takeover after SIGKILL"
PROCESSES = 3
CHANNELS = ("CKILL01", "CKILL02", "CKILL03")
MAX_BATCHES = 20
STALL_SECONDS = 600.0
# The longest the run waits for every alert before counting the missing ones as lost.
GIVE_UP_AFTER = 120.0


async def _scenario(
    database_url: str,
    ids: list[str],
    interval: float,
    takeover: float,
    bland: Any,
    slack: Any,
) -> dict[str, Any]:
    from bot.storage import open_store
    from bot.storage.base import WatchKind

    store = open_store(database_url)
    await store.open()
    try:
        for batch_id in ids:
            for channel in CHANNELS:
                await store.add_watch(
                    channel_id=channel,
                    kind=WatchKind.BATCH,
                    target_id=batch_id,
                    label=None,
                    created_by="U0BENCH",
                )
        env = clean_env(
            DATABASE_URL=database_url,
            BLAND_API_KEY=BLAND_KEY,
            BLAND_API_URL=bland.info["url"],
            SLACK_BOT_TOKEN="xoxb-bench",  # noqa: S106 (a local stand-in)
            SLACK_SIGNING_SECRET="bench-secret",  # noqa: S106
            SLACK_API_URL=slack.info["api_url"],
            WATCH_POLL_SECONDS=f"{interval:g}",
            WATCH_TAKEOVER_SECONDS=f"{takeover:g}",
            LOG_LEVEL="INFO",
        )
        with contextlib.ExitStack() as stack:
            children = [
                stack.enter_context(started(["benchmarks.multiprocess", "proc"], env=env))
                for _ in range(PROCESSES)
            ]
            stalled = ids[0]
            hung = control(
                bland.info["url"],
                "/_bench/hang",
                body={"path": f"/v1/batches/{stalled}", "seconds": STALL_SECONDS, "within": 60},
            )
            if not hung["hung"]:
                raise RuntimeError("no process polled the stalled batch")
            victim = _holder(children, await _lease_owner(store, stalled))
            before = len(_posts(slack))
            finished_at = time.monotonic()
            control(bland.info["url"], "/_bench/complete", body={"ids": ids})
            await _until(lambda: len(_posts(slack)) > before, GIVE_UP_AFTER)
            victim.proc.kill()
            victim.proc.wait()
            killed_after = time.monotonic() - finished_at

            expected = {(c, b) for c in CHANNELS for b in ids}
            await _until(lambda: expected <= set(_delivered(slack, expected)), GIVE_UP_AFTER)
            # Every claim of the dead process lapsed together, with the stalled batch's,
            # so anything else it held has been taken over by now: a second post shows.
            await asyncio.sleep(max(2.0, interval))
            delivered = _delivered(slack, expected)
            late = [at - finished_at for at in _first_arrivals(slack, expected).values()]
            takeovers = sum(_takeovers(c) for c in children if c is not victim)
    finally:
        await store.close()
    return {
        "alerts": len(expected),
        "lost": len(expected - set(delivered)),
        "doubled": sum(1 for n in delivered.values() if n > 1),
        "slowest": max(late, default=None),
        "killed_after": killed_after,
        "takeovers": takeovers,
    }


async def _until(check: Callable[[], bool], within: float, every: float = 0.1) -> bool:
    """Wait (bounded) until `check()` holds; whether it did."""
    for _ in range(int(within / every)):
        if check():
            return True
        await asyncio.sleep(every)
    return check()


async def _lease_owner(store: Any, batch_id: str) -> str:
    async with store.transaction() as tx:
        rows = await tx.fetch("SELECT lease_owner FROM batches WHERE batch_id = ?", batch_id)
    return str(rows[0]["lease_owner"])


def _holder(children: list[Child], owner: str) -> Child:
    """The child whose watcher is `owner` (`host:pid:tag`)."""
    pid = int(owner.split(":")[1])
    return next(c for c in children if c.pid == pid)


def _posts(slack: Any) -> list[dict[str, Any]]:
    return list(control(slack.info["control_url"], "/_bench/posts")["posts"])


def _delivered(slack: Any, expected: set[tuple[str, str]]) -> Counter[tuple[str, str]]:
    pairs = ((p["channel"], p["batch_id"]) for p in _posts(slack))
    return Counter(pair for pair in pairs if pair in expected)


def _first_arrivals(slack: Any, expected: set[tuple[str, str]]) -> dict[tuple[str, str], float]:
    first: dict[tuple[str, str], float] = {}
    for post in _posts(slack):
        pair = (post["channel"], post["batch_id"])
        if pair in expected:
            first[pair] = min(first.get(pair, post["at"]), post["at"])
    return first


def _takeovers(child: Child) -> int:
    return len(re.findall(r"taken over from ", child.log_tail(chars=1 << 24)))


def measure(
    pg: Any, bland: Any, slack: Any, ids: list[str], interval: float, takeover: float
) -> list[Row]:
    """The figure on its own fresh database; call it last (it finishes the batches)."""
    chosen = ids[:MAX_BATCHES]
    result = asyncio.run(
        _scenario(pg.new_database_sync(), chosen, interval, takeover, slack=slack, bland=bland)
    )
    label = f"{PROCESSES} proc, {result['alerts']} alerts"
    bound = interval + takeover
    slowest = result["slowest"]
    return [
        Row(
            FIGURE,
            label,
            "slowest alert, from its batch finishing",
            slowest,
            "s",
            target=f"≤ poll {interval:g} s + takeover {takeover:g} s",
            status=judged(slowest is not None and slowest <= bound),
            note=(
                f"killed {result['killed_after']:.1f} s after the batches finished; "
                f"{result['takeovers']} claim(s) taken over; lease 60 s"
            ),
            extra=result,
        ),
        Row(
            FIGURE,
            label,
            "alerts lost or posted twice",
            float(result["lost"] + result["doubled"]),
            "",
            target="0",
            status=judged(result["lost"] == 0 and result["doubled"] == 0),
            note=f"lost {result['lost']}, doubled {result['doubled']}",
        ),
    ]
