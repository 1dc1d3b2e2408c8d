"""The Bland client's edge cases: refused connections, error bodies, unreadable answers, ids."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.bland.batch_ids import InvalidIdError
from bot.bland.client import Backoff, BlandClient
from bot.bland.errors import (
    BlandConnectionError,
    BlandNotFoundError,
    BlandResponseError,
    BlandServerError,
    BlandTimeoutError,
)
from bot.demo.server import BlandServer
from tests.conftest import BLAND_KEY

QUICK = Backoff(initial=0.01, cap=0.02, max_retry_after=0.5)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_refused_connection_is_not_called_a_timeout() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    async with BlandClient(api_key="k", base_url=url, backoff=QUICK, max_retries=1) as client:
        with pytest.raises(BlandConnectionError) as caught:
            await client.list_batches()
    assert not isinstance(caught.value, BlandTimeoutError)


async def test_status_decides_before_wording(bland: BlandServer) -> None:
    bland.fail_next(5, status=503, message="batch not found upstream")
    async with BlandClient(
        api_key=BLAND_KEY, base_url=bland.url, backoff=QUICK, max_retries=1
    ) as client:
        with pytest.raises(BlandServerError):
            await client.get_batch("DemoSmall0000003-gen-batch")
    assert bland.count("/v1/batches/DemoSmall0000003-gen-batch") == 2


async def test_error_body_with_200_is_an_error(bland: BlandServer) -> None:
    bland.fail_next(1, status=200, message="Batch not found")
    async with BlandClient(api_key=BLAND_KEY, base_url=bland.url, backoff=QUICK) as client:
        with pytest.raises(BlandNotFoundError):
            await client.get_batch("DemoSmall0000003-gen-batch")


async def test_campaign_id_is_checked_with_its_own_words(bland: BlandServer) -> None:
    async with BlandClient(api_key=BLAND_KEY, base_url=bland.url) as client:
        with pytest.raises(InvalidIdError, match="campaign id"):
            await client.list_batches(campaign_id="no spaces")
    assert bland.requests == []


@pytest.fixture
async def gzip_liar() -> AsyncIterator[str]:
    """A server whose 200 claims a gzip body that is not gzip."""

    async def lie(request: web.Request) -> web.Response:
        return web.Response(body=b'{"not": "gzip"}', headers={"content-encoding": "gzip"})

    app = web.Application()
    app.router.add_get("/v1/batches", lie)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


@pytest.fixture
async def not_http() -> AsyncIterator[str]:
    """A server that answers every request with a status line HTTP cannot parse."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 2x0 WHAT\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()
    await server.wait_closed()


async def test_a_body_that_cannot_be_decoded_is_a_bland_error(gzip_liar: str) -> None:
    async with BlandClient(api_key="k", base_url=gzip_liar, backoff=QUICK) as client:
        with pytest.raises(BlandResponseError):
            await client.list_batches()


async def test_an_answer_that_is_not_http_is_a_bland_error(not_http: str) -> None:
    async with BlandClient(api_key="k", base_url=not_http, backoff=QUICK) as client:
        with pytest.raises(BlandResponseError):
            await client.list_batches()
