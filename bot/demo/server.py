"""A local aiohttp server that answers Bland's v1 and v2 batch APIs from demo datasets."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.demo.batches import DemoBatch
from bot.demo.dataset import DemoDataset, demo_dataset
from bot.demo.dataset_v2 import DemoV2Dataset, demo_v2_dataset
from bot.demo.faults import Fault, FaultControls, RecordedRequest
from bot.demo.routes import BatchRoutes
from bot.demo.routes_v2 import V2Routes, is_v2_path, path_error
from bot.demo.scenarios import JSON
from bot.demo.webhooks import WebhookDelivery, WebhookSender

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PROGRESS_INTERVAL = 3.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BlandServer(FaultControls):
    """Bland's v1 and v2 batch APIs over mutable datasets, with request log, fault
    injection, and v2 status webhooks (`set_status_webhook`)."""

    def __init__(
        self,
        dataset: DemoDataset | None = None,
        *,
        v2_dataset: DemoV2Dataset | None = None,
        api_key: str = "test-key",
        progress_interval: float | None = None,
        progress_step: int = 3,
    ) -> None:
        self.routes = BatchRoutes(dataset if dataset is not None else demo_dataset())
        self.webhooks = WebhookSender()
        self.v2_routes = V2Routes(
            v2_dataset if v2_dataset is not None else demo_v2_dataset(),
            lambda: self.routes.dataset,
            self.webhooks.send_later,
        )
        self.routes.find_other_call = lambda call_id: self.v2_dataset.find_call(call_id)
        self.api_key = api_key
        self.progress_interval = progress_interval
        self.progress_step = progress_step
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._request_seen = asyncio.Event()
        self._progress_task: asyncio.Task[None] | None = None
        self.app = self._make_app()

    @property
    def dataset(self) -> DemoDataset:
        """The batches served; the routes answer from whichever dataset is set here."""
        return self.routes.dataset

    @dataset.setter
    def dataset(self, dataset: DemoDataset) -> None:
        self.routes.dataset = dataset

    @property
    def v2_dataset(self) -> DemoV2Dataset:
        """The v2 batches served."""
        return self.v2_routes.dataset

    @property
    def ignore_batch_filter(self) -> bool:
        """When True, `GET /v1/calls` ignores `batch_id`, as Bland may (it is undocumented)."""
        return self.v2_routes.ignore_batch_filter

    @ignore_batch_filter.setter
    def ignore_batch_filter(self, value: bool) -> None:
        self.v2_routes.ignore_batch_filter = value

    # -- v2 status webhooks -----------------------------------------------------------

    def set_status_webhook(self, batch_id: str, url: str, secret: str) -> None:
        """POST v2 batch `batch_id`'s phases and its end to `url`, signed under `secret`."""
        self.webhooks.set_target(batch_id, url, secret)

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every status webhook POST made, oldest first."""
        return self.webhooks.deliveries

    async def wait_for_webhooks(self, count: int, *, within: float = 5.0) -> list[WebhookDelivery]:
        """Wait until at least `count` webhook POSTs were made; TimeoutError otherwise."""
        return await self.webhooks.wait_for(count, within=within)

    async def advance_v2(self, batch_id: str, count: int) -> list[JSON]:
        """One step of v2 batch `batch_id`: its next phase, or `count` more calls (and its
        end when none are left). Returns the webhook bodies, already POSTed if set up."""
        bodies = self.v2_dataset[batch_id].advance(count)
        await self.webhooks.send(batch_id, bodies)
        return bodies

    async def finish_v2(self, batch_id: str) -> list[JSON]:
        """Advance v2 batch `batch_id` until it ends; every webhook body on the way."""
        batch = self.v2_dataset[batch_id]
        bodies: list[JSON] = []
        while True:
            step = await self.advance_v2(batch_id, len(batch.calls) or 1)
            if not step:
                return bodies
            bodies.extend(step)

    # -- recorded requests ------------------------------------------------------------

    def requests_to(
        self, path: str | None = None, *, method: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests whose path equals `path` (all when None), oldest first."""
        return [
            request
            for request in self.requests
            if (path is None or request.path == path)
            and (method is None or request.method == method.upper())
        ]

    def count(self, path: str | None = None, *, method: str | None = None) -> int:
        return len(self.requests_to(path, method=method))

    def bytes_served(self, path: str | None = None) -> int:
        """Body bytes answered to requests to `path` (all when None)."""
        return sum(request.sent_bytes for request in self.requests_to(path))

    def reset_requests(self) -> None:
        self.requests.clear()

    async def wait_for_requests(
        self, count: int, *, path: str | None = None, within: float = 5.0
    ) -> list[RecordedRequest]:
        """Wait until at least `count` requests to `path` were seen; TimeoutError otherwise."""
        async with asyncio.timeout(within):
            while self.count(path) < count:
                self._request_seen.clear()
                await self._request_seen.wait()
        return self.requests_to(path)

    # -- state ------------------------------------------------------------------------

    def add_batch(self, batch: DemoBatch | dict[str, Any]) -> DemoBatch:
        """Add or replace a batch (a DemoBatch or a details dict)."""
        return self.dataset.add(batch)

    def batch(self, batch_id: str) -> DemoBatch:
        return self.dataset[batch_id]

    def advance(self, batch_id: str, count: int) -> int:
        """Finish `count` more calls of a batch; it completes when none are left."""
        return self.dataset[batch_id].advance(count)

    def complete_batch(self, batch_id: str) -> int:
        """Finish every remaining call and mark the batch completed."""
        return self.dataset[batch_id].complete()

    # -- lifecycle --------------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1:`port` (0 = any free port) and return the base URL."""
        self._closing.clear()
        self._runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        self.url = f"http://{HOST}:{bound_port}"
        if self.progress_interval:
            self._progress_task = asyncio.create_task(self._progress())
        log.info("demo Bland API listening on %s", self.url)
        return self.url

    async def stop(self) -> None:
        # Releasing hung requests first keeps shutdown from waiting on them.
        self._closing.set()
        if self._progress_task is not None:
            self._progress_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._progress_task
            self._progress_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.webhooks.close()

    async def _progress(self) -> None:
        assert self.progress_interval is not None
        while True:
            await asyncio.sleep(self.progress_interval)
            for batch in list(self.dataset.batches.values()):
                if batch.status == "in-progress" and batch.advance(self.progress_step):
                    log.info("demo batch %s advanced to %s", batch.batch_id, batch.status)
            for batch_id in self.v2_dataset.ids():
                if await self.advance_v2(batch_id, self.progress_step):
                    log.info(
                        "demo v2 batch %s is now %s", batch_id, self.v2_dataset[batch_id].state
                    )

    # -- HTTP -------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=32 * 1024**2)
        self.v2_routes.add_to(app)
        self.routes.add_to(app)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read() if request.can_read_body else b""
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            query_string=request.query_string,
            query=dict(request.query),
            headers=dict(request.headers),
            body=body,
            at=time.monotonic(),
        )
        self.requests.append(recorded)
        self._request_seen.set()
        fault = next((fault for fault in self.faults if fault.matches(request)), None)
        if fault is not None:
            fault.used += 1
            if fault.kind == "flood":
                return await fault.flood(request, self._closing)
            if fault.kind == "drip":
                answer = await self._answer(request, handler)
                assert isinstance(answer, web.Response) and isinstance(answer.body, bytes)
                return await fault.drip(request, self._closing, answer.status, answer.body)
            faulted = await fault.answer(self._closing, v2=is_v2_path(request.path))
            if faulted is not None:
                return faulted
        answer = await self._answer(request, handler)
        if isinstance(answer, web.Response) and isinstance(answer.body, bytes):
            recorded.sent_bytes = len(answer.body)
        return answer

    async def _answer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.headers.get("authorization") != self.api_key:
            return path_error(request.path, 401, "Invalid API key")
        return await handler(request)


@contextlib.asynccontextmanager
async def serve_bland(
    dataset: DemoDataset | None = None,
    *,
    v2_dataset: DemoV2Dataset | None = None,
    api_key: str = "test-key",
    port: int = 0,
    progress: bool | float = False,
    progress_step: int = 3,
) -> AsyncIterator[BlandServer]:
    """Run a BlandServer on 127.0.0.1 for the duration of the block; `server.url` is set.

    `progress=True` finishes `progress_step` calls of each in-progress batch every
    DEFAULT_PROGRESS_INTERVAL seconds (a number sets the interval), so a demo batch ends;
    a running v2 batch moves on a phase, or `progress_step` calls, and POSTs its status
    webhook if one is set. `v2_dataset` defaults to the demo's v2 batches.
    """
    interval: float | None
    if progress is True:
        interval = DEFAULT_PROGRESS_INTERVAL
    elif progress is False:
        interval = None
    else:
        interval = float(progress)
    server = BlandServer(
        dataset,
        v2_dataset=v2_dataset,
        api_key=api_key,
        progress_interval=interval,
        progress_step=progress_step,
    )
    await server.start(port)
    try:
        yield server
    finally:
        await server.stop()


if __name__ == "__main__":
    # `python -m bot.demo.server` runs the command line, which lives in bot.demo.cli.
    from bot.demo.cli import main

    main()
