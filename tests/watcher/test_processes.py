"""Several `python -m bot --watcher-only` processes on one real PostgreSQL, one SIGKILLed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from bot.demo.server import BlandServer
from bot.storage import open_store
from bot.storage.base import SENT
from tests.conftest import BLAND_KEY
from tests.postgres_server import PostgresServer
from tests.watcher.conftest import RealClockSlack, eventually, in_progress_batch
from tests.watcher.test_watcher import alerts_in, polls

POLL = 0.3
# The shortest lease settings accept (Slack's timeout plus 15 s).
LEASE = 30.0
BATCHES = [f"Proc{i:04d}SharedTest-gen-batch" for i in range(8)]
CHANNELS = ("C01", "C02", "C03")


class Processes:
    """Watcher processes, each logging to its own file."""

    def __init__(self, env: dict[str, str], directory: Path) -> None:
        self.env = env
        self.directory = directory
        self.running: list[asyncio.subprocess.Process] = []
        self.logs: list[Path] = []

    async def start(self) -> asyncio.subprocess.Process:
        log = self.directory / f"watcher-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--watcher-only",
                env=self.env,
                cwd=self.directory,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=sink,
            )
        self.running.append(process)
        return process

    def output(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in self.logs)

    async def kill_all(self) -> None:
        for process in self.running:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def test_processes_share_polls_and_alert_exactly_once(
    postgres_server: PostgresServer, bland: BlandServer, slack_api: RealClockSlack, tmp_path: Path
) -> None:
    url = await postgres_server.new_database()
    store = open_store(url)
    await store.open()
    for batch in BATCHES:
        bland.add_batch(in_progress_batch(batch, calls=12, errors=1))
        for number, channel in enumerate(CHANNELS):
            await store.add_watch(
                channel_id=channel,
                kind="batch",
                target_id=batch,
                label=None,
                created_by=f"U0USER{number}",
            )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "BLAND_", "DATABASE_", "WATCH_"))
    }
    env.update(
        DATABASE_URL=url,
        BLAND_API_KEY=BLAND_KEY,
        BLAND_API_URL=bland.url,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET="test-signing-secret",
        SLACK_API_URL=slack_api.api_url,
        WATCH_POLL_SECONDS=str(POLL),
        WATCH_CONCURRENCY="4",
        WATCH_LEASE_SECONDS=str(LEASE),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    processes = Processes(env, tmp_path)
    try:
        first = (await processes.start(), await processes.start(), await processes.start())[0]
        await eventually(lambda: all(len(polls(bland, b)) >= 2 for b in BATCHES), within=30)
        await eventually(
            lambda: all("bot process ready" in log.read_text() for log in processes.logs),
            within=30,
        )

        # Three processes, but about one poll per batch per interval in total.
        before = sum(len(polls(bland, b)) for b in BATCHES)
        started = time.monotonic()
        await asyncio.sleep(2.0)
        elapsed = time.monotonic() - started
        shared = sum(len(polls(bland, b)) for b in BATCHES) - before
        assert shared <= len(BATCHES) * (elapsed / POLL + 2), processes.output()

        # Half finish; the first alert lands; one process is killed outright.
        for batch in BATCHES[:4]:
            bland.complete_batch(batch)
        await slack_api.wait_for("chat.postMessage", 1, within=30)
        first.kill()
        await first.wait()
        # A restart, then the rest finish.
        await processes.start()
        for batch in BATCHES[4:]:
            bland.complete_batch(batch)

        expected = {(c, b) for c in CHANNELS for b in BATCHES}
        await eventually(lambda: len(_delivered(slack_api)) == len(expected), within=60)
        # Long enough for any lease the killed process held to expire and be retaken.
        await asyncio.sleep(LEASE * 2)

        survivors = [p for p in processes.running if p.returncode is None]
        for process in survivors:
            process.send_signal(signal.SIGTERM)
        codes = await asyncio.wait_for(asyncio.gather(*(p.wait() for p in survivors)), 15)
        assert codes == [0] * len(survivors), processes.output()
    finally:
        await processes.kill_all()

    delivered = _delivered(slack_api)
    assert set(delivered) == expected
    assert [pair for pair, n in delivered.items() if n != 1] == [], "an alert was doubled"
    alerts = await store.list_alerts()
    await store.close()
    assert len(alerts) == len(expected)
    assert {a.state for a in alerts} == {SENT}
    for batch in BATCHES:
        summaries = [
            r
            for r in bland.requests_to(f"/v1/batches/{batch}")
            if r.query["include_calls"] == "true"
        ]
        assert 1 <= len(summaries) <= 2, "the final summary is fetched once (twice if killed)"


def _delivered(slack: RealClockSlack) -> Counter[tuple[str, str]]:
    return Counter(
        (channel, message["metadata"]["event_payload"]["batch_id"])
        for channel in CHANNELS
        for message in alerts_in(slack, channel)
    )
