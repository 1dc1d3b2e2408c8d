"""A local aiohttp server that answers Bland's v1 batch API from a DemoDataset."""

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
from bot.demo.faults import Fault, RecordedRequest
from bot.demo.routes import BatchRoutes, error

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PROGRESS_INTERVAL = 3.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BlandServer:
    """Bland's v1 batch API over a mutable dataset, with request log and fault injection."""

    def __init__(
        self,
        dataset: DemoDataset | None = None,
        *,
        api_key: str = "test-key",
        progress_interval: float | None = None,
        progress_step: int = 3,
    ) -> None:
        self.routes = BatchRoutes(dataset if dataset is not None else demo_dataset())
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

    # -- fault injection --------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def fail_next(
        self,
        times: int = 1,
        *,
        status: int = 500,
        path: str | None = None,
        method: str | None = None,
        retry_after: float | str | None = None,
        message: str | None = None,
    ) -> Fault:
        """The next `times` matching requests answer `status` with a Bland error body."""
        return self.add_fault(
            Fault(
                "status",
                times,
                path=path,
                method=method,
                status=status,
                retry_after=retry_after,
                message=message,
            )
        )

    def rate_limit_next(
        self, times: int = 1, *, retry_after: float | str | None = 1, path: str | None = None
    ) -> Fault:
        """The next `times` matching requests answer 429 with `Retry-After`."""
        return self.fail_next(
            times, status=429, path=path, retry_after=retry_after, message="Rate limit exceeded"
        )

    def hang_next(self, times: int = 1, *, seconds: float, path: str | None = None) -> Fault:
        """The next `times` matching requests stall `seconds` before answering normally."""
        return self.add_fault(Fault("hang", times, path=path, seconds=seconds))

    def garble_next(self, times: int = 1, *, path: str | None = None) -> Fault:
        """The next `times` matching requests answer 200 with a body that is not JSON."""
        return self.add_fault(Fault("invalid_json", times, path=path))

    def drip_next(self, times: int = 1, *, seconds: float = 1.0, path: str | None = None) -> Fault:
        """The next `times` matching requests get their answer one byte every `seconds`."""
        return self.add_fault(Fault("drip", times, path=path, seconds=seconds))

    def flood_next(
        self,
        times: int = 1,
        *,
        size: int,
        status: int = 200,
        declared: bool = False,
        path: str | None = None,
    ) -> Fault:
        """The next `times` matching requests answer `status` with `size` bytes of body."""
        return self.add_fault(
            Fault("flood", times, path=path, status=status, size=size, declared=declared)
        )

    def clear_faults(self) -> None:
        self.faults.clear()

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

    async def _progress(self) -> None:
        assert self.progress_interval is not None
        while True:
            await asyncio.sleep(self.progress_interval)
            for batch in list(self.dataset.batches.values()):
                if batch.status == "in-progress" and batch.advance(self.progress_step):
                    log.info("demo batch %s advanced to %s", batch.batch_id, batch.status)

    # -- HTTP -------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=32 * 1024**2)
        self.routes.add_to(app)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read() if request.can_read_body else b""
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query_string=request.query_string,
                query=dict(request.query),
                headers=dict(request.headers),
                body=body,
                at=time.monotonic(),
            )
        )
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
            faulted = await fault.answer(self._closing)
            if faulted is not None:
                return faulted
        return await self._answer(request, handler)

    async def _answer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.headers.get("authorization") != self.api_key:
            return error(401, "Invalid API key")
        return await handler(request)


@contextlib.asynccontextmanager
async def serve_bland(
    dataset: DemoDataset | None = None,
    *,
    api_key: str = "test-key",
    port: int = 0,
    progress: bool | float = False,
    progress_step: int = 3,
) -> AsyncIterator[BlandServer]:
    """Run a BlandServer on 127.0.0.1 for the duration of the block; `server.url` is set.

    `progress=True` finishes `progress_step` calls of each in-progress batch every
    DEFAULT_PROGRESS_INTERVAL seconds (a number sets the interval), so a demo batch ends.
    """
    interval: float | None
    if progress is True:
        interval = DEFAULT_PROGRESS_INTERVAL
    elif progress is False:
        interval = None
    else:
        interval = float(progress)
    server = BlandServer(
        dataset, api_key=api_key, progress_interval=interval, progress_step=progress_step
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
