"""The demo Bland API and the Slack stand-in, exercised through the real clients."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.bland.batch_ids import InvalidIdError
from bot.bland.client import Backoff, BlandClient, Timeouts
from bot.bland.errors import (
    BlandAuthError,
    BlandNotFoundError,
    BlandRateLimitError,
    BlandResponseError,
    BlandTimeoutError,
)
from bot.demo.batches import DemoBatch
from bot.demo.calls import compute_analysis
from bot.demo.dataset import demo_dataset
from bot.demo.details import make_batch
from bot.demo.hostile import hostile_batch
from bot.demo.scenarios import (
    ERRORS_BATCH_ID,
    HOSTILE_BATCH_ID,
    LARGE_BATCH_ID,
    LIVE_BATCH_ID,
    SMALL_BATCH_ID,
    UNLABELLED_BATCH_ID,
)
from bot.demo.server import BlandServer
from tests.conftest import BLAND_KEY, read_fixture
from tests.standins.slack import SlackStandIn

FIXTURE_BATCH_ID = "AAcQq8zXxLB56LWg-gen-batch"
FAST = Backoff(initial=0.01, cap=0.02, max_retry_after=5)

LIST_KEYS = {
    "batch_id",
    "campaign_id",
    "created_at",
    "label",
    "base_prompt",
    "endpoint_code",
    "call_params",
}
PARAMS_KEYS = (LIST_KEYS - {"batch_id"}) | {"id"}
CALL_KEYS = set(read_fixture("batch_details")["call_data"][0])
LINE_KEYS = {"id", "created_at", "text", "user", "c_id"}
ANALYSIS_KEYS = set(read_fixture("batch_details")["analysis"])
BUCKETS = list(read_fixture("batch_details")["analysis"]["call_lengths"]["summary"])


def client(server: BlandServer, **options: Any) -> BlandClient:
    options.setdefault("backoff", FAST)
    return BlandClient(api_key=BLAND_KEY, base_url=server.url, **options)


async def get_json(server: BlandServer, path: str, key: str = BLAND_KEY) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + path, headers={"authorization": key}) as response,
    ):
        return response.status, await response.json()


# -- The demo data ------------------------------------------------------------------------


def test_generation_is_deterministic() -> None:
    first = make_batch("SameSeed00000001-gen-batch", calls=200, seed=3)
    assert first == make_batch("SameSeed00000001-gen-batch", calls=200, seed=3)
    assert first != make_batch("SameSeed00000001-gen-batch", calls=200, seed=4)


def test_generated_batch_matches_the_documented_shape() -> None:
    detail = make_batch("ShapeCheck000001-gen-batch", calls=300, seed=1, errors=4)
    assert set(detail) == {"status", "batch_params", "call_data", "analysis"}
    assert set(detail["batch_params"]) == PARAMS_KEYS
    assert "{{" in detail["batch_params"]["base_prompt"]
    for call in detail["call_data"]:
        assert set(call) == CALL_KEYS
        assert isinstance(call["corrected_duration"], str)
        assert isinstance(call["call_length"], float)
        assert call["answered_by"] in {"voicemail", "human", "unknown", "no-answer", None}
        for line in call["transcripts"]:
            assert set(line) == LINE_KEYS
            assert line["user"] in {"assistant", "user", "agent-action"}
            assert line["c_id"] == call["call_id"]
    assert set(detail["analysis"]) == ANALYSIS_KEYS
    assert list(detail["analysis"]["call_lengths"]["summary"]) == BUCKETS
    assert len(detail["analysis"]["error_messages"]) == 4


def test_analysis_agrees_with_call_data() -> None:
    detail = make_batch(
        "Consistent000001-gen-batch", calls=120, status="in-progress", completed=70, seed=2
    )
    calls, analysis = detail["call_data"], detail["analysis"]
    assert detail["status"] == "in-progress"
    assert analysis["total_calls"] == 120
    assert analysis["completed_calls"] == 70 == sum(1 for call in calls if call["completed"])
    assert analysis["in_progress_calls"] == 50
    assert sum(analysis["queue_statuses"].values()) == 120
    assert sum(analysis["call_lengths"]["summary"].values()) == 120
    assert analysis["call_lengths"]["all"] == [int(c["corrected_duration"]) for c in calls]
    assert analysis["call_ids"] == [call["call_id"] for call in calls]
    assert analysis["endpoints"] == {"api.bland.ai": 120}
    errors = [c for c in calls if c["error_message"]]
    assert analysis["queue_statuses"].get("call_error", 0) == len(errors)


def test_demo_dataset_covers_the_states() -> None:
    dataset = demo_dataset()
    assert len(dataset[SMALL_BATCH_ID].calls) == 3
    assert dataset[LIVE_BATCH_ID].status == "in-progress"
    assert len(dataset[LARGE_BATCH_ID].calls) == 250
    assert dataset[ERRORS_BATCH_ID].detail["analysis"]["error_messages"]
    assert dataset[HOSTILE_BATCH_ID].status == "paused"
    unlabelled = dataset[UNLABELLED_BATCH_ID].params
    assert unlabelled["label"] is None and unlabelled["campaign_id"] is None
    campaigns = {batch.params["campaign_id"] for batch in dataset.batches.values()}
    assert len(campaigns - {None}) == 2
    assert dataset.find_call(dataset.tour_call_id) is not None


def test_hostile_fixture_is_the_hostile_batch() -> None:
    assert read_fixture("batch_hostile") == hostile_batch()


def test_advancing_recomputes_analysis_and_cache() -> None:
    batch = DemoBatch(make_batch("Advancing0000001-gen-batch", calls=10, status="in-progress"))
    before = batch.response_bytes()
    assert batch.advance(3) == 3
    assert batch.detail["analysis"] == compute_analysis(batch.calls)
    assert batch.detail["analysis"]["completed_calls"] == 8
    assert batch.response_bytes() != before
    assert batch.advance(100) == 2
    assert batch.status == "completed"


# -- The demo server, raw -----------------------------------------------------------------


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


# -- The demo server through BlandClient --------------------------------------------------


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


async def test_watcher_sees_progress(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        bland.advance(LIVE_BATCH_ID, 10)
        midway = await bland_client.get_batch(LIVE_BATCH_ID, include_calls=False)
        bland.complete_batch(LIVE_BATCH_ID)
        done = await bland_client.get_batch(LIVE_BATCH_ID, include_calls=False)
    assert midway.status == "in-progress" and done.status == "completed"


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


# -- The Slack stand-in through slack_sdk -------------------------------------------------


async def test_post_message_is_recorded(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    first = await web.chat_postMessage(channel="C1", text="hello", blocks=[{"type": "divider"}])
    second = await web.chat_postMessage(channel="C1", text="again")
    assert first["ok"] and first["channel"] == "C1"
    assert float(second["ts"]) > float(first["ts"])
    call = slack.last("chat.postMessage")
    assert call.params["text"] == "again"
    assert slack.calls_to("chat.postMessage")[0].params["blocks"] == [{"type": "divider"}]
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    assert [message["text"] for message in slack.posted("C1")] == ["hello", "again"]


async def test_rate_limit_then_ok(slack: SlackStandIn) -> None:
    slack.rate_limit("chat.postMessage", times=1, retry_after=0)
    web = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    response = await web.chat_postMessage(channel="C1", text="after a wait")
    assert response["ok"]
    assert len(slack.calls_to("chat.postMessage")) == 2


async def test_server_error_then_ok(slack: SlackStandIn) -> None:
    slack.server_error("chat.update", times=1)
    web = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[AsyncServerErrorRetryHandler(max_retry_count=1)],
    )
    posted = await web.chat_postMessage(channel="C1", text="v1")
    updated = await web.chat_update(channel="C1", ts=posted["ts"], text="v2")
    assert updated["ok"] and slack.posted("C1")[0]["text"] == "v2"
    assert len(slack.calls_to("chat.update")) == 2


async def test_channel_failures(slack: SlackStandIn) -> None:
    from slack_sdk.errors import SlackApiError

    slack.fail_channel("C_ARCHIVED", "is_archived")
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    with pytest.raises(SlackApiError) as caught:
        await web.chat_postMessage(channel="C_ARCHIVED", text="hi")
    assert caught.value.response["error"] == "is_archived"
    assert (await web.chat_postMessage(channel="C_OTHER", text="hi"))["ok"]


async def test_files_upload_v2(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    response = await web.files_upload_v2(
        channel="C1", filename="calls.csv", content="call_id,status\n1,completed\n", title="Calls"
    )
    assert response["file"]["name"] == "calls.csv"
    assert slack.uploads[0].data == b"call_id,status\n1,completed\n"
    assert slack.methods() == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    assert slack.last("files.completeUploadExternal").params["channel_id"] == "C1"


async def test_history_returns_metadata_newest_first(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    metadata = {"event_type": "batch_watch", "event_payload": {"batch_id": SMALL_BATCH_ID}}
    posted = await web.chat_postMessage(channel="C1", text="watching", metadata=metadata)
    await web.chat_postMessage(channel="C1", text="newer")
    await web.chat_postMessage(channel="C2", text="elsewhere")
    history = await web.conversations_history(channel="C1", include_all_metadata=True, limit=10)
    assert [message["text"] for message in history["messages"]] == ["newer", "watching"]
    assert history["messages"][1]["metadata"] == metadata
    plain = await web.conversations_history(channel="C1", oldest=posted["ts"])
    assert [message["text"] for message in plain["messages"]] == ["newer"]
    assert "metadata" not in plain["messages"][0]


async def test_users_and_auth(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    assert (await web.auth_test())["user_id"] == slack.bot_user_id
    slack.add_user("U9", real_name="Nine", is_admin=True)
    user = (await web.users_info(user="U9"))["user"]
    assert user["is_admin"] and user["real_name"] == "Nine"


async def test_response_url_records_what_the_user_saw(slack: SlackStandIn) -> None:
    webhook = AsyncWebhookClient(slack.response_url("t1"))
    await webhook.send(text="only you can see this", response_type="ephemeral")
    assert (await slack.wait_for_response("t1")) == [
        {"text": "only you can see this", "response_type": "ephemeral"}
    ]


async def test_socket_mode_round_trip(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    socket_client = SocketModeClient(app_token="xapp-test", web_client=web)
    seen: list[dict[str, Any]] = []

    async def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
        seen.append(request.payload)
        body = {"text": f"got {request.payload.get('text')}"}
        await client.send_socket_mode_response(SocketModeResponse(request.envelope_id, body))

    socket_client.socket_mode_request_listeners.append(on_request)  # type: ignore[arg-type]
    await socket_client.connect()  # type: ignore[no-untyped-call]
    try:
        ack = await slack.push_slash_command("list", within=5)
    finally:
        await socket_client.close()  # type: ignore[no-untyped-call]
    assert seen[0]["command"] == "/batch" and seen[0]["text"] == "list"
    assert ack["payload"] == {"text": "got list"}
    assert json.loads(json.dumps(ack))["envelope_id"]


async def test_socket_mode_interactive_envelope(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    socket_client = SocketModeClient(app_token="xapp-test", web_client=web)

    async def ack_only(client: SocketModeClient, request: SocketModeRequest) -> None:
        await client.send_socket_mode_response(SocketModeResponse(request.envelope_id))

    socket_client.socket_mode_request_listeners.append(ack_only)  # type: ignore[arg-type]
    await socket_client.connect()  # type: ignore[no-untyped-call]
    try:
        ack = await slack.push_interactive({"type": "block_actions", "actions": []})
    finally:
        await socket_client.close()  # type: ignore[no-untyped-call]
    assert set(ack) == {"envelope_id"}
    assert slack.last("apps.connections.open").headers["Authorization"] == "Bearer xapp-test"
