"""The watcher on the users' path: the real bot, its watches made with signed `/batch watch`.

For each kind (v1: status polls; v2: log polls) and size, the real bot
(`python -m benchmarks.watcher_load serve ...`: `bot.runner.Bot` in HTTP mode, listener and
watcher in one process, as production's single worker) starts on a fresh SQLite file.
The harness sends a signed `/batch watch <id>` per batch, paced, as Slack would, so
each watch has its live progress message on the Slack stand-in. Once every reply has
arrived, and half an interval has passed (each batch then sits at its own phase of
the interval, as the schedule settles), a window of whole intervals is measured from
outside the bot's process: its CPU (user + system, all threads, psutil / `/proc`), the
requests the Bland stand-in answered (one per poll), the Slack calls made, and RSS.

The floor, in the same run: `python -m benchmarks.watcher_load floor` GETs the very URLs
the Bland stand-in served in the window with raw aiohttp + `json.loads`, 16 at a time,
and measures its own CPU; then (an info row, not the target's floor) up to 2,000 of the
same GETs spread at the window's rate, a task each, as the watcher must spread its polls.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.signature import SignatureVerifier

from benchmarks.processes import (
    Child,
    announce,
    clean_env,
    own_cpu_seconds,
    run_worker,
    serve_bot,
    started,
)
from benchmarks.report import Growth, Row, fit_growth, judged
from benchmarks.standins import BLAND_KEY, control

FIGURE = "watcher"
REAL_INTERVAL = 30.0
CONCURRENCY = 16
SHARE_TARGET = 10.0
SHARE_TARGET_SIZE = 10_000
RATIO_TARGET = 1.5
POLLS_TARGET = 2.0
# Fewer polls than this share of the batches per interval means the watcher fell behind.
BEHIND = 0.9
SECRET = "bench-signing-secret"  # noqa: S105 (a local stand-in's secret)
BOT_TOKEN = "xoxb-bench"  # noqa: S105
# Watch commands in flight at once, and channels they are spread over.
COMMANDS_AT_ONCE = 16
CHANNELS = 50
KINDS = ("v1", "v2")
# The paced floor replays this many of the window's URLs at the window's rate.
PACED_MAX_GETS = 2_000


# -- the bot side -------------------------------------------------------------------------


async def serve(args: argparse.Namespace) -> None:
    """Run the real bot (HTTP mode: listener and watcher) until SIGTERM; announce its port."""
    await serve_bot(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_app_token="",
        slack_api_url=args.slack,
        bland_api_key=BLAND_KEY,
        bland_api_url=args.bland,
        database_url=f"sqlite:///{args.db}",
        watch_poll_seconds=args.interval,
    )


# -- the floor ----------------------------------------------------------------------------


async def raw_floor(bland: str, paths: list[str], concurrency: int) -> dict[str, float]:
    """The same GETs with raw aiohttp + json.loads, `concurrency` at a time."""
    queue = list(reversed(paths))
    async with aiohttp.ClientSession(headers={"authorization": BLAND_KEY}) as session:

        async def worker() -> None:
            while queue:
                async with session.get(bland + queue.pop()) as response:
                    json.loads(await response.read())

        for path in paths[:50]:
            async with session.get(bland + path) as response:
                await response.read()
        count = len(queue)
        cpu0, wall0 = own_cpu_seconds(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu, wall = own_cpu_seconds() - cpu0, time.perf_counter() - wall0
    return {"cpu_per_get": cpu / max(1, count), "gets": count, "wall": wall}


async def paced_floor(bland: str, paths: list[str], rate: float) -> dict[str, float]:
    """The same GETs spread evenly at `rate` per second, each its own task, as the
    watcher spreads its polls: what one poll costs a bare loop that must wake for it."""
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(headers={"authorization": BLAND_KEY}) as session:

        async def get(path: str) -> None:
            async with session.get(bland + path) as response:
                json.loads(await response.read())

        for path in paths[:50]:
            await get(path)
        tasks: list[asyncio.Task[None]] = []
        cpu0, start = own_cpu_seconds(), loop.time()
        for index, path in enumerate(paths):
            await asyncio.sleep(max(0.0, start + index / rate - loop.time()))
            tasks.append(asyncio.create_task(get(path)))
        await asyncio.gather(*tasks)
        cpu = own_cpu_seconds() - cpu0
    return {"paced_cpu_per_get": cpu / max(1, len(paths)), "paced_gets": len(paths)}


async def floor(args: argparse.Namespace) -> dict[str, float]:
    paths: list[str] = json.loads(await asyncio.to_thread(Path(args.urls).read_text))
    result = await raw_floor(args.bland, paths, CONCURRENCY)
    if args.rate > 0:
        result |= await paced_floor(args.bland, paths[:PACED_MAX_GETS], args.rate)
    return result


# -- the harness side ---------------------------------------------------------------------


def signed_watch(batch_id: str, response_url: str, index: int) -> tuple[bytes, dict[str, str]]:
    """`/batch watch <id>` as Slack sends it, signed; channels and users spread."""
    body = urllib.parse.urlencode(
        {
            "token": "verification-token",
            "team_id": "T0STANDIN",
            "team_domain": "standin",
            "channel_id": f"C0W{index % CHANNELS:04d}",
            "channel_name": "bench",
            "user_id": f"U0BENCH{index % 10}",
            "user_name": "bench",
            "command": "/batch",
            "text": f"watch {batch_id}",
            "api_app_id": "A0APP",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{int(time.time())}.{index}.bench",
        }
    )
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature or "",
    }
    return body.encode(), headers


async def watch_all(port: int, ids: list[str], slack: Child) -> None:
    """One signed `/batch watch` per batch, COMMANDS_AT_ONCE in flight: each waits for
    its ack, and a new chunk goes only once the replies so far have arrived."""
    url = f"http://127.0.0.1:{port}/slack/events"
    response_url = slack.info["response_url"]
    control_url = slack.info["control_url"]
    replies0 = control(control_url, "/_bench/counts")["responses"]
    async with aiohttp.ClientSession() as session:

        async def one(index: int, batch_id: str) -> None:
            body, headers = signed_watch(batch_id, response_url, index)
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"/batch watch answered HTTP {response.status}")

        for start in range(0, len(ids), COMMANDS_AT_ONCE):
            chunk = ids[start : start + COMMANDS_AT_ONCE]
            await asyncio.gather(*(one(start + i, b) for i, b in enumerate(chunk)))
            await asyncio.to_thread(
                _replies_reach, control_url, replies0 + start + len(chunk), within=60.0
            )


def _replies_reach(control_url: str, count: int, *, within: float) -> None:
    deadline = time.monotonic() + within
    while control(control_url, "/_bench/counts")["responses"] < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"fewer than {count} watch replies within {within:.0f} s")
        time.sleep(0.02)


def peak_rss(child: Child) -> int:
    """The process's peak resident set (VmHWM), from /proc."""
    for line in Path(f"/proc/{child.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def one_run(
    kind: str,
    ids: list[str],
    interval: float,
    intervals: int,
    bland: Child,
    slack: Child,
    tmp: Path,
) -> dict[str, Any]:
    """One fresh bot watching `ids`; the window's figures from outside, and the floor's."""
    db = tmp / f"{kind}-{len(ids)}.db"
    bland_url, slack_control = bland.info["url"], slack.info["control_url"]
    args = ["benchmarks.watcher_load", "serve", "--bland", bland_url]
    args += ["--slack", slack.info["api_url"], "--db", str(db), "--interval", str(interval)]
    with started(args, env=clean_env()) as bot:
        time.sleep(0.5)
        rss_idle = bot.rss()
        posts0 = control(slack_control, "/_bench/counts")["methods"].get("chat.postMessage", 0)
        cpu0, setup0 = bot.cpu_seconds(), time.perf_counter()
        asyncio.run(watch_all(int(bot.info["port"]), ids, slack))
        setup, setup_cpu = time.perf_counter() - setup0, bot.cpu_seconds() - cpu0
        before = control(slack_control, "/_bench/counts")["methods"]
        posted = before.get("chat.postMessage", 0) - posts0
        # Each batch was polled as its watch began, then at its own phase: after half an
        # interval every one sits in the steady schedule.
        time.sleep(interval / 2 + 1.0)
        control(bland_url, "/_bench/reset")
        before = control(slack_control, "/_bench/counts")["methods"]
        cpu0, wall0 = bot.cpu_seconds(), time.perf_counter()
        time.sleep(interval * intervals)
        cpu, wall = bot.cpu_seconds() - cpu0, time.perf_counter() - wall0
        served = control(bland_url, "/_bench/served")
        after = control(slack_control, "/_bench/counts")["methods"]
        urls: list[str] = control(bland_url, "/_bench/urls")["urls"]
        rss, peak = bot.rss(), peak_rss(bot)
    urls_file = tmp / f"urls-{kind}-{len(ids)}.json"
    urls_file.write_text(json.dumps(urls))
    rate = len(urls) / wall
    floor_args = ["benchmarks.watcher_load", "floor", "--bland", bland_url]
    floor_args += ["--urls", str(urls_file), "--rate", f"{rate:.3f}"]
    floor_result = run_worker(floor_args, timeout=300)
    slack_calls = {m: after.get(m, 0) - before.get(m, 0) for m in after}
    return {
        "kind": kind,
        "batches": len(ids),
        "interval": interval,
        "window": wall,
        "cpu": cpu,
        "polls": int(served["requests"]),
        "bytes": int(served["bytes"]),
        "slack_calls": {m: n for m, n in slack_calls.items() if n},
        "progress_posted": posted,
        "setup_seconds": setup,
        "setup_cpu": setup_cpu,
        "rss_idle": rss_idle,
        "rss": rss,
        "peak_rss": peak,
        **floor_result,
    }


def measure(
    sizes: dict[str, list[int]], interval: float, intervals: int
) -> tuple[list[Row], list[Growth]]:
    rows: list[Row] = []
    growth: list[Growth] = []
    v1_max, v2_max = max(sizes.get("v1") or [0]), max(sizes.get("v2") or [0])
    bland_args = ["benchmarks.standins", "bland", "--watch", str(v1_max)]
    bland_args += ["--watch-v2", str(v2_max)]
    with contextlib.ExitStack() as stack:
        bland = stack.enter_context(started(bland_args, within=300))
        slack = stack.enter_context(started(["benchmarks.standins", "slack"]))
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-watch-")))
        for kind in KINDS:
            points: dict[str, list[tuple[float, float]]] = {"cpu": [], "share": [], "rss": []}
            all_ids = bland.info["watched" if kind == "v1" else "watched_v2"]
            for size in sizes.get(kind) or []:
                result = one_run(kind, all_ids[:size], interval, intervals, bland, slack, tmp)
                new_rows = _rows(result)
                rows += new_rows
                points["cpu"].append((size, new_rows[1].value or 0.0))
                points["share"].append((size, new_rows[3].value or 0.0))
                points["rss"].append((size, float(max(1, result["rss"] - result["rss_idle"]))))
            names = {"cpu": "CPU per poll", "share": "share of a core", "rss": "RSS above idle"}
            growth += [
                g for k, v in points.items() if (g := fit_growth(f"{FIGURE} ({kind})", names[k], v))
            ]
    return rows, growth


def _rows(result: dict[str, Any]) -> list[Row]:
    kind, size, interval = result["kind"], result["batches"], result["interval"]
    polls = result["polls"]
    per_interval = polls / (result["window"] / interval)
    cpu_per_poll = result["cpu"] / polls if polls else None
    measured_share = 100 * result["cpu"] / result["window"]
    if interval == REAL_INTERVAL:
        share, how = measured_share, "measured at 30 s"
    else:
        # Extrapolated: this window's CPU per poll, at 30 s's rate of polls.
        share = 100 * (cpu_per_poll or 0.0) * size / REAL_INTERVAL
        how = f"extrapolated from {interval:g} s ({measured_share:.1f} % there)"
    figure = FIGURE
    label = f"{size:,} watched, {kind} {'status' if kind == 'v1' else 'log'} polls"
    extra = {k: v for k, v in result.items() if k != "batches"}
    share_ok = share < SHARE_TARGET if size == SHARE_TARGET_SIZE else None
    edits = result["slack_calls"].get("chat.update", 0)
    rate = polls / result["window"]
    return [
        Row(
            figure,
            label,
            f"polls per {interval:g} s interval",
            per_interval,
            "",
            floor=float(size),
            floor_name="one per distinct batch",
            target=f"≤ {POLLS_TARGET:g}x (ideal 1x)",
            status=judged(BEHIND * size <= per_interval <= POLLS_TARGET * size),
            note=f"{result['progress_posted']:,} progress messages; {edits} edits in the window",
            extra=extra,
        ),
        Row(
            figure,
            label,
            "bot CPU per poll (from /proc)",
            cpu_per_poll,
            "s",
            floor=result["cpu_per_get"],
            floor_name="raw aiohttp GET + json.loads, same URLs",
            target=f"≤ {RATIO_TARGET:g}x",
            status=judged(
                cpu_per_poll is not None and cpu_per_poll <= RATIO_TARGET * result["cpu_per_get"]
            ),
        ),
        Row(
            figure,
            label,
            "bot CPU per poll vs a paced bare loop",
            cpu_per_poll,
            "s",
            floor=result.get("paced_cpu_per_get"),
            floor_name="same GETs + json.loads spread at the window's rate, a task each",
            note=f"{result.get('paced_gets', 0):,} GETs at {rate:.0f}/s",
        ),
        Row(
            figure,
            label,
            "share of a core at 30 s",
            share,
            "%",
            target=f"< {SHARE_TARGET:g} %" if share_ok is not None else "",
            status=judged(share_ok),
            note=how,
        ),
        Row(
            figure,
            label,
            "RSS",
            float(result["rss"]),
            "B",
            floor=float(result["rss_idle"]),
            floor_name="bot started, nothing watched",
            note=f"peak {result['peak_rss'] / 1e6:.0f} MB",
        ),
        Row(
            figure,
            label,
            "bot CPU per /batch watch (ack, probe, progress post, reply)",
            result["setup_cpu"] / size,
            "s",
            note=f"{size:,} signed commands in {result['setup_seconds']:.0f} s",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="The bot and floor sides of the watcher figure.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser("serve")
    serve_parser.add_argument("--bland", required=True)
    serve_parser.add_argument("--slack", required=True)
    serve_parser.add_argument("--db", required=True)
    serve_parser.add_argument("--interval", type=float, default=REAL_INTERVAL)
    floor_parser = sub.add_parser("floor")
    floor_parser.add_argument("--bland", required=True)
    floor_parser.add_argument("--urls", required=True)
    floor_parser.add_argument("--rate", type=float, default=0.0, help="paced GETs per second")
    args = parser.parse_args()
    if args.command == "serve":
        asyncio.run(serve(args))
    else:
        announce(asyncio.run(floor(args)))


if __name__ == "__main__":
    main()
