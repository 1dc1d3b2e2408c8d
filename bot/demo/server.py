"""A local aiohttp server that answers Bland's v1 batch API from a DemoDataset."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.demo.data import (
    PENDING_QUEUE_STATUSES,
    DemoBatch,
    DemoDataset,
    benchmark_dataset,
    bland_id,
    demo_dataset,
    requested_batch,
)

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
JSON_TYPE = "application/json"
DEFAULT_PROGRESS_INTERVAL = 3.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it, faulted or not."""

    method: str
    path: str
    query_string: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Fault:
    """Answer the next `times` matching requests badly instead of normally.

    `kind` is "status" (answer `status`, with Retry-After when `retry_after` is set),
    "hang" (stall `seconds`, then answer normally) or "invalid_json" (200, broken body).
    A fault matches when `path` is None or a prefix of the request path, and `method` is
    None or equal to the request method.
    """

    kind: str
    times: int = 1
    path: str | None = None
    method: str | None = None
    status: int = 500
    retry_after: float | None = None
    seconds: float = 0.0
    message: str | None = None
    used: int = field(default=0, init=False)

    def matches(self, request: web.Request) -> bool:
        return (
            self.used < self.times
            and (self.path is None or request.path.startswith(self.path))
            and (self.method is None or self.method.upper() == request.method)
        )


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    body = json.dumps({"status": "error", "message": message})
    return web.Response(status=status, text=body, content_type=JSON_TYPE, headers=headers)


def _ok(payload: Any) -> web.Response:
    return web.Response(body=json.dumps(payload).encode(), content_type=JSON_TYPE)


def _flag(request: web.Request, name: str, default: bool = True) -> bool:
    value = request.query.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"false", "0", "no", "off"}


def _int(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"status": "error", "message": f"Invalid {name}"}),
            content_type=JSON_TYPE,
        ) from exc


def _concatenated(transcripts: Any) -> str:
    if not isinstance(transcripts, list):
        return ""
    return "\n".join(
        f"{line.get('user')}: {line.get('text')}"
        for line in transcripts
        if isinstance(line, dict) and line.get("text")
    )


def _call_summary(call: dict[str, Any]) -> str:
    answered = call.get("answered_by")
    if call.get("error_message"):
        return f"The call failed: {call['error_message']}"
    if answered == "voicemail":
        return "The call reached voicemail and the agent left a message."
    if answered == "no-answer":
        return "Nobody answered the call."
    if call.get("queue_status") in PENDING_QUEUE_STATUSES:
        return "The call is still in progress."
    return "The agent spoke with the recipient and the call ended normally."


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
        self.dataset = dataset if dataset is not None else demo_dataset()
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
        self._created = 0
        self.app = self._make_app()

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
        retry_after: float | None = None,
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
        self, times: int = 1, *, retry_after: float | None = 1, path: str | None = None
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
        app.router.add_get("/v1/batches", self._list_batches)
        app.router.add_post("/v1/batches", self._create_batch)
        app.router.add_get("/v1/batches/{batch_id}", self._get_batch)
        app.router.add_post("/v1/batches/{batch_id}/stop", self._stop_batch)
        app.router.add_get("/v1/calls/{call_id}", self._get_call)
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
            if fault.kind == "status":
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = f"{fault.retry_after:g}"
                return _error(
                    fault.status, fault.message or f"Injected HTTP {fault.status}", headers
                )
            if fault.kind == "invalid_json":
                return web.Response(
                    text='{"status": "success", "batches": [', content_type=JSON_TYPE
                )
            if fault.kind == "hang":
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), fault.seconds)
                if self._closing.is_set():
                    return _error(503, "Server shutting down")
        if request.headers.get("authorization") != self.api_key:
            return _error(401, "Invalid API key")
        return await handler(request)

    async def _list_batches(self, request: web.Request) -> web.Response:
        limit = _int(request, "limit")
        entries = self.dataset.list_entries(
            campaign_id=request.query.get("campaign_id") or None,
            start=_int(request, "from"),
            end=_int(request, "to"),
            limit=1000 if limit is None else limit,
            ascending=_flag(request, "ascending", default=False),
        )
        return _ok({"status": "success", "batches": entries})

    async def _get_batch(self, request: web.Request) -> web.Response:
        batch = self.dataset.get(request.match_info["batch_id"])
        if batch is None:
            return _error(404, "Batch not found")
        body = batch.response_bytes(
            include_calls=_flag(request, "include_calls"),
            include_transcripts=_flag(request, "include_transcripts"),
            include_analysis=_flag(request, "include_analysis"),
        )
        return web.Response(body=body, content_type=JSON_TYPE)

    async def _get_call(self, request: web.Request) -> web.Response:
        found = self.dataset.find_call(request.match_info["call_id"])
        if found is None:
            return _error(404, "Call not found")
        batch, call = found
        transcripts = call.get("transcripts")
        return _ok(
            {
                "call_id": call.get("call_id"),
                "batch_id": batch.batch_id,
                "status": call.get("status"),
                "to": call.get("to"),
                "from": call.get("from"),
                "created_at": call.get("created_at"),
                "end_at": call.get("end_at"),
                "completed": call.get("completed"),
                "queue_status": call.get("queue_status"),
                "answered_by": call.get("answered_by"),
                "corrected_duration": call.get("corrected_duration"),
                "call_length": call.get("call_length"),
                "error_message": call.get("error_message"),
                "summary": _call_summary(call),
                "concatenated_transcript": _concatenated(transcripts),
                "transcripts": transcripts if isinstance(transcripts, list) else [],
                "recording_url": None,
                "price": None,
                "call_ended_by": "ASSISTANT" if call.get("completed") else None,
            }
        )

    async def _stop_batch(self, request: web.Request) -> web.Response:
        batch = self.dataset.get(request.match_info["batch_id"])
        if batch is None:
            return _error(404, "Batch not found")
        stopped = batch.stop()
        return _ok(
            {
                "status": "success",
                "message": "Batch stopped successfully",
                "num_calls": stopped,
                "batch_id": batch.batch_id,
            }
        )

    async def _create_batch(self, request: web.Request) -> web.Response:
        try:
            payload = await request.json()
        except ValueError:
            return _error(400, "Body must be JSON")
        if not isinstance(payload, dict):
            return _error(400, "Body must be a JSON object")
        base_prompt = payload.get("base_prompt")
        entries = payload.get("call_data")
        if not isinstance(base_prompt, str) or not base_prompt:
            return _error(400, "Missing base_prompt")
        if not isinstance(entries, list) or not entries:
            return _error(400, "Missing call_data")
        if not all(isinstance(entry, dict) and entry.get("phone_number") for entry in entries):
            return _error(400, "Every call_data entry needs a phone_number")
        rng = random.Random(f"created:{self._created}")
        self._created += 1
        batch_id = bland_id(rng)
        self.dataset.add(requested_batch(batch_id, payload, rng=rng, created_at=datetime.now(UTC)))
        return _ok({"message": "success", "batch_id": batch_id})


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


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve a sample Bland batch API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--api-key", default="demo-key")
    parser.add_argument(
        "--calls", type=int, default=None, help="serve generated batches of this many calls"
    )
    parser.add_argument("--batches", type=int, default=1, help="how many batches with --calls")
    parser.add_argument("--in-progress", type=int, default=0, help="of those, still running")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--progress-interval",
        type=float,
        default=None,
        help="every N seconds, finish --progress-step calls of each in-progress batch",
    )
    parser.add_argument("--progress-step", type=int, default=3)
    return parser.parse_args(argv)


async def _run(args: argparse.Namespace) -> None:
    if args.calls is None:
        dataset = demo_dataset()
    else:
        dataset = benchmark_dataset(
            batches=args.batches, calls=args.calls, in_progress=args.in_progress, seed=args.seed
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with serve_bland(
        dataset,
        api_key=args.api_key,
        port=args.port,
        progress=args.progress_interval or False,
        progress_step=args.progress_step,
    ) as server:
        # The URL on stdout is how a parent process learns the port it asked us to pick.
        print(server.url, flush=True)
        for batch_id in dataset.ids():
            log.info("serving batch %s", batch_id)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """`python -m bot.demo.server --port 0 --api-key K [--calls N --batches M]`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(_run(_parse_args(argv)))


if __name__ == "__main__":
    main()
