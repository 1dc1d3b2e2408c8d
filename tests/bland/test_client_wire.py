"""What the Bland client does with answers that break on the wire: bodies cut short,
connections dropped, encodings that lie, and what it sends with every request.

Each is retried or not by what it says about Bland: a dropped connection may work on
the next try, an answer that cannot be decoded will not."""

from __future__ import annotations

import asyncio
import contextlib
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
BODY = json.dumps(BATCH).encode()
# Two tries in all: the first and one retry.
RETRIES = 1


@dataclass
class RawServer:
    """A TCP server that answers each request with `answer(n)` bytes, then closes (or,
    with `keep_alive`, waits for the next request on the same connection); counts the
    requests and connections and keeps the requests' header blocks."""

    answer: Callable[[int], bytes]
    keep_alive: bool = False
    heads: list[bytes] = field(default_factory=list)
    connections: int = 0
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    self.heads.append(await reader.readuntil(b"\r\n\r\n"))
                except asyncio.IncompleteReadError:
                    return
                writer.write(self.answer(len(self.heads)))
                await writer.drain()
                if not self.keep_alive:
                    return
        finally:
            writer.close()


Answer = Callable[[int], bytes]
Start = Callable[..., Awaitable[RawServer]]


@pytest.fixture
async def raw() -> AsyncIterator[Start]:
    """`await raw(answer, keep_alive=False)`: a RawServer on a free port until the test
    ends."""
    listeners: list[asyncio.Server] = []

    async def start(answer: Answer, *, keep_alive: bool = False) -> RawServer:
        server = RawServer(answer, keep_alive)
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


@pytest.mark.parametrize(
    "first",
    [
        # A content-length shorter than the body, the rest an answer of its own.
        pytest.param(lambda smuggled: answer_of(BODY + smuggled, declared=len(BODY)), id="short"),
        # A 204 (or 304) has no body by definition; what follows it is not one.
        pytest.param(
            lambda smuggled: answer_of(smuggled).replace(b"200 OK", b"204 No Content", 1),
            id="204",
        ),
    ],
)
async def test_bytes_past_an_answer_never_become_the_next_answer(
    raw: Start, first: Callable[[bytes], bytes]
) -> None:
    forged = json.dumps({**BATCH, "batch_params": {"id": "b1", "label": "Forged"}}).encode()
    server = await raw(
        lambda n: first(answer_of(forged)) if n == 1 else answer_of(BODY), keep_alive=True
    )
    async with client(server.url) as bland:
        with contextlib.suppress(BlandResponseError):
            await bland.get_batch("b1")
        labels = [(await bland.get_batch("b1")).batch_params.label for _ in range(3)]
    assert labels == ["Wire"] * 3


def chunked_of(body: bytes, size: int = 16 * 1024) -> bytes:
    """`body` as a chunked 200: its length declared nowhere, so only reading finds it."""
    chunks = [body[at : at + size] for at in range(0, len(body), size)]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked"
    return head + b"\r\n\r\n" + framed + b"0\r\n\r\n"


@pytest.mark.parametrize("framing", [answer_of, chunked_of], ids=["declared", "chunked"])
async def test_answers_over_the_cap_do_not_use_up_the_pool(
    raw: Start, framing: Callable[[bytes], bytes]
) -> None:
    # Each capped answer drops its half-read connection; were it kept, two would fill
    # the pool and the next request would wait for a connection that never comes back.
    large = framing(b" " * (256 * 1024) + BODY)
    server = await raw(lambda n: large if n <= 10 else answer_of(BODY), keep_alive=True)
    async with client(server.url, max_connections=2, limits=Limits(max_bytes=64 * 1024)) as bland:
        for _ in range(10):
            with pytest.raises(BlandTooLargeError):
                await bland.get_batch("b1")
        batch = await bland.get_batch("b1")
    assert batch.batch_params.label == "Wire"
    assert server.connections == 11
