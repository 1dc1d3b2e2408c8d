"""Launches the Bland and Slack stand-ins in their own process, with benchmark controls.

`python -m benchmarks.standins bland --sizes 1000,10000 --watch 100 --watch-v2 100` serves
one completed batch per size plus `--watch` in-progress v1 batches and `--watch-v2` running
v2 batches (UUID ids, polled by their log); `... slack` serves the Slack stand-in.
Each prints one JSON line (URLs, ids) and runs until SIGTERM. The controls under
`/_bench/` count what the bot fetched, push Socket Mode commands, finish or stall
batches and list alert posts; the bot never calls them while it is being measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import time
import urllib.request
from typing import Any

from aiohttp import web

from benchmarks.processes import announce
from bot.demo.dataset import DemoDataset, benchmark_dataset
from bot.demo.dataset_v2 import DemoV2Dataset, v2_batch
from bot.demo.server import BlandServer
from tests.support.slack_standin import RealClockSlack

BLAND_KEY = "bench-key"
HOST = "127.0.0.1"
# Sizes get their own seed so their ids differ from the watched batches' ids.
SIZE_SEED_BASE = 1_000
WATCH_SEED = 7
WATCH_CALLS = 2
WATCH_V2_CALLS = 3
# Most URLs `/_bench/urls` keeps: a 30 s window at 10,000 watched batches is 10,000.
MAX_RECORDED_URLS = 50_000
# How often a control that waits for something looks again.
POLL_CONTROL_SECONDS = 0.05


def bland_dataset(sizes: list[int], watch: int) -> tuple[DemoDataset, dict[str, str], list[str]]:
    """One completed batch per size, and `watch` in-progress batches of a few calls."""
    dataset = DemoDataset()
    by_size: dict[str, str] = {}
    for size in sizes:
        made = benchmark_dataset(batches=1, calls=size, seed=SIZE_SEED_BASE + size)
        batch = next(iter(made.batches.values()))
        dataset.add(batch)
        by_size[str(size)] = batch.batch_id
        by_size[f"{size}:call"] = made.tour_call_id
    watched: list[str] = []
    if watch:
        made = benchmark_dataset(
            batches=watch, calls=WATCH_CALLS, in_progress=watch, seed=WATCH_SEED
        )
        for batch in made.batches.values():
            dataset.add(batch)
            watched.append(batch.batch_id)
    return dataset, by_size, watched


def v2_ids(count: int) -> list[str]:
    return [f"be7c0000-0000-4000-8000-{n:012d}" for n in range(count)]


def bland_v2_dataset(watch: int) -> DemoV2Dataset:
    """`watch` running v2 batches of a few calls, one finished: each log holds its phases."""
    return DemoV2Dataset(
        v2_batch(batch_id, hours_ago=0.1, calls=WATCH_V2_CALLS, finished=1, seed=n)
        for n, batch_id in enumerate(v2_ids(watch))
    )


class Served:
    """What the Bland stand-in answered: requests, body bytes, the last query per path, and
    (since the last reset) every URL asked for, which a benchmark's floor replays."""

    def __init__(self) -> None:
        self.requests = 0
        self.bytes = 0
        self.queries: dict[str, str] = {}
        self.urls: list[str] = []

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        if request.path.startswith("/_bench/"):
            return response
        self.requests += 1
        body = getattr(response, "body", None)
        if isinstance(body, bytes | bytearray):
            self.bytes += len(body)
        self.queries[request.path] = request.query_string
        if len(self.urls) < MAX_RECORDED_URLS:
            self.urls.append(request.path_qs)
        return response

    async def report(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"requests": self.requests, "bytes": self.bytes, "queries": self.queries}
        )

    async def reset(self, request: web.Request) -> web.Response:
        self.requests, self.bytes, self.queries, self.urls = 0, 0, {}, []
        return web.json_response({"ok": True})

    async def report_urls(self, request: web.Request) -> web.Response:
        return web.json_response({"urls": self.urls})


async def run_bland(args: argparse.Namespace, stop: asyncio.Event) -> None:
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    dataset, by_size, watched = bland_dataset(sizes, args.watch)
    # Pre-serialize the views the bot asks for, so the first request isn't the slow one.
    for batch in dataset.batches.values():
        if len(batch.calls) > WATCH_CALLS:
            batch.response_bytes(include_transcripts=False)
            batch.response_bytes(include_transcripts=False, include_analysis=False)
            batch.response_bytes(include_transcripts=True, include_analysis=False)
    v2 = bland_v2_dataset(args.watch_v2) if args.watch_v2 else None
    server = BlandServer(dataset, api_key=BLAND_KEY, v2_dataset=v2)
    # The server's own request log would grow without bound over thousands of polls.
    server.requests = _Discard()
    served = Served()
    server.app.middlewares.append(served.middleware)
    server.app.router.add_get("/_bench/served", served.report)
    server.app.router.add_get("/_bench/urls", served.report_urls)
    server.app.router.add_post("/_bench/reset", served.reset)

    async def complete(request: web.Request) -> web.Response:
        """Finish the batches `ids` now."""
        for batch_id in (await request.json())["ids"]:
            server.complete_batch(batch_id)
        return web.json_response({"ok": True})

    async def hang(request: web.Request) -> web.Response:
        """Stall the next request to `path` for `seconds`; answers once it is stalled."""
        spec = await request.json()
        fault = server.hang_next(1, seconds=float(spec["seconds"]), path=str(spec["path"]))
        for _ in range(int(float(spec.get("within", 30)) / POLL_CONTROL_SECONDS)):
            if fault.used:
                break
            await asyncio.sleep(POLL_CONTROL_SECONDS)
        return web.json_response({"hung": fault.used > 0})

    server.app.router.add_post("/_bench/complete", complete)
    server.app.router.add_post("/_bench/hang", hang)
    url = await server.start(0)
    announce(
        {
            "url": url,
            "key": BLAND_KEY,
            "by_size": by_size,
            "watched": watched,
            "watched_v2": v2.ids() if v2 is not None else [],
        }
    )
    try:
        await stop.wait()
    finally:
        await server.stop()


def control(url: str, path: str, *, body: Any = None, timeout: float = 60.0) -> Any:
    """Call a stand-in's `/_bench/` control (GET, or POST with a JSON body); its JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
        url + path,
        data=data,
        method="GET" if data is None and not path.endswith("reset") else "POST",
        headers={"authorization": BLAND_KEY, "content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read())


class _Discard(list[Any]):
    def append(self, item: Any) -> None:
        pass


async def run_slack(args: argparse.Namespace, stop: asyncio.Event) -> None:
    # Message ts from the real clock, as Slack's: a process taking over a dead one's
    # alerts looks for its posts in history from the alert's creation time, and would
    # miss a post stamped with the stand-in's fixed 2023 clock and post it again.
    async with RealClockSlack() as slack:
        control = web.Application()

        async def push(request: web.Request) -> web.Response:
            """Push `n` slash commands at once over the socket; each one's seconds to ack."""
            spec = await request.json()
            n, text = int(spec["n"]), str(spec["text"])

            async def one(index: int) -> float:
                started = time.perf_counter()
                await slack.push_slash_command(
                    text, response_token=f"sock{index % 8}", within=float(spec.get("within", 30))
                )
                return time.perf_counter() - started

            latencies = await asyncio.gather(*(one(i) for i in range(n)))
            return web.json_response({"latencies": latencies})

        async def responses(request: web.Request) -> web.Response:
            return web.json_response({"count": sum(len(v) for v in slack.responses.values())})

        async def counts(request: web.Request) -> web.Response:
            """Web API calls so far, by method, and response_url posts."""
            by_method: dict[str, int] = {}
            for call in slack.calls:
                by_method[call.method] = by_method.get(call.method, 0) + 1
            replies = sum(len(v) for v in slack.responses.values())
            return web.json_response({"methods": by_method, "responses": replies})

        async def forget(request: web.Request) -> web.Response:
            """Drop the files uploaded so far: a 50k-call export is tens of MB each time."""
            slack.uploads.clear()
            slack.files.clear()
            return web.json_response({"ok": True})

        async def connected(request: web.Request) -> web.Response:
            await slack.wait_connected(within=float(request.query.get("within", "20")))
            return web.json_response({"ok": True})

        async def posts(request: web.Request) -> web.Response:
            """Every alert post so far: its channel, batch and arrival (monotonic clock)."""
            found = []
            for call in slack.calls_to("chat.postMessage"):
                payload = (call.params.get("metadata") or {}).get("event_payload") or {}
                if "batch_id" in payload:
                    found.append(
                        {
                            "channel": call.params.get("channel"),
                            "batch_id": payload["batch_id"],
                            "at": call.at,
                        }
                    )
            return web.json_response({"posts": found})

        control.router.add_post("/_bench/push", push)
        control.router.add_get("/_bench/posts", posts)
        control.router.add_get("/_bench/responses", responses)
        control.router.add_get("/_bench/counts", counts)
        control.router.add_get("/_bench/connected", connected)
        control.router.add_post("/_bench/forget", forget)
        runner = web.AppRunner(control, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, HOST, 0).start()
        control_url = f"http://{HOST}:{runner.addresses[0][1]}"
        announce(
            {
                "api_url": slack.api_url,
                "url": slack.url,
                "response_url": slack.response_url("http"),
                "control_url": control_url,
            }
        )
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


async def main_async(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await (run_bland(args, stop) if args.which == "bland" else run_slack(args, stop))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("which", choices=["bland", "slack"])
    parser.add_argument("--sizes", default="", help="comma-separated calls per batch")
    parser.add_argument("--watch", type=int, default=0, help="in-progress batches to serve")
    parser.add_argument("--watch-v2", type=int, default=0, help="running v2 batches to serve")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
