"""The Bland client's edge cases: refused connections, error bodies, campaign ids, and
answers that are too slow, too large or carry secrets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.bland.batch_ids import InvalidIdError
from bot.bland.client import Backoff, BlandClient
from bot.bland.errors import (
    BlandConnectionError,
    BlandNotFoundError,
    BlandRateLimitError,
    BlandResponseError,
    BlandServerError,
    BlandStatusError,
    BlandTimeoutError,
    BlandTooLargeError,
)
from bot.bland.limits import Limits
from bot.bland.stats import CallTally
from bot.demo.server import BlandServer
from tests.support.bland import BLAND_KEY
from tests.support.local_http import serving
from tests.support.ports import free_port

QUICK = Backoff(initial=0.01, cap=0.02, max_retry_after=0.5)
SMALL = "DemoSmall0000003-gen-batch"
MB = 1024 * 1024
# Without a deadline these tests would wait out a drip of thousands of seconds; the
# guard turns that into a failure instead of a hang. It is not a timing assertion.
GUARD = 20
TOKENS = (
    "sk-live-4f9a8b7c6d5e4f3a2b1c",
    "org_8f7e6d5c4b3a29181716",
    "xoxb-1234567890-0987654321-AbCdEfGhIjKl",
    "Bearer eyJhbGciOiJIUzI1NiJ9.secret",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3",
)


async def test_refused_connection_is_not_called_a_timeout() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # released: nothing listens there
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


async def test_a_dripping_answer_is_given_up_at_the_deadline(bland: BlandServer) -> None:
    fault = bland.drip_next(5, seconds=1.0)
    async with (
        BlandClient(
            api_key=BLAND_KEY, base_url=bland.url, backoff=QUICK, limits=Limits(deadline=1)
        ) as client,
        asyncio.timeout(GUARD),
    ):
        with pytest.raises(BlandTimeoutError, match="too slow"):
            await client.get_batch(SMALL)
    # The deadline covers the whole request, retries included: nothing is asked again.
    assert bland.count() == 1
    await asyncio.wait_for(fault.done.wait(), GUARD)


async def test_retries_do_not_sleep_past_the_deadline(bland: BlandServer) -> None:
    bland.fail_next(5, status=503, retry_after=3)
    patient = Backoff(initial=0.01, cap=0.02, max_retry_after=10)
    async with BlandClient(
        api_key=BLAND_KEY, base_url=bland.url, backoff=patient, limits=Limits(deadline=1)
    ) as client:
        with pytest.raises(BlandServerError):
            await client.get_batch(SMALL)
    assert bland.count() == 1


@pytest.mark.parametrize("declared", [False, True], ids=["streamed", "declared"])
async def test_an_answer_over_the_cap_is_stopped_early(bland: BlandServer, declared: bool) -> None:
    fault = bland.flood_next(5, size=256 * MB, declared=declared)
    async with BlandClient(
        api_key=BLAND_KEY, base_url=bland.url, backoff=QUICK, limits=Limits(max_bytes=MB)
    ) as client:
        with pytest.raises(BlandTooLargeError, match="too large"):
            await client.get_batch(SMALL)
    await asyncio.wait_for(fault.done.wait(), GUARD)
    assert bland.count() == 1
    assert fault.sent < fault.size


async def test_an_export_has_its_own_larger_cap(bland: BlandServer) -> None:
    bland.flood_next(2, size=2 * MB)
    async with BlandClient(
        api_key=BLAND_KEY,
        base_url=bland.url,
        backoff=QUICK,
        limits=Limits(max_bytes=MB),
        export_limits=Limits(max_bytes=4 * MB),
    ) as client:
        with pytest.raises(BlandTooLargeError):
            await client.get_batch(SMALL)
        # Read whole under the export's cap, then found not to be JSON.
        with pytest.raises(BlandResponseError) as caught:
            await client.export_batch(SMALL, transcripts=True, into=CallTally)
    assert not isinstance(caught.value, BlandTooLargeError)
    assert bland.requests_to(f"/v1/batches/{SMALL}")[-1].query == {
        "include_calls": "true",
        "include_transcripts": "true",
        "include_analysis": "false",
    }


async def test_a_huge_error_body_still_reads_as_its_status(bland: BlandServer) -> None:
    fault = bland.flood_next(1, size=256 * MB, status=503)
    async with BlandClient(
        api_key=BLAND_KEY, base_url=bland.url, backoff=QUICK, limits=Limits(max_bytes=MB)
    ) as client:
        detail = await client.get_batch(SMALL)
    assert detail.batch_params.id == SMALL
    await asyncio.wait_for(fault.done.wait(), GUARD)
    assert fault.sent < fault.size


@pytest.mark.parametrize("status", [400, 200])
async def test_bland_messages_lose_secrets_and_line_breaks(bland: BlandServer, status: int) -> None:
    said = f"Bad request for {BLAND_KEY}:\r\n" + " ".join(TOKENS) + "\n2024 INFO forged\x1b[31m"
    bland.fail_next(1, status=status, message=said)
    async with BlandClient(api_key=BLAND_KEY, base_url=bland.url, backoff=QUICK) as client:
        with pytest.raises(BlandStatusError) as caught:
            await client.get_batch(SMALL)
    for text in (str(caught.value), caught.value.message or ""):
        assert "Bad request for" in text
        assert BLAND_KEY not in text
        for token in TOKENS:
            assert token.split()[-1] not in text
        assert not any(ord(char) < 32 or ord(char) == 127 for char in text)


@pytest.mark.parametrize("status", [400, 200])
async def test_a_message_of_spaces_past_the_scan_is_still_a_status_error(
    bland: BlandServer, status: int
) -> None:
    bland.fail_next(1, status=status, message=" " * 2_001 + "Invalid request")
    async with BlandClient(api_key=BLAND_KEY, base_url=bland.url, backoff=QUICK) as client:
        with pytest.raises(BlandStatusError) as caught:
            await client.get_batch(SMALL)
    assert caught.value.status_code == 400


@pytest.mark.parametrize("header", ["1e999", "inf", "nan", "-5", "-inf"])
async def test_a_non_finite_retry_after_crashes_nothing(bland: BlandServer, header: str) -> None:
    bland.rate_limit_next(5, retry_after=header)
    async with BlandClient(
        api_key=BLAND_KEY, base_url=bland.url, backoff=QUICK, max_retries=1
    ) as client:
        with pytest.raises(BlandRateLimitError) as caught:
            await client.get_batch(SMALL)
    assert caught.value.retry_after is None


async def test_a_retry_after_date_without_a_zone_crashes_nothing(bland: BlandServer) -> None:
    # RFC 5322's "-0000" zone parses to a naive datetime, which cannot be compared to now.
    bland.rate_limit_next(5, retry_after="Wed, 21 Oct 2015 07:28:00 -0000")
    async with BlandClient(
        api_key=BLAND_KEY, base_url=bland.url, backoff=QUICK, max_retries=1
    ) as client:
        with pytest.raises(BlandRateLimitError) as caught:
            await client.get_batch(SMALL)
    assert caught.value.retry_after == 0


@pytest.fixture
async def gzip_liar() -> AsyncIterator[str]:
    """A server whose 200 claims a gzip body that is not gzip."""

    async def lie(request: web.Request) -> web.Response:
        return web.Response(body=b'{"not": "gzip"}', headers={"content-encoding": "gzip"})

    app = web.Application()
    app.router.add_get("/v1/batches", lie)
    async with serving(app) as url:
        yield url


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


# Deeper than Python's recursion limit, as a whole answer or as one field of it.
DEEP = 100_000
NESTED = {
    "/v1/batches/whole": (200, b"[" * DEEP + b"]" * DEEP),
    "/v1/batches/label": (
        200,
        b'{"status": "completed", "batch_params": {"label": ' + b"[" * 600 + b"]" * 600 + b"}}",
    ),
    "/v1/batches/error": (400, b'{"message": ' + b"[" * DEEP + b"]" * DEEP + b"}"),
}


@pytest.fixture
async def nested() -> AsyncIterator[str]:
    """A server whose answers nest JSON arrays deeper than a recursive parser can go."""

    async def answer(request: web.Request) -> web.Response:
        status, body = NESTED[request.path]
        return web.Response(status=status, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/v1/batches/{batch_id}", answer)
    async with serving(app) as url:
        yield url


async def test_json_nested_too_deep_is_an_answer_we_cannot_read(nested: str) -> None:
    async with BlandClient(api_key="k", base_url=nested, backoff=QUICK) as client:
        with pytest.raises(BlandResponseError):
            await client.get_batch("whole")


async def test_one_field_nested_too_deep_is_dropped_and_the_rest_read(nested: str) -> None:
    async with BlandClient(api_key="k", base_url=nested, backoff=QUICK) as client:
        detail = await client.get_batch("label")
    assert detail.status == "completed"
    assert detail.batch_params.label is None


async def test_an_error_body_nested_too_deep_still_reads_as_its_status(nested: str) -> None:
    async with BlandClient(api_key="k", base_url=nested, backoff=QUICK) as client:
        with pytest.raises(BlandStatusError) as caught:
            await client.get_batch("error")
    assert caught.value.status_code == 400
    assert caught.value.message is None
