"""`/batch <id>`, the calls page, a transcript and the CSV export, on the users' path.

The real bot (`bot.runner.Bot`, HTTP mode, `benchmarks.ack_latency serve --app real`)
runs in its own process, one fresh process per view and size, beside the Bland and
Slack stand-ins in theirs. The harness sends each command as Slack does (a signed
request to `/slack/events`) and waits for the reply to reach the stand-in's
response_url. Everything is read from outside the bot:

- **CPU**: the bot process's own clock, summed over its threads
  (`/proc/<pid>/task/*/schedstat`, in ns; `/proc/<pid>/stat`'s 10 ms ticks if a thread
  ended meanwhile), from sending the command to its reply: the request, its signature,
  Bolt, the fetch, the parse, the formatting and the reply: everything the process does.
- **Peak RSS above idle**: `/proc/<pid>/status` VmHWM after the reply, the high-water
  mark having been reset (`clear_refs` 5) just before the command, minus VmRSS then.
- **Bytes fetched**: what the Bland stand-in served for the command.

Floor, same run: `json.loads` of the bytes the command fetched (each URL it asked for,
re-fetched afterwards with the same query), in the harness. Every figure is the median
of its runs, after one warm-up command on a small batch (imports, connections, caches).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.ack_latency import signed_command
from benchmarks.processes import Child, clean_env, cpu_between, cpu_ns, started
from benchmarks.report import Growth, Row, fit_growth, judged
from benchmarks.standins import BLAND_KEY, control

CPU_TARGET_RATIO = 1.3
RSS_TARGET_RATIO = 3.0
WALL_TARGET_SECONDS = 2.0
WALL_TARGET_SIZE = 10_000
FLOOR_REPEATS = 3
# A small batch the warm-up command reads: imports, connections and Bolt's auth.test.
WARM_CALLS = 30
REPLY_WITHIN = 300.0
CHECK_EVERY = 0.005
FIXED_RUNS = 3
NO_TRANSCRIPTS = "include_calls=true&include_transcripts=false&include_analysis=true"


@dataclass(frozen=True)
class View:
    """One command users send, and the figure its rows are filed under."""

    key: str
    figure: str
    text: Callable[[str, str], str]


VIEWS = (
    View("summary", "/batch <id>", lambda batch, call: batch),
    View("calls", "/batch calls <id>", lambda batch, call: f"calls {batch}"),
    View(
        "transcript",
        "/batch transcript <id> <call>",
        lambda batch, call: f"transcript {batch} {call}",
    ),
    View(
        "export",
        "/batch export <id> transcripts",
        lambda batch, call: f"export {batch} transcripts",
    ),
)
FIGURE = VIEWS[0].figure


# -- reading the bot from outside ---------------------------------------------------------


def reset_peak(pid: int) -> int:
    """Reset the process's RSS high-water mark; its RSS now, in bytes."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _status_kb(pid, "VmRSS") * 1024


def peak(pid: int) -> int:
    return _status_kb(pid, "VmHWM") * 1024


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


# -- the harness --------------------------------------------------------------------------


class Harness:
    """Sends signed commands to one bot and waits for each reply."""

    def __init__(self, bot: Child, bland: Child, slack: Child) -> None:
        self.bot, self.bland, self.slack = bot, bland, slack
        self.url = f"http://127.0.0.1:{bot.info['port']}/slack/events"
        self.replies = control(slack.info["control_url"], "/_bench/responses")["count"]
        self.sent = 0

    def command(self, text: str) -> dict[str, Any]:
        """One command, measured: CPU, peak RSS above idle, wall time, what was fetched."""
        control(self.bland.info["url"], "/_bench/reset")
        control(self.slack.info["control_url"], "/_bench/forget", body={})
        pid = self.bot.pid
        idle = reset_peak(pid)
        before = cpu_ns(pid)
        started_at = time.perf_counter()
        asyncio.run(self._send(text))
        self._wait_reply()
        wall = time.perf_counter() - started_at
        cpu = cpu_between(before, cpu_ns(pid))
        high = peak(pid)
        served = control(self.bland.info["url"], "/_bench/served")
        return {
            "cpu": cpu,
            "wall": wall,
            "rss_above_idle": max(0, high - idle),
            "idle_rss": idle,
            "bytes": served["bytes"],
            "gets": served["requests"],
            "queries": served["queries"],
        }

    async def _send(self, text: str) -> None:
        body, headers = signed_command(text, self.slack.info["response_url"], self.sent)
        self.sent += 1
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body, headers=headers) as response,
        ):
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"/batch {text.split()[0]} answered HTTP {response.status}")

    def _wait_reply(self) -> None:
        deadline = time.monotonic() + REPLY_WITHIN
        while time.monotonic() < deadline:
            count = control(self.slack.info["control_url"], "/_bench/responses")["count"]
            if count > self.replies:
                self.replies = count
                return
            time.sleep(CHECK_EVERY)
        raise RuntimeError(f"no reply within {REPLY_WITHIN:.0f} s")


def floor_cpu(bland_url: str, queries: dict[str, str]) -> tuple[float, int]:
    """CPU of `json.loads` of each body the command fetched (median of repeats); bytes."""
    bodies = [_fetch(f"{bland_url}{path}?{query}") for path, query in queries.items()]
    times = []
    for _ in range(FLOOR_REPEATS):
        started_at = time.process_time()
        for body in bodies:
            json.loads(body)
        times.append(time.process_time() - started_at)
    return statistics.median(times), sum(len(b) for b in bodies)


def _fetch(url: str) -> bytes:
    async def get() -> bytes:
        async with (
            aiohttp.ClientSession(headers={"authorization": BLAND_KEY}) as session,
            session.get(url) as response,
        ):
            return await response.read()

    return asyncio.run(get())


@contextlib.contextmanager
def bot_process(bland: Child, slack: Child, db: Path) -> Iterator[Child]:
    """The real bot, HTTP mode, in a process of its own (as `ack_latency` runs it)."""
    args = ["benchmarks.ack_latency", "serve", "--app", "real", "--mode", "http"]
    args += ["--bland", bland.info["url"], "--slack", slack.info["api_url"], "--db", str(db)]
    with started(args, env=clean_env()) as bot:
        yield bot


def measure(sizes: list[int], runs: int) -> tuple[list[Row], list[Growth]]:
    rows: list[Row] = []
    growth: list[Growth] = []
    points: dict[tuple[str, str], list[tuple[float, float]]] = {}
    all_sizes = sorted({*sizes, WARM_CALLS})
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-batch-")))
        bland = stack.enter_context(
            started(
                ["benchmarks.standins", "bland", "--sizes", ",".join(map(str, all_sizes))],
                within=600,
            )
        )
        slack = stack.enter_context(started(["benchmarks.standins", "slack"]))
        ids = bland.info["by_size"]
        for view in VIEWS:
            for size in sizes:
                with bot_process(bland, slack, tmp / f"{view.key}-{size}.db") as bot:
                    harness = Harness(bot, bland, slack)
                    warm = view.text(ids[str(WARM_CALLS)], ids[f"{WARM_CALLS}:call"])
                    harness.command(warm)
                    # What the command costs whatever the batch: Bolt, the signed request,
                    # the reply, the store. It alone is more than 0.3x the floor at 1k.
                    fixed = statistics.median(
                        harness.command(warm)["cpu"] for _ in range(FIXED_RUNS)
                    )
                    text = view.text(ids[str(size)], ids[f"{size}:call"])
                    count = runs if size < 50_000 else max(1, runs - 2)
                    samples = [harness.command(text) for _ in range(count)]
                floor, fetched = floor_cpu(bland.info["url"], samples[-1]["queries"])
                plain = f"/v1/batches/{ids[str(size)]}?{NO_TRANSCRIPTS}"
                no_transcripts = len(_fetch(bland.info["url"] + plain))
                rows += _rows(view, size, samples, floor, fetched, no_transcripts)
                rows.append(
                    Row(
                        view.figure,
                        f"{size:,} calls",
                        f"bot CPU of the same command on a {WARM_CALLS}-call batch",
                        fixed,
                        "s",
                        floor=floor,
                        floor_name="json.loads of the bytes fetched",
                        note="the fixed cost per command",
                    )
                )
                cpu = statistics.median(s["cpu"] for s in samples)
                points.setdefault((view.figure, "bot CPU"), []).append((size, cpu))
                rss = max(s["rss_above_idle"] for s in samples)
                points.setdefault((view.figure, "peak RSS above idle"), []).append((size, rss))
    for (figure, metric), values in points.items():
        fit = fit_growth(figure, metric, values)
        if fit:
            growth.append(fit)
    return rows, growth


def _rows(
    view: View,
    size: int,
    samples: list[dict[str, Any]],
    floor: float,
    fetched: int,
    no_transcripts: int,
) -> list[Row]:
    cpu = statistics.median(s["cpu"] for s in samples)
    wall = statistics.median(s["wall"] for s in samples)
    rss = max(s["rss_above_idle"] for s in samples)
    label = f"{size:,} calls"
    extra = {
        "runs": [{k: v for k, v in s.items() if k != "queries"} for s in samples],
        "queries": samples[-1]["queries"],
        "gets_per_command": samples[-1]["gets"],
    }
    note = f"median of {len(samples)}"
    rows = [
        Row(
            view.figure,
            label,
            "bot CPU (whole process, signed request to reply)",
            cpu,
            "s",
            floor=floor,
            floor_name="json.loads of the bytes fetched",
            target=f"≤ {CPU_TARGET_RATIO:g}x",
            status=judged(cpu <= CPU_TARGET_RATIO * floor),
            note=note,
            extra=extra,
        ),
        Row(
            view.figure,
            label,
            "peak RSS above idle",
            float(rss),
            "B",
            floor=float(fetched),
            floor_name="bytes fetched",
            target=f"≤ {RSS_TARGET_RATIO:g}x",
            status=judged(rss <= RSS_TARGET_RATIO * fetched),
            note=f"largest of {len(samples)}",
        ),
    ]
    wall_ok = wall <= WALL_TARGET_SECONDS if size == WALL_TARGET_SIZE else None
    rows.append(
        Row(
            view.figure,
            label,
            "wall time (signed request to reply)",
            wall,
            "s",
            target=f"≤ {WALL_TARGET_SECONDS:g} s" if wall_ok is not None else "",
            status=judged(wall_ok if view.key == "summary" else None),
        )
    )
    if view.key == "summary":
        # The summary asks for calls without transcripts: never more than that answer.
        rows.insert(
            0,
            Row(
                view.figure,
                label,
                "bytes fetched",
                float(fetched),
                "B",
                floor=float(no_transcripts),
                floor_name="no-transcripts response",
                target="≤ 1.0x",
                status=judged(fetched <= no_transcripts),
            ),
        )
    return rows
