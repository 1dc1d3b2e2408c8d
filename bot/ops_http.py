"""The operator's endpoints: /healthz (alive), /readyz (able to work), /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web

from bot.metrics import Exposition
from bot.readiness import Readiness
from bot.storage.base import Store, StoreGauges

log = logging.getLogger(__name__)

GAUGES_TIMEOUT_SECONDS = 1.0


class OpsEndpoints:
    """Routes added to the Slack HTTP listener, or served alone on METRICS_PORT.

    /metrics is open by default, as Prometheus expects; with a token it needs
    `Authorization: Bearer <token>`. /healthz and /readyz stay open: they are what
    platform health checks call, and they say nothing a caller could use.
    """

    def __init__(
        self,
        *,
        store: Store,
        readiness: Readiness,
        exposition: Exposition,
        token: str | None = None,
    ) -> None:
        self._store = store
        self._readiness = readiness
        self._exposition = exposition
        self._token = token.encode() if token else None

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics)

    async def serve(self, host: str, port: int) -> web.AppRunner:
        """A listener of its own (Socket Mode and watcher-only processes have none)."""
        app = web.Application()
        self.add_routes(app)
        # A scrape in flight at shutdown gets a moment, not aiohttp's default minute.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        return runner

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(self, request: web.Request) -> web.Response:
        problems = await self._readiness.problems()
        if problems:
            return web.json_response({"ready": False, "reasons": problems}, status=503)
        return web.json_response({"ready": True})

    async def metrics(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.Response(
                status=401, text="bearer token required\n", headers={"WWW-Authenticate": "Bearer"}
            )
        gauges: StoreGauges | None = None
        try:
            gauges = await asyncio.wait_for(self._store.gauges(), GAUGES_TIMEOUT_SECONDS)
        except Exception as exc:
            log.warning("metrics: could not read the store's gauges (%s)", type(exc).__name__)
        body, content_type = self._exposition.render(gauges, request.headers.get("Accept", ""))
        return web.Response(body=body, headers={"Content-Type": content_type})

    def _authorized(self, request: web.Request) -> bool:
        if self._token is None:
            return True
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self._token
        )
