"""The demo Bland API server: raw responses as documented, and its test controls."""

from __future__ import annotations

import aiohttp

from bot.demo.scenarios import LIVE_BATCH_ID, SMALL_BATCH_ID
from bot.demo.server import BlandServer
from tests.support.bland import (
    BLAND_KEY,
    FIXTURE_BATCH_ID,
    LIST_KEYS,
    client,
    get_json,
    read_fixture,
)


async def test_list_is_newest_first_and_documented(bland: BlandServer) -> None:
    status, body = await get_json(bland, "/v1/batches")
    assert status == 200 and body["status"] == "success"
    batches = body["batches"]
    assert all(set(entry) == LIST_KEYS for entry in batches)
    created = [entry["created_at"] for entry in batches]
    assert created == sorted(created, reverse=True)
    assert "ZfowpkhOSVCZJ94i-gen-batch" in {entry["batch_id"] for entry in batches}


async def test_list_filters_and_slices(bland: BlandServer) -> None:
    _, everything = await get_json(bland, "/v1/batches?ascending=true")
    ids = [entry["batch_id"] for entry in everything["batches"]]
    _, sliced = await get_json(bland, "/v1/batches?ascending=true&from=1&to=4&limit=2")
    assert [entry["batch_id"] for entry in sliced["batches"]] == ids[1:3]
    _, campaign = await get_json(bland, "/v1/batches?campaign_id=a2shduf92f74p8288c93nid5")
    assert {entry["campaign_id"] for entry in campaign["batches"]} == {"a2shduf92f74p8288c93nid5"}


async def test_detail_flags_shape_the_body(bland: BlandServer) -> None:
    path = f"/v1/batches/{SMALL_BATCH_ID}"
    _, full = await get_json(bland, path)
    assert set(full) == {"status", "batch_params", "call_data", "analysis"}
    assert all("transcripts" in call for call in full["call_data"])
    _, bare = await get_json(bland, path + "?include_calls=false")
    assert set(bare) == set(read_fixture("batch_details_no_calls"))
    _, quiet = await get_json(bland, path + "?include_transcripts=false&include_analysis=false")
    assert set(quiet) == {"status", "batch_params", "call_data"}
    assert not any("transcripts" in call for call in quiet["call_data"])


async def test_fixture_batch_is_served_as_printed(bland: BlandServer) -> None:
    _, body = await get_json(bland, f"/v1/batches/{FIXTURE_BATCH_ID}")
    assert body == read_fixture("batch_details")


async def test_auth_and_not_found_bodies(bland: BlandServer) -> None:
    assert await get_json(bland, "/v1/batches", key=f"Bearer {BLAND_KEY}") == (
        401,
        {"status": "error", "message": "Invalid API key"},
    )
    assert await get_json(bland, "/v1/batches/NoSuchBatch00000-gen-batch") == (
        404,
        {"status": "error", "message": "Batch not found"},
    )


# -- Its controls, seen through BlandClient ----------------------------------------------


async def test_watcher_sees_progress(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        bland.advance(LIVE_BATCH_ID, 10)
        midway = await bland_client.get_batch(LIVE_BATCH_ID, include_calls=False)
        bland.complete_batch(LIVE_BATCH_ID)
        done = await bland_client.get_batch(LIVE_BATCH_ID, include_calls=False)
    assert midway.status == "in-progress" and done.status == "completed"


async def test_create_batch_then_read_it(bland: BlandServer) -> None:
    body = {
        "base_prompt": "Call {{name}}",
        "label": "Created in a test",
        "call_data": [{"phone_number": "+15550001", "name": "A"}, {"phone_number": "+15550002"}],
    }
    async with (
        aiohttp.ClientSession(headers={"authorization": BLAND_KEY}) as session,
        session.post(bland.url + "/v1/batches", json=body) as response,
    ):
        created = await response.json()
    async with client(bland) as bland_client:
        detail = await bland_client.get_batch(created["batch_id"])
    assert detail.in_progress
    assert [call.to for call in detail.call_data] == ["+15550001", "+15550002"]
