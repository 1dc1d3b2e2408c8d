"""Two `python -m bot --watcher-only` processes on one real PostgreSQL send each channel's
digest exactly once per period, even when both build the same period."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.demo.server import BlandServer
from bot.digests.schedule import Cadence, DigestSchedule
from bot.storage import open_store
from bot.storage.base import AlertKind, AlertState
from tests.support.bland import BLAND_KEY
from tests.support.postgres import PostgresServer
from tests.support.slack_standin import RealClockSlack
from tests.support.waiting import eventually
from tests.support.watcher import alerts_in

CHANNELS = [f"C0DIG{i:02d}" for i in range(6)]
LATER = "C0DIGLATE"


def _env(url: str, bland: BlandServer, slack: RealClockSlack) -> dict[str, str]:
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
        SLACK_API_URL=slack.api_url,
        WATCH_POLL_SECONDS="0.3",
        WATCH_TAKEOVER_SECONDS="2",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def _digests(slack: RealClockSlack, channel: str) -> list[str]:
    return [
        m["metadata"]["event_payload"]["batch_id"]
        for m in alerts_in(slack, channel)
        if m["metadata"]["event_payload"]["batch_id"].startswith("digest:")
    ]


async def test_two_processes_send_each_digest_once(
    postgres_server: PostgresServer, bland: BlandServer, slack_api: RealClockSlack, tmp_path: Path
) -> None:
    url = await postgres_server.new_database()
    store = open_store(url)
    await store.open()
    # Due since six hours ago, by the processes' own clock: far from the next run, so
    # both compute the same period.
    now = datetime.now(UTC)
    at = now - timedelta(hours=6)
    schedule = DigestSchedule(Cadence.DAILY, at.hour * 60 + at.minute, "UTC")
    run = schedule.latest_run(now)
    for channel in CHANNELS:
        await store.set_digest(
            channel_id=channel, schedule=schedule, created_by="U0SETTER", next_run_at=run
        )
    logs = [tmp_path / f"watcher-{n}.log" for n in range(2)]
    processes: list[asyncio.subprocess.Process] = []

    def output() -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-4000:]}" for log in logs)

    try:
        for log in logs:
            with log.open("wb") as sink:
                processes.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "bot",
                        "--watcher-only",
                        env=_env(url, bland, slack_api),
                        cwd=tmp_path,
                        stdout=asyncio.subprocess.DEVNULL,
                        stderr=sink,
                    )
                )

        await eventually(lambda: all(_digests(slack_api, c) for c in CHANNELS), within=60)

        # Both processes build the same period again (the settings reset to it, as a
        # replaced setting would): the outbox refuses a second entry for the period.
        for channel in CHANNELS:
            await store.set_digest(
                channel_id=channel, schedule=schedule, created_by="U0SETTER", next_run_at=run
            )

        async def moved_on() -> bool:
            return all(d.next_run_at > now for d in await store.list_digests())

        await eventually(moved_on, within=30)
        assert output().count("already queued") >= len(CHANNELS), output()
        # A digest set up after all that arriving shows both processes kept going.
        await store.set_digest(
            channel_id=LATER, schedule=schedule, created_by="U0SETTER", next_run_at=run
        )
        await eventually(lambda: bool(_digests(slack_api, LATER)), within=30)
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = await asyncio.wait_for(asyncio.gather(*(p.wait() for p in processes)), 15)
        assert codes == [0, 0], output()
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()

    delivered = Counter({c: len(_digests(slack_api, c)) for c in [*CHANNELS, LATER]})
    assert set(delivered.values()) == {1}, (delivered, output())
    alerts = await store.list_alerts()
    digests = await store.list_digests()
    await store.close()
    assert [(a.kind, a.state) for a in alerts] == [(AlertKind.DIGEST, AlertState.SENT)] * 7
    assert {d.next_run_at for d in digests} == {schedule.next_run(run)}
