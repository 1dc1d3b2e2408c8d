"""The Bland client's life: closing it, cancelling its requests, and the event loop it
lives in. A client closed for shutdown must not open a new pool behind the caller's
back, and misuse must end in a BlandError that says what is wrong."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web

from bot.bland.client import BlandClient
from bot.bland.errors import BlandConnectionError
from tests.support.local_http import serving

BATCH = {"status": "completed", "batch_params": {"id": "b1", "label": "Life"}, "calls": []}
IDS = [f"AAcQq8zXxLB56LW{n}-gen-batch" for n in range(3)]
# A guard against a hang, not a timing assertion.
GUARD = 20


def batch_app(asked: list[str]) -> web.Application:
    async def batch(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.json_response(BATCH)

    app = web.Application()
    app.router.add_get("/v1/batches/{batch_id}", batch)
    return app


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, list[str]]]:
    asked: list[str] = []
    async with serving(batch_app(asked)) as url:
        yield url, asked


async def test_a_request_after_aclose_is_refused_and_sends_nothing(
    served: tuple[str, list[str]],
) -> None:
    url, asked = served
    bland = BlandClient(api_key="k", base_url=url)
    async with bland:
        await bland.get_batch("b1")
    await bland.aclose()  # twice is harmless
    with pytest.raises(BlandConnectionError, match="closed"):
        await bland.get_batch("b1")
    assert asked == ["/v1/batches/b1"]


async def test_a_request_cancelled_mid_answer_leaves_the_client_usable() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    asked = 0

    async def stall_once(request: web.Request) -> web.StreamResponse:
        nonlocal asked
        asked += 1
        if asked > 1:
            return web.json_response(BATCH)
        response = web.StreamResponse(headers={"content-type": "application/json"})
        await response.prepare(request)
        await response.write(json.dumps(BATCH).encode()[:10])
        started.set()
        await release.wait()
        return response

    app = web.Application()
    app.router.add_get("/v1/batches/{batch_id}", stall_once)
    async with serving(app) as url, BlandClient(api_key="k", base_url=url) as bland:
        poll = asyncio.create_task(bland.get_batch("b1"))
        await started.wait()
        poll.cancel()
        with pytest.raises(asyncio.CancelledError):
            await poll
        batch = await bland.get_batch("b1")
        release.set()
    assert batch.batch_params.label == "Life"


async def test_a_cancelled_fan_out_leaves_no_request_behind() -> None:
    # A list view cut off by shutdown: its per-batch requests must go with it, not run
    # on unowned and end in "Task exception was never retrieved".
    arrived: list[str] = []
    all_arrived, release = asyncio.Event(), asyncio.Event()

    async def gone(request: web.Request) -> web.Response:
        arrived.append(request.path)
        if len(arrived) == len(IDS):
            all_arrived.set()
        await release.wait()
        return web.json_response({"message": "gone"}, status=404)

    app = web.Application()
    app.router.add_get("/v1/batches/{batch_id}", gone)
    reported: list[dict[str, object]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: reported.append(context))
    # Released whatever happens, so the server's cleanup never waits for its handlers.
    app.on_shutdown.append(lambda _: _set(release))
    try:
        async with serving(app) as url, BlandClient(api_key="k", base_url=url) as bland:
            listing = asyncio.create_task(bland.batch_statuses(IDS, within=GUARD))
            await all_arrived.wait()
            asking = [task for task in asyncio.all_tasks() if _is_fan_out(task)]
            assert len(asking) == len(IDS)
            listing.cancel()
            with pytest.raises(asyncio.CancelledError):
                await listing
            assert all(task.done() or task.cancelling() for task in asking)
            release.set()
            await asyncio.wait(asking, timeout=GUARD)
            del asking
            gc.collect()
    finally:
        loop.set_exception_handler(None)
    assert [context["message"] for context in reported] == []


async def _set(event: asyncio.Event) -> None:
    event.set()


def _is_fan_out(task: asyncio.Task[object]) -> bool:
    name = getattr(task.get_coro(), "__qualname__", "")
    return isinstance(name, str) and name.startswith("BlandClient.batch_statuses.<locals>")


@pytest.fixture
def threaded_server() -> Iterator[tuple[str, list[str]]]:
    """A Bland stand-in on its own loop and thread, so it outlives the test's loops."""
    asked: list[str] = []
    loop = asyncio.new_event_loop()
    ready: list[str] = []
    up = threading.Event()
    stop = asyncio.Event()

    async def run() -> None:
        async with serving(batch_app(asked)) as url:
            ready.append(url)
            up.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    assert up.wait(10)
    yield ready[0], asked
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def test_a_client_used_from_a_second_event_loop_says_so(
    threaded_server: tuple[str, list[str]],
) -> None:
    url, asked = threaded_server
    bland = BlandClient(api_key="k", base_url=url)

    async def first() -> None:
        await bland.get_batch("b1")

    async def second() -> None:
        try:
            with pytest.raises(BlandConnectionError, match="event loop"):
                await bland.get_batch("b1")
        finally:
            await bland.aclose()

    # The first loop ends without closing the client: its pool dies with that loop.
    asyncio.run(first())
    asyncio.run(second())
    assert asked == ["/v1/batches/b1"]
