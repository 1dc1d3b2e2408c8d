"""`/batch <id>` on 1k to 50k-call batches: bytes fetched, bot CPU, wall time, peak RSS.

The worker (`python -m benchmarks.batch_view work ...`, one process per size) runs the
real `/batch` listener (`handlers.commands.batch_command`) with the real BlandClient,
an SQLite store and Bolt's own `respond`, against the Bland and Slack stand-ins in their
own processes. Floors, taken in the same worker: the size of the no-transcripts
response, and the CPU of `json.loads` on the bytes the listener fetched.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
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

FIGURE = "/batch <id>"
WALL_TARGET_SECONDS = 2.0
WALL_TARGET_SIZE = 10_000
CPU_TARGET_RATIO = 2.0
FLOOR_REPEATS = 3


# -- the bot side -------------------------------------------------------------------------


async def work(args: argparse.Namespace) -> dict[str, Any]:
    from slack_bolt.async_app import AsyncBoltContext
    from slack_bolt.context.respond.async_respond import AsyncRespond

    from bot.bland.client import BlandClient
    from bot.services import Services
    from bot.storage import open_store
    from handlers.commands import batch_command

    headers = {"authorization": BLAND_KEY}
    replies: list[str] = []
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bot.db'}")
        await store.open()
        async with (
            BlandClient(api_key=BLAND_KEY, base_url=args.bland) as bland,
            aiohttp.ClientSession(headers=headers) as raw,
        ):
            services = Services(bland=bland, store=store)
            send = AsyncRespond(response_url=args.response_url)

            async def respond(**kwargs: Any) -> Any:
                replies.append(str(kwargs.get("text") or "")[:120])
                return await send(**kwargs)

            async def ack(*_: Any, **__: Any) -> None:
                return None

            command = {
                "command": "/batch",
                "text": args.batch_id,
                "user_id": "U0BENCH",
                "channel_id": "C0BENCH",
                "response_url": args.response_url,
            }
            rss_before = rss_bytes()
            for _ in range(args.runs):
                await raw.post(f"{args.bland}/_bench/reset")
                cpu0, wall0 = own_cpu_seconds(), time.perf_counter()
                await batch_command(
                    ack=ack,
                    command=command,
                    respond=respond,
                    context=AsyncBoltContext({"services": services}),
                )
                wall = time.perf_counter() - wall0
                cpu = own_cpu_seconds() - cpu0
                async with raw.get(f"{args.bland}/_bench/served") as response:
                    served = await response.json()
                runs.append(
                    {"cpu": cpu, "wall": wall, "bytes": served["bytes"], "gets": served["requests"]}
                )
            peak = peak_rss_bytes()
            rss_after = rss_bytes()
            path = f"/v1/batches/{args.batch_id}"
            query = served["queries"].get(path, "")
            async with raw.get(f"{args.bland}{path}?{query}") as response:
                fetched = await response.read()
            floor_cpu = []
            for _ in range(FLOOR_REPEATS):
                cpu0 = own_cpu_seconds()
                json.loads(fetched)
                floor_cpu.append(own_cpu_seconds() - cpu0)
            no_transcripts = "include_calls=true&include_transcripts=false&include_analysis=true"
            async with raw.get(f"{args.bland}{path}?{no_transcripts}") as response:
                floor_bytes = len(await response.read())
        await store.close()
    return {
        "runs": runs,
        "query": query,
        "reply": replies[-1] if replies else "",
        "floor_cpu": statistics.median(floor_cpu),
        "floor_bytes": floor_bytes,
        "peak_rss": peak,
        "rss_before": rss_before,
        "rss_after": rss_after,
    }


# -- the harness side ---------------------------------------------------------------------


def measure(sizes: list[int], runs: int) -> tuple[list[Row], list[Growth]]:
    rows: list[Row] = []
    points: dict[str, list[tuple[float, float]]] = {"cpu": [], "wall": [], "bytes": [], "rss": []}
    with (
        started(
            ["benchmarks.standins", "bland", "--sizes", ",".join(map(str, sizes))], within=300
        ) as bland,
        started(["benchmarks.standins", "slack"]) as slack,
    ):
        for size in sizes:
            result = run_worker(
                [
                    "benchmarks.batch_view",
                    "work",
                    "--bland",
                    bland.info["url"],
                    "--batch-id",
                    bland.info["by_size"][str(size)],
                    "--response-url",
                    slack.info["response_url"],
                    "--runs",
                    str(runs if size < 50_000 else max(1, runs - 1)),
                ],
                timeout=300,
            )
            rows += _rows(size, result)
            cpu = statistics.median(r["cpu"] for r in result["runs"])
            wall = statistics.median(r["wall"] for r in result["runs"])
            points["cpu"].append((size, cpu))
            points["wall"].append((size, wall))
            points["bytes"].append((size, statistics.median(r["bytes"] for r in result["runs"])))
            points["rss"].append((size, result["peak_rss"] - result["rss_before"]))
    names = {
        "cpu": "bot CPU",
        "wall": "wall time",
        "bytes": "bytes fetched",
        "rss": "peak RSS above idle",
    }
    growth = [g for k, v in points.items() if (g := fit_growth(FIGURE, names[k], v))]
    return rows, growth


def _rows(size: int, result: dict[str, Any]) -> list[Row]:
    runs = result["runs"]
    cpu = statistics.median(r["cpu"] for r in runs)
    wall = statistics.median(r["wall"] for r in runs)
    fetched = statistics.median(r["bytes"] for r in runs)
    extra = {
        "runs": runs,
        "query": result["query"],
        "reply": result["reply"],
        "gets_per_command": runs[-1]["gets"],
    }
    label = f"{size:,} calls"
    wall_ok = wall <= WALL_TARGET_SECONDS if size == WALL_TARGET_SIZE else None
    return [
        Row(
            FIGURE,
            label,
            "bytes fetched",
            fetched,
            "B",
            floor=result["floor_bytes"],
            floor_name="no-transcripts response",
            target="≤ 1.0x",
            status=judged(fetched <= result["floor_bytes"]),
            extra=extra,
        ),
        Row(
            FIGURE,
            label,
            "bot CPU",
            cpu,
            "s",
            floor=result["floor_cpu"],
            floor_name="json.loads of fetched bytes",
            target=f"≤ {CPU_TARGET_RATIO:g}x",
            status=judged(cpu <= CPU_TARGET_RATIO * result["floor_cpu"]),
        ),
        Row(
            FIGURE,
            label,
            "wall time",
            wall,
            "s",
            target=f"≤ {WALL_TARGET_SECONDS:g} s" if wall_ok is not None else "",
            status=judged(wall_ok),
        ),
        Row(
            FIGURE,
            label,
            "peak RSS",
            result["peak_rss"],
            "B",
            floor=result["rss_before"],
            floor_name="RSS before the command",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="The bot side of the /batch figure.")
    sub = parser.add_subparsers(dest="command", required=True)
    work_parser = sub.add_parser("work")
    work_parser.add_argument("--bland", required=True)
    work_parser.add_argument("--batch-id", required=True)
    work_parser.add_argument("--response-url", required=True)
    work_parser.add_argument("--runs", type=int, default=3)
    announce(asyncio.run(work(parser.parse_args())))


if __name__ == "__main__":
    main()
