"""Starting and stopping one bot process: store, clients, listener and watcher, in order.

`Bot(settings)` runs the listener (Socket Mode or HTTP) and the watcher;
`Bot(settings, listen=False)` runs the watcher alone, for a separate watcher dyno.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app import build_app
from bot.bland.client import BlandClient
from bot.services import Services
from bot.settings import Settings
from bot.slack.clients import make_slack_client
from bot.storage import open_store
from bot.watcher import Watcher

log = logging.getLogger(__name__)

STOP_WITHIN = 8.0


class Bot:
    """One bot process. `start()` brings it up; `stop()` takes it down in reverse order."""

    def __init__(
        self,
        settings: Settings,
        *,
        listen: bool = True,
        host: str = "0.0.0.0",  # noqa: S104
    ) -> None:
        self.settings = settings
        self.listen = listen
        self.host = host
        self.store = open_store(settings.database_url)
        self.bland = BlandClient(
            api_key=settings.bland_api_key.get_secret_value(), base_url=settings.bland_api_url
        )
        # One session for every Slack Web API call and response_url post: without it,
        # slack_sdk and Bolt open a new session (and TLS handshake) per request. Bot is
        # built inside the running loop, so the session can be made here.
        self._session = aiohttp.ClientSession()
        self.slack = make_slack_client(
            settings.slack_bot_token.get_secret_value(),
            settings.slack_api_base,
            session=self._session,
        )
        self.services = Services(
            bland=self.bland,
            store=self.store,
            admin_users=settings.bland_admin_users,
            http=self._session,
        )
        secret = settings.slack_signing_secret
        self.app = build_app(
            client=self.slack,
            services=self.services,
            signing_secret=None
            if settings.socket_mode
            else secret.get_secret_value()
            if secret
            else None,
        )
        self.watcher = Watcher(
            self.store,
            self.bland,
            self.slack,
            poll_seconds=settings.watch_poll_seconds,
            concurrency=settings.watch_concurrency,
            lease_seconds=settings.watch_lease_seconds,
            takeover_seconds=settings.watch_takeover_seconds,
        )
        self._socket: AsyncSocketModeHandler | None = None
        self._http: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        await self.store.open()
        if not self.listen:
            log.info("watcher only: no Slack listener in this process")
        elif self.settings.socket_mode:
            token = self.settings.slack_app_token
            assert token is not None
            self._socket = AsyncSocketModeHandler(self.app, token.get_secret_value())
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("connected to Slack in Socket Mode")
        else:
            web_app = self.app.web_app(path="/slack/events", port=self.settings.port)
            web_app.router.add_get("/healthz", _healthz)
            self._http = web.AppRunner(web_app, access_log=None)
            await self._http.setup()
            site = web.TCPSite(self._http, self.host, self.settings.port)
            await site.start()
            self.port = _bound_port(self._http)
            log.info("HTTP mode: listening on %s:%s, POST /slack/events", self.host, self.port)
        await self.watcher.start()
        log.info("bot process ready (owner %s)", self.watcher.owner)

    async def stop(self) -> None:
        """Poller first, then the listener, then clients, then the database."""
        steps = [
            ("watcher", self.watcher.stop()),
            ("listener", self._stop_listener()),
            ("Bland client", self.bland.aclose()),
            ("Slack session", self._close_session()),
            ("store", self.store.close()),
        ]
        for name, step in steps:
            try:
                await step
            except Exception as exc:
                log.warning("stopping the %s failed: %s", name, type(exc).__name__)

    async def _close_session(self) -> None:
        await self._session.close()

    async def _stop_listener(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
        if self._http is not None:
            await self._http.cleanup()


async def run(settings: Settings, *, listen: bool = True) -> int:
    """Run until SIGTERM or SIGINT, then stop within Heroku's grace period; exit code."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    bot = Bot(settings, listen=listen)
    try:
        await bot.start()
    except Exception as exc:
        log.error("could not start: %s: %s", type(exc).__name__, exc)
        with suppress(Exception):
            await asyncio.wait_for(bot.stop(), STOP_WITHIN)
        return 1
    await stopping.wait()
    log.info("stopping")
    try:
        await asyncio.wait_for(bot.stop(), STOP_WITHIN)
    except TimeoutError:
        log.warning("shutdown took longer than %.0fs; exiting anyway", STOP_WITHIN)
    return 0


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def _bound_port(runner: web.AppRunner) -> int | None:
    for site in runner.sites:
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        for sock in sockets:
            return int(sock.getsockname()[1])
    return None
