"""The demo Bland API's v2 routes as raw HTTP, its calls list, and its signed status webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from bot.bland.signatures import valid_webhook_signature
from bot.demo.calls import parse_ts
from bot.demo.dataset_v2 import (
    V2_FINISHED_BATCH_ID,
    V2_LIVE_BATCH_ID,
    V2_RUNNING_BATCH_ID,
    demo_v2_dataset,
)
from bot.demo.scenarios import SMALL_BATCH_ID
from bot.demo.server import BlandServer, serve_bland
from tests.support.bland import BLAND_KEY, V2_FIXTURE_BATCH_ID, V2_LIST_KEYS, get_json, read_fixture
from tests.support.local_http import serving

SECRET = "whsec-demo-0123456789"
UNKNOWN_V2_ID = "00000000-0000-4000-8000-000000000000"


async def test_list_is_an_envelope_of_documented_items(bland: BlandServer) -> None:
    status, body = await get_json(bland, "/v2/batches/list")
    assert status == 200 and set(body) == {"data", "errors"} and body["errors"] is None
    assert all(set(item) >= V2_LIST_KEYS for item in body["data"])
    created = [item["created_at"] for item in body["data"]]
    assert created == sorted(created, reverse=True)
    _, page = await get_json(bland, "/v2/batches/list?take=2&skip=1")
    assert page["data"] == body["data"][1:3]


async def test_the_documented_example_is_served_as_printed(bland: BlandServer) -> None:
    _, listed = await get_json(bland, "/v2/batches/list")
    (item,) = read_fixture("v2_list_batches")["data"]
    assert item in listed["data"]
    assert await get_json(bland, f"/v2/batches/{V2_FIXTURE_BATCH_ID}") == (
        200,
        {"data": item, "errors": None},
    )
    _, logs = await get_json(bland, f"/v2/batches/{V2_FIXTURE_BATCH_ID}/logs")
    assert logs == read_fixture("v2_batch_logs")


async def test_logs_page_in_either_direction(bland: BlandServer) -> None:
    path = f"/v2/batches/{V2_FINISHED_BATCH_ID}/logs"
    _, desc = await get_json(bland, path)
    _, asc = await get_json(bland, path + "?direction=asc")
    _, page = await get_json(bland, path + "?take=2&skip=1")
    assert desc["data"] == list(reversed(asc["data"]))
    assert page["data"] == desc["data"][1:3]
    assert desc["data"][0]["event_type"] == "complete"
    assert desc["data"][0]["payload"] == {
        "calls_total": 12,
        "calls_successful": 10,
        "calls_failed": 2,
    }
    status, bad = await get_json(bland, path + "?direction=sideways")
    assert status == 400 and bad["data"] is None and bad["errors"][0]["error"] == "BAD_REQUEST"


async def test_v2_errors_are_envelopes(bland: BlandServer) -> None:
    assert await get_json(bland, f"/v2/batches/{UNKNOWN_V2_ID}") == (
        404,
        {"data": None, "errors": [{"error": "NOT_FOUND", "message": "Batch not found"}]},
    )
    status, refused = await get_json(bland, "/v2/batches/list", key="wrong")
    assert status == 401 and refused["errors"][0]["error"] == "UNAUTHORIZED"
    bland.fail_next(1, status=503, path="/v2/")
    status, failed = await get_json(bland, "/v2/batches/list")
    assert status == 503 and failed["data"] is None and failed["errors"]
    # v1 keeps its own shape.
    assert await get_json(bland, "/v1/batches", key="wrong") == (
        401,
        {"status": "error", "message": "Invalid API key"},
    )


async def test_calls_list_filters_by_batch_unless_told_not_to(bland: BlandServer) -> None:
    status, body = await get_json(bland, f"/v1/calls?batch_id={V2_FINISHED_BATCH_ID}")
    assert status == 200 and body["count"] == 12 == len(body["calls"])
    assert {call["batch_id"] for call in body["calls"]} == {V2_FINISHED_BATCH_ID}
    call = body["calls"][0]
    assert {"call_id", "to", "from", "status", "queue_status", "answered_by"} <= set(call)
    assert {"corrected_duration", "created_at", "end_at", "error_message", "summary"} <= set(call)
    assert "transcripts" not in call
    _, with_lines = await get_json(
        bland, f"/v1/calls?batch_id={V2_FINISHED_BATCH_ID}&include_transcripts=true"
    )
    assert all("transcripts" in call for call in with_lines["calls"])
    bland.ignore_batch_filter = True
    _, everything = await get_json(bland, f"/v1/calls?batch_id={V2_FINISHED_BATCH_ID}&limit=5000")
    batches = {call["batch_id"] for call in everything["calls"]}
    assert {V2_FINISHED_BATCH_ID, SMALL_BATCH_ID} <= batches


async def test_calls_list_pages_newest_first(bland: BlandServer) -> None:
    _, everything = await get_json(bland, "/v1/calls?limit=5000")
    created = [parse_ts(call["created_at"]) for call in everything["calls"]]
    assert created == sorted(created, reverse=True)
    _, page = await get_json(bland, "/v1/calls?from=2&to=6&limit=3")
    assert page["calls"] == everything["calls"][2:5]
    _, oldest = await get_json(bland, "/v1/calls?ascending=true&limit=1")
    assert oldest["calls"] == everything["calls"][-1:]


async def test_a_v2_call_has_its_details(bland: BlandServer) -> None:
    _, listed = await get_json(bland, f"/v1/calls?batch_id={V2_FINISHED_BATCH_ID}&limit=1")
    call_id = listed["calls"][0]["call_id"]
    status, call = await get_json(bland, f"/v1/calls/{call_id}")
    assert status == 200 and call["batch_id"] == V2_FINISHED_BATCH_ID


async def test_stop_ends_the_batch_partly_and_only_once(bland: BlandServer) -> None:
    path = f"/v2/batches/{V2_RUNNING_BATCH_ID}/stop"
    async with aiohttp.ClientSession() as session:
        async with session.post(bland.url + path, headers={"authorization": BLAND_KEY}) as r:
            first = (r.status, await r.json())
        async with session.post(bland.url + path, headers={"authorization": BLAND_KEY}) as r:
            second = (r.status, await r.json())
    assert first == (
        200,
        {
            "data": {"batch_id": V2_RUNNING_BATCH_ID, "message": "Batch stopped", "num_calls": 6},
            "errors": None,
        },
    )
    assert second[0] == 400 and second[1]["errors"][0]["error"] == "BATCH_NOT_ACTIVE"
    assert bland.v2_dataset[V2_RUNNING_BATCH_ID].state == "completed_partial"


class Receiver:
    """A tiny aiohttp app standing in for the bot's webhook endpoint: it checks each
    signature itself and keeps what arrived."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str, str]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.received.append(
            (raw, request.headers.get("X-Webhook-Signature", ""), request.content_type)
        )
        return web.Response(text="ok")

    def bodies(self) -> list[dict[str, object]]:
        return [json.loads(raw) for raw, _, _ in self.received]


@asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    stand_in = Receiver()
    app = web.Application()
    app.router.add_post("/bland/status", stand_in.handle)
    async with serving(app) as url:
        stand_in.url = f"{url}/bland/status"
        yield stand_in


def signed(raw: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


async def test_a_batch_finishing_posts_signed_phases_and_its_end(bland: BlandServer) -> None:
    async with receiver() as hook:
        bland.set_status_webhook(V2_LIVE_BATCH_ID, hook.url, SECRET)
        sent = await bland.finish_v2(V2_LIVE_BATCH_ID)
        assert sent and hook.bodies() == sent
    for raw, signature, content_type in hook.received:
        assert signature == signed(raw)
        assert valid_webhook_signature(raw, SECRET, signature)
        assert not valid_webhook_signature(raw, "another-secret", signature)
        assert content_type == "application/json"
    phase, final = hook.bodies()[0], hook.bodies()[-1]
    assert (phase["batch_id"], phase["status"]) == (V2_LIVE_BATCH_ID, "in_progress")
    assert phase["message"] and phase["timestamp"]
    assert final == {
        "batch_id": V2_LIVE_BATCH_ID,
        "status": "completed",
        "timestamp": final["timestamp"],
        "calls_total": 9,
        "calls_successful": 8,
        "calls_failed": 1,
    }
    assert [d.status for d in bland.webhook_deliveries] == [200] * len(sent)


async def test_progress_mode_finishes_the_live_batch_and_posts() -> None:
    async with (
        receiver() as hook,
        serve_bland(v2_dataset=demo_v2_dataset(), progress=0.02, progress_step=4) as server,
    ):
        server.set_status_webhook(V2_LIVE_BATCH_ID, hook.url, SECRET)
        # Waits for the end (or fails after the guard); not a timing assertion.
        while not hook.received or json.loads(hook.received[-1][0])["status"] != "completed":
            await server.wait_for_webhooks(len(hook.received) + 1, within=20)
        statuses = [body["status"] for body in hook.bodies()]
        assert statuses == ["in_progress", "completed"]
        assert server.v2_dataset[V2_RUNNING_BATCH_ID].state == "waiting_for_scheduled_calls"


async def test_a_stop_posts_its_webhook(bland: BlandServer) -> None:
    async with receiver() as hook:
        bland.set_status_webhook(V2_LIVE_BATCH_ID, hook.url, SECRET)
        async with aiohttp.ClientSession() as session:
            url = f"{bland.url}/v2/batches/{V2_LIVE_BATCH_ID}/stop"
            async with session.post(url, headers={"authorization": BLAND_KEY}) as response:
                assert response.status == 200
        await bland.wait_for_webhooks(1)
        (body,) = hook.bodies()
    assert body["status"] == "completed_partial" and body["calls_total"] == 9


async def test_an_unreachable_receiver_is_recorded_not_raised(bland: BlandServer) -> None:
    async with receiver() as hook:
        url = hook.url
    bland.set_status_webhook(V2_LIVE_BATCH_ID, url, SECRET)
    sent = await bland.finish_v2(V2_LIVE_BATCH_ID)
    assert [d.status for d in bland.webhook_deliveries] == [None] * len(sent)
