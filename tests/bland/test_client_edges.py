"""The Bland client's edge cases: refused connections, error bodies, campaign ids."""

from __future__ import annotations

import pytest

from bot.bland.batch_ids import InvalidIdError
from bot.bland.client import Backoff, BlandClient
from bot.bland.errors import (
    BlandConnectionError,
    BlandNotFoundError,
    BlandServerError,
    BlandTimeoutError,
)
from bot.demo.server import BlandServer
from tests.support.bland import BLAND_KEY
from tests.support.ports import free_port

QUICK = Backoff(initial=0.01, cap=0.02, max_retry_after=0.5)


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
