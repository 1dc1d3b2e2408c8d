"""Which API a batch id belongs to (v1 or v2), and ids refused before any request."""

from __future__ import annotations

import pytest

from bot.bland.batch_ids import (
    BatchApi,
    InvalidIdError,
    batch_api,
    check_batch_id,
    is_batch_id,
    is_v2_batch_id,
)
from bot.demo.server import BlandServer
from tests.support.bland import client

V1_IDS = (
    "AAcQq8zXxLB56LWg-gen-batch",
    "DemoSmall0000003-gen-batch",
    "a",
    "batch_with_underscores-and-dashes",
    "A" * 128,
    # Almost a UUID: one group too short, one too long, an underscore, five groups of hex
    # run together. Each is still a valid v1 id, so it stays v1.
    "8b8e8c57-9e6e-4e4d-84d2-9826b2268c2",
    "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22a",
    "8b8e8c57-9e6e-4e4d-84d2_9826b2268c22",
    "8b8e8c579e6e4e4d84d29826b2268c22",
)
V2_IDS = (
    "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22",
    "8B8E8C57-9E6E-4E4D-84D2-9826B2268C22",
    # The documented list example: not hex (`9gca`, `6t74`), still Bland's own id shape.
    "652ad643-9gca-477c-97c3-9d8e6t74d7af",
)
REFUSED = (
    "",
    "../v1/batches?x=<!channel>",
    "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22/stop",
    "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22\n",
    " 8b8e8c57-9e6e-4e4d-84d2-9826b2268c22",
    "652ad643-9gca-477c-97c3-9d8e6t74d7af?take=1",
    "%2e%2e",
    "A" * 129,
    "batch id",
    "ünïcode-batch",
    "8b8e8c57-9e6e-4e4d-84d2-9826b2268ç22",
)


@pytest.mark.parametrize("batch_id", V1_IDS)
def test_other_valid_ids_are_v1(batch_id: str) -> None:
    assert check_batch_id(batch_id) == batch_id
    assert is_batch_id(batch_id)
    assert not is_v2_batch_id(batch_id)
    assert batch_api(batch_id) is BatchApi.V1
    assert batch_api(batch_id) == "v1"


@pytest.mark.parametrize("batch_id", V2_IDS)
def test_uuid_shaped_ids_are_v2(batch_id: str) -> None:
    # A UUID also matches the v1 shape; the UUID shape wins.
    assert check_batch_id(batch_id) == batch_id
    assert is_batch_id(batch_id)
    assert is_v2_batch_id(batch_id)
    assert batch_api(batch_id) is BatchApi.V2
    assert batch_api(batch_id) == "v2"


@pytest.mark.parametrize("batch_id", REFUSED)
def test_anything_else_is_refused(batch_id: str) -> None:
    assert not is_batch_id(batch_id)
    assert not is_v2_batch_id(batch_id)
    with pytest.raises(InvalidIdError):
        check_batch_id(batch_id)
    with pytest.raises(InvalidIdError):
        batch_api(batch_id)


def test_the_refusal_names_both_shapes() -> None:
    with pytest.raises(InvalidIdError) as caught:
        check_batch_id("nope/../x")
    assert "AAcQq8zXxLB56LWg-gen-batch" in str(caught.value)
    assert "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22" in str(caught.value)


def test_non_strings_are_refused() -> None:
    for value in (None, 7, b"AAcQq8zXxLB56LWg-gen-batch"):
        assert not is_v2_batch_id(value)  # type: ignore[arg-type]
        with pytest.raises(InvalidIdError):
            check_batch_id(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("batch_id", REFUSED[1:])
async def test_v2_methods_refuse_before_any_request(bland: BlandServer, batch_id: str) -> None:
    async with client(bland) as bland_client:
        with pytest.raises(InvalidIdError):
            await bland_client.get_batch_v2(batch_id)
        with pytest.raises(InvalidIdError):
            await bland_client.batch_logs(batch_id)
        with pytest.raises(InvalidIdError):
            await bland_client.stop_batch_v2(batch_id)
        with pytest.raises(InvalidIdError):
            await bland_client.list_calls(batch_id=batch_id)
        # Like batch_statuses: a list view skips what cannot be an id, asking nothing.
        assert await bland_client.latest_logs([batch_id]) == {batch_id: None}
    assert bland.requests == []


async def test_v2_methods_refuse_a_v1_id_before_any_request(bland: BlandServer) -> None:
    # A v1 id sent to /v2/... would only come back as Bland's 404: say so up front.
    async with client(bland) as bland_client:
        with pytest.raises(InvalidIdError):
            await bland_client.get_batch_v2("AAcQq8zXxLB56LWg-gen-batch")
        with pytest.raises(InvalidIdError):
            await bland_client.batch_logs("AAcQq8zXxLB56LWg-gen-batch")
        with pytest.raises(InvalidIdError):
            await bland_client.stop_batch_v2("AAcQq8zXxLB56LWg-gen-batch")
    assert bland.requests == []
