"""Several `python -m bot --watcher-only` processes on one real PostgreSQL, one SIGKILLed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import asyncpg

from bot.demo.server import BlandServer
from bot.storage import open_store
from bot.storage.base import AlertState, WatchKind
from tests.support.bland import BLAND_KEY
from tests.support.postgres import PostgresServer
from tests.support.slack_standin import RealClockSlack
from tests.support.waiting import eventually
from tests.support.watcher import alerts_in, in_progress_batch, polls

POLL = 0.3
# The default lease: a killed process's work must not wait for it.
LEASE = 60.0
TAKEOVER = 2.0
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
                kind=WatchKind.BATCH,
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
        WATCH_TAKEOVER_SECONDS=str(TAKEOVER),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    processes = Processes(env, tmp_path)
    try:
        for _ in range(3):
            await processes.start()
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

        # One process is stuck in a poll of the first batch, holding its 60 s lease.
        stuck = bland.hang_next(1, seconds=120, path=f"/v1/batches/{BATCHES[0]}")
        await eventually(lambda: stuck.used == 1, within=30)
        victim = await _holder(url, BATCHES[0], processes.running)
        # Half finish (the stuck one among them); the first alert lands; the process
        # holding the stuck poll is killed outright.
        completed_at = {}
        for batch in BATCHES[:4]:
            bland.complete_batch(batch)
            completed_at[batch] = time.monotonic()
        await slack_api.wait_for("chat.postMessage", 1, within=30)
        victim.kill()
        await victim.wait()
        # A restart, then the rest finish.
        await processes.start()
        for batch in BATCHES[4:]:
            bland.complete_batch(batch)
            completed_at[batch] = time.monotonic()

        expected = {(c, b) for c in CHANNELS for b in BATCHES}
        await eventually(lambda: len(_delivered(slack_api)) == len(expected), within=60)
        # Each alert within a poll interval plus 15 s of its batch finishing, the stuck
        # one too: taken over once the killed process's heartbeat lapsed, not its lease.
        late = _lateness(slack_api, completed_at)
        assert max(late.values()) <= POLL + 15, (late, processes.output())
        # Long enough for anything else the killed process held to be taken over.
        await asyncio.sleep(TAKEOVER * 2)

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
    assert {a.state for a in alerts} == {AlertState.SENT}
    for batch in BATCHES:
        summaries = [
            r
            for r in bland.requests_to(f"/v1/batches/{batch}")
            if r.query["include_calls"] == "true"
        ]
        assert 1 <= len(summaries) <= 2, "the final summary is fetched once (twice if killed)"


async def _holder(
    url: str, batch_id: str, running: list[asyncio.subprocess.Process]
) -> asyncio.subprocess.Process:
    """The process whose watcher holds the batch's lease (owners are `host:pid:tag`)."""
    db = await asyncpg.connect(url)
    try:
        owner = await db.fetchval("SELECT lease_owner FROM batches WHERE batch_id = $1", batch_id)
    finally:
        await db.close()
    pid = int(str(owner).split(":")[1])
    return next(p for p in running if p.pid == pid)


def _lateness(slack: RealClockSlack, completed_at: dict[str, float]) -> dict[str, float]:
    """Seconds from each batch finishing to its last alert being posted."""
    late: dict[str, float] = {}
    for call in slack.calls_to("chat.postMessage"):
        batch = ((call.params.get("metadata") or {}).get("event_payload") or {}).get("batch_id")
        if batch in completed_at:
            late[batch] = max(late.get(batch, 0.0), call.at - completed_at[batch])
    return late


def _delivered(slack: RealClockSlack) -> Counter[tuple[str, str]]:
    return Counter(
        (channel, message["metadata"]["event_payload"]["batch_id"])
        for channel in CHANNELS
        for message in alerts_in(slack, channel)
    )
