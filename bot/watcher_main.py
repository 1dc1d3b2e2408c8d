"""`python -m bot.watcher_main`: run only the watcher (a worker dyno), until SIGTERM.

Reads the usual settings (DATABASE_URL, BLAND_API_KEY, BLAND_API_URL, SLACK_BOT_TOKEN,
SLACK_API_URL, WATCH_POLL_SECONDS, WATCH_CONCURRENCY). WATCH_LEASE_SECONDS, optional,
sets how long a claim outlives a dead process (default 60).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from bot.bland.client import BlandClient
from bot.settings import Settings, SettingsError, load_settings
from bot.slack_client import make_slack_client
from bot.storage import open_store
from bot.watcher import DEFAULT_LEASE_SECONDS, Watcher

log = logging.getLogger("bot.watcher_main")

STOP_WITHIN = 8.0


def lease_seconds() -> float:
    # Not in Settings, which the app wiring owns; only operators and tests change it.
    raw = os.environ.get("WATCH_LEASE_SECONDS", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_LEASE_SECONDS
    except ValueError:
        raise SettingsError("WATCH_LEASE_SECONDS: must be a number of seconds") from None
    if value <= 0:
        raise SettingsError("WATCH_LEASE_SECONDS: must be above 0")
    return value


async def run(settings: Settings, lease: float) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)

    store = open_store(settings.database_url)
    bland = BlandClient(
        api_key=settings.bland_api_key.get_secret_value(), base_url=settings.bland_api_url
    )
    slack = make_slack_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_base)
    watcher = Watcher(
        store,
        bland,
        slack,
        poll_seconds=settings.watch_poll_seconds,
        concurrency=settings.watch_concurrency,
        lease_seconds=lease,
    )
    try:
        await store.open()
        await watcher.start()
    except Exception as exc:
        log.error("could not start: %s: %s", type(exc).__name__, exc)
        await bland.aclose()
        await store.close()
        return 1
    log.info("watcher process ready (owner %s)", watcher.owner)
    await stopping.wait()
    log.info("stopping")
    try:
        async with asyncio.timeout(STOP_WITHIN):
            await watcher.stop()
            await bland.aclose()
            await store.close()
    except TimeoutError:
        log.warning("shutdown took longer than %.0fs; exiting anyway", STOP_WITHIN)
    return 0


def main() -> int:
    try:
        settings = load_settings()
        lease = lease_seconds()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return asyncio.run(run(settings, lease))


if __name__ == "__main__":
    sys.exit(main())
