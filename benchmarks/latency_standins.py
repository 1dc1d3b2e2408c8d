"""The stand-ins of the alert-latency figure, each in its own process, with its controls.

`python -m benchmarks.latency_standins bland --batches 30` serves that many running v2
batches (`bot.demo`), and under `/_bench/v2/` sets their status webhooks, ends one now
(POSTing its webhook, as Bland does) and says when a poll first read each end.
`... slack` is the Slack stand-in, whose `/_bench/alerts` says when each batch's first
alert arrived. `... relay --slack URL` is the floor: a bare receiver that posts one
message to Slack for each webhook, with no store, queue or outbox.

Times are `time.monotonic()`, one clock for every process on the machine. Each prints
one JSON line (URLs, ids) and runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import time
from typing import Any

import aiohttp
from aiohttp import web

from benchmarks.processes import announce
from benchmarks.standins import v2_ids
from bot.demo.batches_v2 import FINAL
from bot.demo.dataset import DemoDataset
from bot.demo.dataset_v2 import DemoV2Dataset, v2_batch
from bot.demo.server import BlandServer
from bot.watcher.outbox import EVENT_TYPE
from tests.support.slack_standin import SlackStandIn

BLAND_KEY = "bench-key"
HOST = "127.0.0.1"
RELAY_TOKEN = "xoxb-bench-relay"  # noqa: S105 (a local stand-in's token)


async def run_bland(args: argparse.Namespace, stop: asyncio.Event) -> None:
    ids = v2_ids(args.batches)
    dataset = DemoV2Dataset(
        v2_batch(batch_id, hours_ago=0.1, calls=3, finished=1, seed=n)
        for n, batch_id in enumerate(ids)
    )
    server = BlandServer(DemoDataset(), api_key=BLAND_KEY, v2_dataset=dataset)
    server.requests = _Discard()
    first_read: dict[str, float] = {}

    @web.middleware
    async def reads(request: web.Request, handler: Any) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        parts = request.path.split("/")
        if len(parts) == 5 and parts[1:3] == ["v2", "batches"] and parts[4] == "logs":
            batch = dataset.get(parts[3])
            if batch is not None and batch.state in FINAL:
                first_read.setdefault(batch.batch_id, time.monotonic())
        return response

    async def webhooks(request: web.Request) -> web.Response:
        spec = await request.json()
        for batch_id in spec["ids"]:
            server.set_status_webhook(batch_id, str(spec["url"]), str(spec["secret"]))
        return web.json_response({"ok": True})

    async def finish(request: web.Request) -> web.Response:
        """End the batch now; its webhook (if set) is POSTed before this answers."""
        batch_id = str((await request.json())["batch_id"])
        ended_at = time.monotonic()
        await server.finish_v2(batch_id)
        return web.json_response({"ended_at": ended_at})

    async def read_ends(request: web.Request) -> web.Response:
        return web.json_response(first_read)

    server.app.middlewares.append(reads)
    server.app.router.add_post("/_bench/v2/webhooks", webhooks)
    server.app.router.add_post("/_bench/v2/finish", finish)
    server.app.router.add_get("/_bench/v2/read_ends", read_ends)
    url = await server.start(0)
    announce({"url": url, "key": BLAND_KEY, "ids": ids})
    try:
        await stop.wait()
    finally:
        await server.stop()


async def run_slack(args: argparse.Namespace, stop: asyncio.Event) -> None:
    async with SlackStandIn() as slack:

        async def alerts(request: web.Request) -> web.Response:
            """When each batch's first alert post arrived."""
            first: dict[str, float] = {}
            for call in slack.calls_to("chat.postMessage"):
                metadata = call.params.get("metadata") or {}
                if metadata.get("event_type") == EVENT_TYPE:
                    first.setdefault(str(metadata["event_payload"]["batch_id"]), call.at)
            return web.json_response(first)

        control = web.Application()
        control.router.add_get("/_bench/alerts", alerts)
        runner = web.AppRunner(control, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, HOST, 0).start()
        announce(
            {
                "api_url": slack.api_url,
                "response_url": slack.response_url("latency"),
                "control_url": f"http://{HOST}:{runner.addresses[0][1]}",
            }
        )
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


async def run_relay(args: argparse.Namespace, stop: asyncio.Event) -> None:
    """The floor: receive a webhook, post one alert, answer. Nothing verified or stored."""
    async with aiohttp.ClientSession() as session:

        async def relay(request: web.Request) -> web.Response:
            batch_id = json.loads(await request.read())["batch_id"]
            metadata = {"event_type": EVENT_TYPE, "event_payload": {"batch_id": batch_id}}
            async with session.post(
                f"{args.slack}chat.postMessage",
                json={"channel": "C0RELAY", "text": "done", "metadata": metadata},
                headers={"Authorization": f"Bearer {RELAY_TOKEN}"},
            ) as response:
                await response.read()
            return web.json_response({"ok": True})

        app = web.Application()
        app.router.add_post("/bland/status", relay)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, HOST, 0).start()
        announce({"url": f"http://{HOST}:{runner.addresses[0][1]}/bland/status"})
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


class _Discard(list[Any]):
    def append(self, item: Any) -> None:
        pass


async def main_async(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runners = {"bland": run_bland, "slack": run_slack, "relay": run_relay}
    await runners[args.which](args, stop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("which", choices=["bland", "slack", "relay"])
    parser.add_argument("--batches", type=int, default=0, help="running v2 batches to serve")
    parser.add_argument("--slack", default="", help="relay: the Slack stand-in's API URL")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
