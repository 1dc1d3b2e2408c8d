"""Alert latency after a watched v2 batch ends: Bland's status webhook vs polling, one run.

The real bot (`bot.runner.Bot`, HTTP mode, BLAND_WEBHOOK_SECRET set) runs in its own
process (`python -m benchmarks.webhook_latency serve ...`) beside the stand-ins of
`benchmarks.latency_standins`. The harness watches every batch with a signed
`/batch watch <uuid>`, then ends them one by one through the Bland stand-in; the latency
is from the end (logged on the stand-in) to the alert's arrival at the Slack stand-in.

- **webhook**: the stand-in POSTs each end, signed, to the bot's `/bland/status`.
  Floor: a bare relay (receive, post one message) fed the same way, in the same run.
- **polling**: no webhook; the watcher's next poll finds the end in the log. Floor: the
  wait for that poll (when the stand-in first served a log holding the end).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.ack_latency import SECRET as SIGNING_SECRET
from benchmarks.ack_latency import percentile, signed_command
from benchmarks.processes import clean_env, serve_bot, started
from benchmarks.report import Row, judged
from benchmarks.standins import control

FIGURE = "alert latency (v2)"
WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105 (a local stand-in's secret)
BOT_TOKEN = "xoxb-bench"  # noqa: S105
# "Within a second of finishing": the promise for a webhook.
WEBHOOK_TARGET_SECONDS = 1.0
MODES = ("webhook", "polling", "relay")


# -- the bot side -------------------------------------------------------------------------


async def serve(args: argparse.Namespace) -> None:
    """Run the real bot until SIGTERM; announce its port."""
    await serve_bot(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token="",
        slack_api_url=args.slack,
        bland_api_key=args.key,
        bland_api_url=args.bland,
        bland_webhook_secret=WEBHOOK_SECRET,
        database_url=f"sqlite:///{args.db}",
        watch_poll_seconds=args.interval,
    )


# -- the harness side ---------------------------------------------------------------------


async def watch_all(port: int, ids: list[str], response_url: str) -> None:
    """A signed `/batch watch <uuid>` for each batch, as Slack sends it."""
    url = f"http://127.0.0.1:{port}/slack/events"
    async with aiohttp.ClientSession() as session:
        for index, batch_id in enumerate(ids):
            body, headers = signed_command(f"watch {batch_id}", response_url, index)
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"/batch watch answered HTTP {response.status}")


def wait_for(check: Any, *, within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not within {within:.0f} s")


def measure(batches: int, interval: float) -> list[Row]:
    """`batches` ends of each kind at WATCH_POLL_SECONDS=`interval`; rows of latencies."""
    by_mode: dict[str, list[str]] = {}
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-latency-")))
        bland = stack.enter_context(
            started(["benchmarks.latency_standins", "bland", "--batches", str(3 * batches)])
        )
        slack = stack.enter_context(started(["benchmarks.latency_standins", "slack"]))
        relay = stack.enter_context(
            started(["benchmarks.latency_standins", "relay", "--slack", slack.info["api_url"]])
        )
        bot = stack.enter_context(
            started(
                [
                    "benchmarks.webhook_latency",
                    "serve",
                    "--bland",
                    bland.info["url"],
                    "--key",
                    bland.info["key"],
                    "--slack",
                    slack.info["api_url"],
                    "--db",
                    str(tmp / "bot.db"),
                    "--interval",
                    str(interval),
                ],
                env=clean_env(),
            )
        )
        ids: list[str] = list(bland.info["ids"])
        by_mode = {mode: ids[n::3] for n, mode in enumerate(MODES)}
        bland_url, bot_port = bland.info["url"], int(bot.info["port"])
        control(
            bland_url,
            "/_bench/v2/webhooks",
            body={
                "ids": by_mode["webhook"],
                "url": f"http://127.0.0.1:{bot_port}/bland/status",
                "secret": WEBHOOK_SECRET,
            },
        )
        control(
            bland_url,
            "/_bench/v2/webhooks",
            body={"ids": by_mode["relay"], "url": relay.info["url"], "secret": WEBHOOK_SECRET},
        )
        asyncio.run(
            watch_all(bot_port, by_mode["webhook"] + by_mode["polling"], slack.info["response_url"])
        )
        # Past the start-up burst (every new watch is polled at once): the ends then meet
        # the steady schedule, each batch at its own phase of the interval.
        time.sleep(min(interval, 5.0))
        order = [batch_id for trio in zip(*by_mode.values(), strict=True) for batch_id in trio]
        ended: dict[str, float] = {}
        for batch_id in order:
            ended[batch_id] = float(
                control(bland_url, "/_bench/v2/finish", body={"batch_id": batch_id})["ended_at"]
            )
            # Ends spread over the interval, so polls meet them at every phase.
            time.sleep(random.uniform(0.0, 2 * interval / len(order)))
        slack_control = slack.info["control_url"]
        alerts: dict[str, float] = wait_for(
            lambda: (
                found
                if len(found := control(slack_control, "/_bench/alerts")) >= len(order)
                else None
            ),
            within=2 * interval + 30,
            what="every alert",
        )
        read_ends: dict[str, float] = control(bland_url, "/_bench/v2/read_ends")
    latency = {mode: [alerts[b] - ended[b] for b in by_mode[mode] if b in alerts] for mode in MODES}
    poll_wait = [read_ends[b] - ended[b] for b in by_mode["polling"] if b in read_ends]
    return _rows(latency, poll_wait, batches, interval)


def _rows(
    latency: dict[str, list[float]], poll_wait: list[float], batches: int, interval: float
) -> list[Row]:
    size = f"{batches} ends, {interval:g} s polls"
    rows: list[Row] = []
    for q, metric in ((50.0, "p50"), (95.0, "p95")):
        webhook = percentile(latency["webhook"], q)
        rows.append(
            Row(
                figure=FIGURE,
                size=size,
                metric=f"webhook: end → alert in Slack, {metric}",
                value=webhook,
                unit="s",
                floor=percentile(latency["relay"], q),
                floor_name="bare relay: webhook → one post",
                target=f"< {WEBHOOK_TARGET_SECONDS:g} s",
                status=judged(webhook < WEBHOOK_TARGET_SECONDS),
                extra={"samples": sorted(latency["webhook"])},
            )
        )
    for q, metric in ((50.0, "p50"), (95.0, "p95")):
        rows.append(
            Row(
                figure=FIGURE,
                size=size,
                metric=f"polling: end → alert in Slack, {metric}",
                value=percentile(latency["polling"], q),
                unit="s",
                floor=percentile(poll_wait, q),
                floor_name="wait for the next poll",
                note=f"grows with WATCH_POLL_SECONDS ({interval:g} s here)",
                extra={"samples": sorted(latency["polling"])},
            )
        )
    rows.append(
        Row(
            figure=FIGURE,
            size=size,
            metric="polling p50 / webhook p50",
            value=percentile(latency["polling"], 50.0) / percentile(latency["webhook"], 50.0),
            unit="x",
            note="how much sooner the webhook alerts",
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="The bot side of the alert-latency figure.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser("serve")
    serve_parser.add_argument("--bland", required=True)
    serve_parser.add_argument("--key", required=True)
    serve_parser.add_argument("--slack", required=True)
    serve_parser.add_argument("--db", required=True)
    serve_parser.add_argument("--interval", type=float, required=True)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
