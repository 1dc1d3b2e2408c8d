"""`python -m bot.watcher_main`: run only the watcher (a worker dyno), until SIGTERM.

Reads the usual settings (DATABASE_URL, BLAND_API_KEY, BLAND_API_URL, SLACK_BOT_TOKEN,
SLACK_API_URL, WATCH_POLL_SECONDS, WATCH_CONCURRENCY, WATCH_LEASE_SECONDS).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from bot.bland.client import BlandClient
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from bot.slack_client import make_slack_client
from bot.storage import open_store
from bot.watcher import Watcher

log = logging.getLogger("bot.watcher_main")

STOP_WITHIN = 8.0


async def run(settings: Settings) -> int:
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
        lease_seconds=settings.watch_lease_seconds,
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
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(settings.log_level, secrets=[settings.bland_api_key.get_secret_value()])
    return asyncio.run(run(settings))


if __name__ == "__main__":
    sys.exit(main())
