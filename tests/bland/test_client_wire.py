"""What the Bland client does with answers that break on the wire: bodies cut short,
connections dropped, encodings that lie, and what it sends with every request.

Each is retried or not by what it says about Bland: a dropped connection may work on
the next try, an answer that cannot be decoded will not."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from bot.bland.client import Backoff, BlandClient, Timeouts
from bot.bland.errors import (
    BlandConnectionError,
    BlandResponseError,
    BlandStatusError,
    BlandTimeoutError,
    BlandTooLargeError,
)
from bot.bland.limits import Limits
from tests.support.local_http import serving

QUICK = Backoff(initial=0.01, cap=0.02, max_retry_after=0.5)
BATCH = {"status": "completed", "batch_params": {"id": "b1", "label": "Wire"}, "calls": []}
# Two tries in all: the first and one retry.
RETRIES = 1


@dataclass
class RawServer:
    """A TCP server that answers each request with `answer(n)` bytes, then closes;
    counts the requests and keeps their header blocks."""

    answer: Callable[[int], bytes]
    heads: list[bytes] = field(default_factory=list)
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            self.heads.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(self.answer(len(self.heads)))
            await writer.drain()
        finally:
            writer.close()


Answer = Callable[[int], bytes]
Start = Callable[[Answer], Awaitable[RawServer]]


@pytest.fixture
async def raw() -> AsyncIterator[Start]:
    """`await raw(answer)`: a RawServer listening on a free port until the test ends."""
    listeners: list[asyncio.Server] = []

    async def start(answer: Answer) -> RawServer:
        server = RawServer(answer)
        listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        listeners.append(listener)
        server.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
        return server

    yield start
    for listener in listeners:
        listener.close()
        await listener.wait_closed()


def client(url: str, **kwargs: object) -> BlandClient:
    return BlandClient(
        api_key="k",
        base_url=url,
        backoff=QUICK,
        max_retries=RETRIES,
        **kwargs,  # type: ignore[arg-type]
    )


def answer_of(body: bytes, *headers: str, declared: int | None = None) -> bytes:
    lines = ["HTTP/1.1 200 OK", "content-type: application/json", *headers]
    lines.append(f"content-length: {len(body) if declared is None else declared}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def test_a_body_cut_short_is_a_connection_error_and_is_retried(raw: Start) -> None:
    body = json.dumps(BATCH).encode()
    server = await raw(lambda n: answer_of(body[:20], declared=len(body)))
    async with client(server.url) as bland:
        with pytest.raises(BlandConnectionError):
            await bland.get_batch("b1")
    assert len(server.heads) == 1 + RETRIES


async def test_a_connection_closed_before_any_answer_is_retried(raw: Start) -> None:
    server = await raw(lambda n: b"")
    async with client(server.url) as bland:
        with pytest.raises(BlandConnectionError):
            await bland.get_batch("b1")
    # aiohttp itself sends an idempotent request once more when the server hangs up
    # before answering; our retries come on top, and both are bounded.
    assert 1 + RETRIES <= len(server.heads) <= 2 * (1 + RETRIES)


async def test_a_drop_then_a_good_answer_reads_the_good_answer(raw: Start) -> None:
    body = json.dumps(BATCH).encode()
    server = await raw(lambda n: b"" if n == 1 else answer_of(body))
    async with client(server.url) as bland:
        batch = await bland.get_batch("b1")
    assert batch.status == "completed"
    assert len(server.heads) == 2


async def test_a_body_claiming_gzip_that_is_not_is_not_retried(raw: Start) -> None:
    body = json.dumps(BATCH).encode()
    server = await raw(lambda n: answer_of(body, "content-encoding: gzip"))
    async with client(server.url) as bland:
        with pytest.raises(BlandResponseError) as caught:
            await bland.get_batch("b1")
    assert not isinstance(caught.value, BlandConnectionError)
    assert len(server.heads) == 1


async def test_a_real_gzip_body_is_read(raw: Start) -> None:
    body = gzip.compress(json.dumps(BATCH).encode())
    server = await raw(lambda n: answer_of(body, "content-encoding: gzip"))
    async with client(server.url) as bland:
        batch = await bland.get_batch("b1")
    assert batch.batch_params.label == "Wire"


async def test_a_small_gzip_that_unpacks_past_the_cap_is_too_large(raw: Start) -> None:
    # 4 MB of spaces packs into a few kB: the cap counts what it unpacks to.
    body = gzip.compress(b" " * (4 * 1024 * 1024) + json.dumps(BATCH).encode())
    assert len(body) < 64 * 1024
    server = await raw(lambda n: answer_of(body, "content-encoding: gzip"))
    async with client(server.url, limits=Limits(max_bytes=1024 * 1024)) as bland:
        with pytest.raises(BlandTooLargeError):
            await bland.get_batch("b1")
    assert len(server.heads) == 1


async def test_a_read_that_stalls_is_a_timeout_and_is_retried() -> None:
    asked = 0

    async def stall(request: web.Request) -> web.StreamResponse:
        nonlocal asked
        asked += 1
        response = web.StreamResponse(headers={"content-type": "application/json"})
        await response.prepare(request)
        await response.write(b'{"status": ')
        await asyncio.sleep(5)
        return response

    app = web.Application()
    app.router.add_get("/v1/batches/{batch_id}", stall)
    async with serving(app) as url:
        timeouts = Timeouts(connect=1, read=0.3)
        async with client(url, timeouts=timeouts) as bland:
            with pytest.raises(BlandTimeoutError) as caught:
                await bland.get_batch("b1")
    assert "in time" in str(caught.value)
    assert asked == 1 + RETRIES


async def test_every_request_says_who_asks_and_takes_gzip(
    raw: Start,
) -> None:
    body = json.dumps(BATCH).encode()
    server = await raw(lambda n: answer_of(body))
    async with client(server.url) as bland:
        await bland.get_batch("b1", include_calls=False)
    head = server.heads[0].decode().lower()
    assert head.startswith(
        "get /v1/batches/b1?include_calls=false&include_transcripts=true"
        "&include_analysis=true http/1.1\r\n"
    )
    assert "\r\nauthorization: k\r\n" in head
    assert "\r\naccept: application/json\r\n" in head
    assert "\r\nuser-agent: bland-batches-slack/" in head
    # A 10k-call batch is megabytes of JSON: compressed on the wire, a fraction of that.
    assert "\r\naccept-encoding: gzip" in head


@pytest.mark.parametrize("status", ["301 Moved Permanently", "302 Found", "307 Temporary Redirect"])
async def test_a_redirect_is_an_error_and_is_not_followed(raw: Start, status: str) -> None:
    # Elsewhere answers as Bland would: following the redirect would read it, and send
    # the API key to another host.
    elsewhere = await raw(lambda n: answer_of(json.dumps(BATCH).encode()))
    location = f"location: {elsewhere.url}/v1/batches/b1"
    # The redirect's own body is a batch too: a 3xx is no answer, whatever it holds.
    server = await raw(
        lambda n: answer_of(json.dumps(BATCH).encode(), location).replace(
            b"200 OK", status.encode(), 1
        )
    )
    async with client(server.url) as bland:
        with pytest.raises(BlandStatusError) as caught:
            await bland.get_batch("b1")
    assert caught.value.status_code == int(status[:3])
    assert "redirect" in str(caught.value)
    assert elsewhere.url not in str(caught.value)
    assert elsewhere.heads == []
    assert len(server.heads) == 1
