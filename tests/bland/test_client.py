"""BlandClient against the demo Bland API: reads, flags, errors, retries and timeouts."""

from __future__ import annotations

import pytest

from bot.bland.batch_ids import InvalidIdError
from bot.bland.client import BlandClient, Timeouts
from bot.bland.errors import (
    BlandAuthError,
    BlandNotFoundError,
    BlandRateLimitError,
    BlandResponseError,
    BlandTimeoutError,
)
from bot.demo.dataset import demo_dataset
from bot.demo.scenarios import HOSTILE_BATCH_ID, LIVE_BATCH_ID, SMALL_BATCH_ID
from bot.demo.server import BlandServer
from tests.support.bland import BLAND_KEY, FAST, FIXTURE_BATCH_ID, client, get_json


async def test_client_lists_batches(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        listed = await bland_client.list_batches(limit=3)
    assert len(listed.batches) == 3
    assert bland.requests[-1].query == {"limit": "3"}
    assert bland.requests[-1].headers["Authorization"] == BLAND_KEY


async def test_client_reads_details_with_flags(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        detail = await bland_client.get_batch(LIVE_BATCH_ID, include_transcripts=False)
        bare = await bland_client.get_batch(LIVE_BATCH_ID, include_calls=False)
    assert detail.in_progress and len(detail.call_data) == 40
    assert all(call.transcripts == [] for call in detail.call_data)
    assert detail.analysis is not None and detail.analysis.total_calls == 40
    assert bare.call_data == [] and bare.analysis is None
    assert bare.batch_params.id == LIVE_BATCH_ID
    first, second = bland.requests_to(f"/v1/batches/{LIVE_BATCH_ID}")
    assert "include_transcripts=false" in first.query_string
    assert second.query["include_calls"] == "false"


async def test_client_parses_the_documented_example(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        detail = await bland_client.get_batch(FIXTURE_BATCH_ID)
    call = detail.call_data[0]
    assert call.from_ == "+17473423273"
    assert call.duration_seconds == 12
    assert call.answered == "voicemail"
    assert [line.user for line in call.transcripts] == ["assistant", "user", "agent-action"]
    assert detail.analysis is not None and detail.analysis.queue_statuses == {
        "complete": 85,
        "started": 2,
        "call_error": 1,
    }


async def test_client_survives_the_hostile_batch(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        detail = await bland_client.get_batch(HOSTILE_BATCH_ID)
    assert detail.status == "paused"
    assert [call.answered for call in detail.call_data] == ["human", "voicemail", None]


async def test_client_gets_one_call(bland: BlandServer) -> None:
    call_id = demo_dataset().tour_call_id
    async with client(bland) as bland_client:
        call = await bland_client.get_call(call_id)
    assert call.call_id == call_id
    assert call.summary and call.transcripts
    _, raw = await get_json(bland, f"/v1/calls/{call_id}")
    assert raw["concatenated_transcript"].startswith("assistant: ")


async def test_client_stops_a_batch(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        result = await bland_client.stop_batch(LIVE_BATCH_ID)
        after = await bland_client.get_batch(LIVE_BATCH_ID, include_transcripts=False)
    assert result.status == "success" and result.num_calls == 16
    assert result.batch_id == LIVE_BATCH_ID
    assert after.status == "completed"
    assert after.analysis is not None and after.analysis.in_progress_calls == 0


async def test_not_found_and_auth_errors(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        with pytest.raises(BlandNotFoundError):
            await bland_client.get_batch("NoSuchBatch00000-gen-batch")
    async with BlandClient(api_key="wrong", base_url=bland.url, backoff=FAST) as wrong:
        with pytest.raises(BlandAuthError):
            await wrong.list_batches()


async def test_rate_limit_is_retried(bland: BlandServer) -> None:
    path = f"/v1/batches/{SMALL_BATCH_ID}"
    bland.rate_limit_next(2, retry_after=0.01, path=path)
    async with client(bland) as bland_client:
        detail = await bland_client.get_batch(SMALL_BATCH_ID)
    assert len(detail.call_data) == 3
    assert bland.count(path) == 3


async def test_long_retry_after_is_not_waited_out(bland: BlandServer) -> None:
    bland.rate_limit_next(1, retry_after=60)
    async with client(bland) as bland_client:
        with pytest.raises(BlandRateLimitError) as caught:
            await bland_client.list_batches()
    assert caught.value.retry_after == 60
    assert bland.count() == 1


async def test_server_errors_are_retried(bland: BlandServer) -> None:
    bland.fail_next(2, status=500)
    async with client(bland) as bland_client:
        listed = await bland_client.list_batches()
    assert listed.batches
    assert bland.count("/v1/batches") == 3


async def test_invalid_json_is_a_response_error(bland: BlandServer) -> None:
    bland.garble_next(1)
    async with client(bland) as bland_client:
        with pytest.raises(BlandResponseError):
            await bland_client.list_batches()


async def test_a_hung_server_times_out(bland: BlandServer) -> None:
    bland.hang_next(5, seconds=30)
    timeouts = Timeouts(connect=1, read=0.5)
    async with client(bland, timeouts=timeouts, max_retries=1) as bland_client:
        with pytest.raises(BlandTimeoutError):
            await bland_client.get_batch(SMALL_BATCH_ID)
    assert bland.count() == 2


async def test_invalid_id_makes_no_request(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        with pytest.raises(InvalidIdError):
            await bland_client.get_batch("../v1/batches?x=<!channel>")
    assert bland.requests == []
