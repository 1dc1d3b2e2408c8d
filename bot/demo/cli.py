"""The demo server's command line: serve the demo or a benchmark dataset until stopped."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from bot.demo.dataset import benchmark_dataset, demo_dataset
from bot.demo.server import serve_bland

log = logging.getLogger(__name__)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve a sample Bland batch API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--api-key", default="demo-key")
    parser.add_argument(
        "--calls", type=int, default=None, help="serve generated batches of this many calls"
    )
    parser.add_argument("--batches", type=int, default=1, help="how many batches with --calls")
    parser.add_argument("--in-progress", type=int, default=0, help="of those, still running")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--progress-interval",
        type=float,
        default=None,
        help="every N seconds, finish --progress-step calls of each in-progress batch",
    )
    parser.add_argument("--progress-step", type=int, default=3)
    return parser.parse_args(argv)


async def _run(args: argparse.Namespace) -> None:
    if args.calls is None:
        dataset = demo_dataset()
    else:
        dataset = benchmark_dataset(
            batches=args.batches, calls=args.calls, in_progress=args.in_progress, seed=args.seed
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with serve_bland(
        dataset,
        api_key=args.api_key,
        port=args.port,
        progress=args.progress_interval or False,
        progress_step=args.progress_step,
    ) as server:
        # The URL on stdout is how a parent process learns the port it asked us to pick.
        print(server.url, flush=True)
        for batch_id in dataset.ids():
            log.info("serving batch %s", batch_id)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """`python -m bot.demo.server --port 0 --api-key K [--calls N --batches M]`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(_run(_parse_args(argv)))
