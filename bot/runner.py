"""Starting and stopping one bot process: store, clients, listener and watcher, in order.

`Bot(settings)` runs the listener (Socket Mode or HTTP) and the watcher;
`Bot(settings, listen=False)` runs the watcher alone, for a separate watcher dyno.
With BLAND_WEBHOOK_SECRET, a listening bot also receives Bland's status webhook.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal

import aiohttp
from aiohttp import web

from bot.admission import Admission
from bot.app import build_app, warm_up
from bot.bland.client import BlandClient
from bot.bland.limits import EXPORT_LIMITS
from bot.clock import Clock, system_clock
from bot.metrics import Exposition
from bot.ops_http import OpsEndpoints
from bot.readiness import Readiness
from bot.services import Services
from bot.settings import Settings
from bot.shutdown import CANCEL_GRACE, Step, exit_after, run_steps
from bot.slack.ack_first import CountingSocketModeHandler, counting_middleware
from bot.slack.clients import make_slack_client
from bot.storage import open_store
from bot.watcher import Watcher
from bot.watcher.status_webhooks import StatusWebhooks
from bot.webhook import ROUTE as WEBHOOK_ROUTE
from bot.webhook import StatusWebhookRoute

log = logging.getLogger(__name__)

# Shutdown budgets, one per step, so that a stuck step cannot use up the time of the steps
# after it. Heroku sends SIGKILL 30 s after SIGTERM; we promise an exit within 10 s, so
# even with every step running out of time they add up to 9 s (STOP_WITHIN, tested).
WATCHER_STOP_SECONDS = 4.0
# The watcher plans its own wind-down (finish, cancel, give back leases) within this, so
# it, not the budget, normally ends the step.
WATCHER_PLAN_SECONDS = 3.5
# Meanwhile, requests being answered get this long to finish; those cut off then have
# this long to tell their user so (handlers.delivery), all within the watcher's plan.
REQUESTS_FINISH_SECONDS = 2.0
REQUESTS_CANCEL_SECONDS = 1.0
# Slack answers the WebSocket close frame at once; aiohttp would wait 10 s for a peer
# that never does.
LISTENER_STOP_SECONDS = 1.5
# HTTP mode: how long requests still being served may take before they are cut off.
HTTP_DRAIN_SECONDS = 1.0
# Connections the kernel queues before the listener accepts them. aiohttp's 128 made a
# burst of 300 commands lose SYNs, and each lost one waited out the 1 s SYN retry: ack
# p99 at 300 concurrent was 1.06-1.12 s, a bare Bolt app's too. The kernel caps it at
# net.core.somaxconn (4096 by default).
LISTEN_BACKLOG = 1024
CLIENT_STOP_SECONDS = 0.5
SLACK_EVENTS = "/slack/events"
STORE_STOP_SECONDS = 1.5
STOP_WITHIN = 9.0
# From the stop's start to the last-resort exit (bot.shutdown.exit_after). A stop that
# comes while starting first gives the start CANCEL_GRACE to unwind: 9.2 s at worst.
EXIT_WITHIN = 9.5


class Bot:
    """One bot process. `start()` brings it up; `stop()` takes it down in reverse order."""

    def __init__(
        self,
        settings: Settings,
        *,
        listen: bool = True,
        host: str = "0.0.0.0",  # noqa: S104
        clock: Clock = system_clock,
    ) -> None:
        self.settings = settings
        self.listen = listen
        self.host = host
        self.store = open_store(settings.database_url)
        self.bland = BlandClient(
            api_key=settings.bland_api_key.get_secret_value(),
            base_url=settings.bland_api_url,
            export_limits=dataclasses.replace(
                EXPORT_LIMITS, deadline=settings.bland_export_timeout_seconds
            ),
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
            clock=clock,
            after_ack=Admission(settings.reply_concurrency),
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
            gone_after=settings.watch_gone_after,
            max_poll_seconds=settings.watch_max_poll_seconds,
            progress_bytes_per_minute=settings.watch_progress_bytes_per_minute,
            clock=clock,
        )
        # Bland's status webhook, when a secret is set: the route queues, the watcher's
        # completion path records (bot.webhook, bot.watcher.status_webhooks).
        self.status_webhooks: StatusWebhooks | None = None
        self._webhook_route: StatusWebhookRoute | None = None
        webhook_secret = settings.bland_webhook_secret
        if listen and webhook_secret is not None:
            self.status_webhooks = StatusWebhooks(
                self.store,
                self.watcher.completion_v2,
                owner=self.watcher.owner,
                lease_seconds=settings.watch_lease_seconds,
            )
            self._webhook_route = StatusWebhookRoute(
                webhook_secret.get_secret_value(), self.status_webhooks.submit
            )
        token = settings.metrics_token
        self.ops = OpsEndpoints(
            store=self.store,
            readiness=Readiness(self.store, self.watcher),
            exposition=Exposition(),
            token=token.get_secret_value() if token else None,
        )
        self._socket: CountingSocketModeHandler | None = None
        self._http: web.AppRunner | None = None
        self._ops_http: web.AppRunner | None = None
        self.port: int | None = None
        self.metrics_port: int | None = None

    async def start(self) -> None:
        await self.store.open()
        await self._start_ops()
        if self.status_webhooks is not None:
            await self.status_webhooks.start()
        if self.listen:
            await warm_up(self.app)
        if not self.listen:
            log.info("watcher only: no Slack listener in this process")
        elif self.settings.socket_mode:
            token = self.settings.slack_app_token
            assert token is not None
            self._socket = CountingSocketModeHandler(
                self.app, token.get_secret_value(), admission=self.services.after_ack
            )
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("connected to Slack in Socket Mode")
            await self._start_webhook_listener()
        else:
            web_app = self.app.web_app(path=SLACK_EVENTS, port=self.settings.port)
            web_app.middlewares.append(counting_middleware(self.services.after_ack, SLACK_EVENTS))
            self.ops.add_routes(web_app)
            if self._webhook_route is not None:
                self._webhook_route.add_to(web_app)
            self._http = web.AppRunner(
                web_app, access_log=None, shutdown_timeout=HTTP_DRAIN_SECONDS
            )
            await self._http.setup()
            site = web.TCPSite(self._http, self.host, self.settings.port, backlog=LISTEN_BACKLOG)
            await site.start()
            self.port = _bound_port(self._http)
            log.info(
                "HTTP mode: listening on %s:%s, POST /slack/events%s",
                self.host,
                self.port,
                f" and POST {WEBHOOK_ROUTE}" if self._webhook_route else "",
            )
        await self.watcher.start()
        log.info("bot process ready (owner %s)", self.watcher.owner)

    async def stop(self) -> bool:
        """Poller first, then the listener, then clients, then the database, each within
        its own budget; the store is closed whatever happened before. True if all went
        cleanly."""
        return await run_steps(self.stop_steps())

    def stop_steps(self) -> list[Step]:
        return [
            Step("watcher and requests", WATCHER_STOP_SECONDS, self._stop_work),
            Step("listener", LISTENER_STOP_SECONDS, self._stop_listener),
            Step("Bland client", CLIENT_STOP_SECONDS, self.bland.aclose),
            Step("Slack session", CLIENT_STOP_SECONDS, self._session.close),
            Step("store", STORE_STOP_SECONDS, self.store.close),
        ]

    async def _start_webhook_listener(self) -> None:
        """Socket Mode has no HTTP listener of its own: with a webhook secret, PORT is
        opened for POST /bland/status (and the operator's endpoints, if METRICS_PORT is
        the same port)."""
        if self._webhook_route is None:
            return
        web_app = web.Application()
        self._webhook_route.add_to(web_app)
        if self.settings.metrics_port == self.settings.port:
            self.ops.add_routes(web_app)
        self._http = web.AppRunner(web_app, access_log=None, shutdown_timeout=HTTP_DRAIN_SECONDS)
        await self._http.setup()
        await web.TCPSite(self._http, self.host, self.settings.port).start()
        self.port = _bound_port(self._http)
        log.info(
            "Socket Mode, BLAND_WEBHOOK_SECRET set: listening on %s:%s for POST %s",
            self.host,
            self.port,
            WEBHOOK_ROUTE,
        )

    async def _start_ops(self) -> None:
        """/metrics, /readyz and /healthz on METRICS_PORT, unless PORT already serves them."""
        port = self.settings.metrics_port
        http_mode = self.listen and not self.settings.socket_mode
        serves_port = http_mode or self._webhook_route is not None
        if port is None or (serves_port and port == self.settings.port):
            return
        self._ops_http = await self.ops.serve(self.host, port)
        self.metrics_port = _bound_port(self._ops_http)
        log.info("metrics, /readyz and /healthz on %s:%s", self.host, self.metrics_port)

    async def _stop_ops(self) -> None:
        if self._ops_http is not None:
            await self._ops_http.cleanup()

    async def _stop_work(self) -> None:
        """The watcher's polls and posts, the status webhooks' queued work, and the
        requests being answered, side by side: while Slack is still connected, so a
        request cut off can still say so. The first two give back the leases they hold."""
        webhooks = (
            self.status_webhooks.stop(within=WATCHER_PLAN_SECONDS)
            if self.status_webhooks is not None
            else asyncio.sleep(0)
        )
        _, _, cut_off = await asyncio.gather(
            self.watcher.stop(within=WATCHER_PLAN_SECONDS),
            webhooks,
            self.services.requests.stop(
                finish_within=REQUESTS_FINISH_SECONDS, cancel_within=REQUESTS_CANCEL_SECONDS
            ),
        )
        if cut_off:
            log.info("shutdown: %d request(s) cut off, each told so", cut_off)

    async def _stop_listener(self) -> None:
        # The metrics listener first: it answers in milliseconds, and a Slack peer that
        # never closes must not leave it serving.
        await self._stop_ops()
        if self._socket is not None:
            await _close_socket_mode(self._socket)
        if self._http is not None:
            await self._http.cleanup()


async def _close_socket_mode(handler: CountingSocketModeHandler) -> None:
    client = handler.client
    try:
        await handler.close_async()  # type: ignore[no-untyped-call]
    finally:
        # Cancelled by the budget while waiting for a close frame Slack never sent,
        # slack_sdk's close() stopped before its own tidying: do it here, so no receive
        # loop outlives the stop and the WebSocket's session is not left open.
        for task in (
            client.message_processor,
            client.current_session_monitor,
            client.message_receiver,
        ):
            if task is not None:
                task.cancel()
        if client.aiohttp_client_session is not None:
            await client.aiohttp_client_session.close()


async def run(settings: Settings, *, listen: bool = True) -> int:
    """Run until SIGTERM or SIGINT, then stop within 10 s; the exit code.

    This is the process's main: once stopping begins it arms `exit_after`, which ends the
    process if anything outlives the budgets, so call it only as the whole process.
    """
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    bot = Bot(settings, listen=listen)
    starting = asyncio.ensure_future(bot.start())
    stop_asked = asyncio.ensure_future(stopping.wait())
    # SIGTERM may come while starting is held up (Slack rate limiting Socket Mode's
    # apps.connections.open with a minute's Retry-After, a database that never answers):
    # it is honoured then too, not once starting is over.
    await asyncio.wait({starting, stop_asked}, return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():
        log.info("stopping before start-up finished")
        exit_after(EXIT_WITHIN, 0)
        # What the cancelled start ends with is moot now; read it so asyncio doesn't log it.
        starting.add_done_callback(lambda task: task.cancelled() or task.exception())
        starting.cancel()
        await asyncio.wait({starting}, timeout=CANCEL_GRACE)
        await bot.stop()
        return 0
    exc = starting.exception()
    if exc is not None:
        stop_asked.cancel()
        log.error("could not start: %s: %s", type(exc).__name__, exc)
        exit_after(EXIT_WITHIN, 1)
        await bot.stop()
        return 1
    await stop_asked
    log.info("stopping")
    exit_after(EXIT_WITHIN, 0)
    if await bot.stop():
        log.info("stopped")
    else:
        log.warning("stopped, not cleanly: see the shutdown lines above")
    return 0


def _bound_port(runner: web.AppRunner) -> int | None:
    for site in runner.sites:
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        for sock in sockets:
            return int(sock.getsockname()[1])
    return None
