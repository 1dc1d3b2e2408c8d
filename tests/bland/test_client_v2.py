"""BlandClient's v2 methods against the demo Bland API: the envelope, errors in it (even
with a 200) mapped to the same error tree as v1, redaction, and the calls list's filter."""

from __future__ import annotations

import pytest

from bot.bland.client import BlandClient
from bot.bland.errors import (
    BlandAuthError,
    BlandNotFoundError,
    BlandRateLimitError,
    BlandResponseError,
    BlandServerError,
    BlandStatusError,
)
from bot.bland.models_v2 import read_base_prompt
from bot.bland.view import view_of_v2
from bot.demo.dataset_v2 import (
    V2_FAILED_BATCH_ID,
    V2_FINISHED_BATCH_ID,
    V2_LIVE_BATCH_ID,
    V2_RUNNING_BATCH_ID,
)
from bot.demo.hostile_v2 import DESCRIPTION_LENGTH, V2_HOSTILE_BATCH_ID
from bot.demo.scenarios import SMALL_BATCH_ID
from bot.demo.server import BlandServer
from tests.support.bland import BLAND_KEY, FAST, V2_FIXTURE_BATCH_ID, client

UNKNOWN_V2_ID = "00000000-0000-4000-8000-000000000000"
SECRET_MESSAGE = f"key {BLAND_KEY}-0123456789 and sk-live-4f9a8b7c6d5e4f3a2b1c refused\nforged"


async def test_lists_v2_batches_newest_first_with_take_and_skip(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        everything = await bland_client.list_batches_v2()
        page = await bland_client.list_batches_v2(take=2, skip=1)
    created = [batch.created_at or "" for batch in everything]
    assert created == sorted(created, reverse=True)
    assert [batch.id for batch in page] == [batch.id for batch in everything[1:3]]
    assert bland.requests[-1].path == "/v2/batches/list"
    assert bland.requests[-1].query == {"take": "2", "skip": "1"}
    assert bland.requests[-1].headers["Authorization"] == BLAND_KEY


async def test_reads_the_documented_example(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        batch = await bland_client.get_batch_v2(V2_FIXTURE_BATCH_ID)
        logs = await bland_client.batch_logs(V2_FIXTURE_BATCH_ID)
    assert batch.id == V2_FIXTURE_BATCH_ID
    assert batch.description == "My first batch"
    assert batch.created_at == "2025-05-08T19:28:12.627Z"
    assert batch.call_objects == [{"task": "Say hello to the user", "phone_number": "+1234567890"}]
    assert read_base_prompt(batch.base_prompt).task == "Say hello to the user"
    assert [entry.event_type for entry in logs] == ["complete", "lifecycle"]
    assert logs[0].payload.calls_successful == 1
    view = view_of_v2(batch, logs)
    assert (view.status, view.finished, view.total, view.successful, view.failed) == (
        "completed",
        True,
        1,
        1,
        0,
    )
    assert view.message == "Requested: 1. Validated: 1. Dispatched: 1. CPS: 1.12."


async def test_logs_take_skip_and_direction(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        newest_first = await bland_client.batch_logs(V2_FINISHED_BATCH_ID)
        oldest_first = await bland_client.batch_logs(V2_FINISHED_BATCH_ID, direction="asc")
        second = await bland_client.batch_logs(V2_FINISHED_BATCH_ID, take=1, skip=1)
    assert [e.id for e in newest_first] == [e.id for e in reversed(oldest_first)]
    assert newest_first[0].event_type == "complete"
    assert [e.id for e in second] == [newest_first[1].id]
    assert bland.requests[0].query == {"take": "50", "skip": "0", "direction": "desc"}
    assert bland.requests[-1].query == {"take": "1", "skip": "1", "direction": "desc"}


async def test_the_demo_batches_read_as_intended(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        views = {
            batch_id: view_of_v2(
                await bland_client.get_batch_v2(batch_id), await bland_client.batch_logs(batch_id)
            )
            for batch_id in (
                V2_RUNNING_BATCH_ID,
                V2_FINISHED_BATCH_ID,
                V2_FAILED_BATCH_ID,
                V2_LIVE_BATCH_ID,
            )
        }
    running = views[V2_RUNNING_BATCH_ID]
    assert running.status_words == "Waiting for scheduled calls" and running.running
    finished = views[V2_FINISHED_BATCH_ID]
    assert finished.finished and (finished.total, finished.successful, finished.failed) == (
        12,
        10,
        2,
    )
    failed = views[V2_FAILED_BATCH_ID]
    assert failed.finished and failed.status == "failed"
    assert failed.failure_code == "INSUFFICIENT_BALANCE"
    live = views[V2_LIVE_BATCH_ID]
    assert live.running and live.status == "dispatching"
    assert live.pathway_id is not None and live.task is None


async def test_the_hostile_batch_parses(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        batch = await bland_client.get_batch_v2(V2_HOSTILE_BATCH_ID)
        logs = await bland_client.batch_logs(V2_HOSTILE_BATCH_ID)
        listed = await bland_client.list_batches_v2()
    assert V2_HOSTILE_BATCH_ID in {b.id for b in listed}
    assert batch.description is not None and len(batch.description) == DESCRIPTION_LENGTH
    assert len(logs) == 4
    assert logs[2].payload.message is None  # a payload that was a string
    assert logs[1].payload.calls_failed is None  # "many"
    view = view_of_v2(batch, logs)
    assert view.status == "quantum_flux" and view.status_words == "quantum_flux"
    assert view.running and not view.finished
    assert view.base_prompt is not None and view.base_prompt.startswith("<!here>")
    assert view.task is None and view.pathway_id is None


async def test_unknown_batch_is_not_found(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        with pytest.raises(BlandNotFoundError) as caught:
            await bland_client.get_batch_v2(UNKNOWN_V2_ID)
        with pytest.raises(BlandNotFoundError):
            await bland_client.batch_logs(UNKNOWN_V2_ID)
        with pytest.raises(BlandNotFoundError):
            await bland_client.stop_batch_v2(UNKNOWN_V2_ID)
    assert caught.value.message == "Batch not found"
    # Not found is not worth a retry.
    assert bland.count(f"/v2/batches/{UNKNOWN_V2_ID}") == 1


async def test_a_refused_key_is_an_auth_error(bland: BlandServer) -> None:
    async with BlandClient(api_key="wrong", base_url=bland.url, backoff=FAST) as wrong:
        with pytest.raises(BlandAuthError):
            await wrong.list_batches_v2()
        with pytest.raises(BlandAuthError):
            await wrong.list_calls(batch_id=V2_FINISHED_BATCH_ID)


@pytest.mark.parametrize(
    ("code", "message", "error"),
    [
        ("NOT_FOUND", "No such batch", BlandNotFoundError),
        ("UNAUTHORIZED", "Invalid API key", BlandAuthError),
        ("FORBIDDEN", None, BlandAuthError),
        ("RATE_LIMITED", "Slow down", BlandRateLimitError),
        (None, "batch does not exist", BlandNotFoundError),
        ("VALIDATION_ERROR", "take must be at most 100", BlandStatusError),
    ],
)
async def test_errors_with_a_200_map_into_the_error_tree(
    bland: BlandServer, code: str | None, message: str | None, error: type[BlandStatusError]
) -> None:
    bland.envelope_error_next(1, code=code, message=message)
    async with client(bland) as bland_client:
        with pytest.raises(BlandStatusError) as caught:
            await bland_client.list_batches_v2()
    assert type(caught.value) is error
    assert caught.value.message == (message or code)
    assert bland.count() == 1


async def test_error_status_with_an_envelope_maps_by_status_then_code(bland: BlandServer) -> None:
    bland.envelope_error_next(1, status=400, code="NOT_FOUND", message="gone")
    bland.envelope_error_next(1, status=503, code="NOT_FOUND", message="upstream")
    async with client(bland, max_retries=0) as bland_client:
        with pytest.raises(BlandNotFoundError):
            await bland_client.get_batch_v2(V2_FINISHED_BATCH_ID)
        with pytest.raises(BlandServerError):
            await bland_client.get_batch_v2(V2_FINISHED_BATCH_ID)


async def test_secrets_in_v2_errors_are_redacted(bland: BlandServer) -> None:
    bland.envelope_error_next(1, code="BAD", message=SECRET_MESSAGE)
    bland.envelope_error_next(1, status=400, code="BAD", message=SECRET_MESSAGE)
    async with client(bland) as bland_client:
        for _ in range(2):
            with pytest.raises(BlandStatusError) as caught:
                await bland_client.batch_logs(V2_FINISHED_BATCH_ID)
            shown = str(caught.value)
            assert BLAND_KEY not in shown and "sk-live" not in shown and "\n" not in shown
            assert "[redacted]" in shown


async def test_v2_reads_are_retried_and_stop_is_not(bland: BlandServer) -> None:
    bland.fail_next(2, status=503, path="/v2/batches/list")
    bland.rate_limit_next(1, retry_after=0.01, path=f"/v2/batches/{V2_LIVE_BATCH_ID}/logs")
    bland.fail_next(1, status=503, path=f"/v2/batches/{V2_LIVE_BATCH_ID}/stop")
    async with client(bland) as bland_client:
        assert await bland_client.list_batches_v2()
        assert await bland_client.batch_logs(V2_LIVE_BATCH_ID)
        with pytest.raises(BlandServerError):
            await bland_client.stop_batch_v2(V2_LIVE_BATCH_ID)
    assert bland.count("/v2/batches/list") == 3
    assert bland.count(f"/v2/batches/{V2_LIVE_BATCH_ID}/logs") == 2
    assert bland.count(f"/v2/batches/{V2_LIVE_BATCH_ID}/stop") == 1


async def test_answers_that_are_no_envelope_are_response_errors(bland: BlandServer) -> None:
    bland.garble_next(1, path="/v2/")
    bland.envelope_error_next(1, code=None)  # errors hold an entry: still an error
    async with client(bland) as bland_client:
        with pytest.raises(BlandResponseError):
            await bland_client.list_batches_v2()
        with pytest.raises(BlandStatusError):
            await bland_client.list_batches_v2()


async def test_stops_a_running_batch(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        result = await bland_client.stop_batch_v2(V2_LIVE_BATCH_ID)
        view = view_of_v2(
            await bland_client.get_batch_v2(V2_LIVE_BATCH_ID),
            await bland_client.batch_logs(V2_LIVE_BATCH_ID),
        )
        with pytest.raises(BlandStatusError) as again:
            await bland_client.stop_batch_v2(V2_LIVE_BATCH_ID)
    assert result.batch_id == V2_LIVE_BATCH_ID and result.num_calls == 6
    assert view.status == "completed_partial" and view.finished
    assert (view.total, view.failed) == (9, 7)
    assert type(again.value) is BlandStatusError
    assert bland.requests_to(f"/v2/batches/{V2_LIVE_BATCH_ID}/stop")[0].method == "POST"


async def test_lists_a_batchs_calls_when_bland_filters(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        found = await bland_client.list_calls(batch_id=V2_FINISHED_BATCH_ID)
    assert not found.filter_ignored and not found.truncated
    assert len(found.calls) == 12
    assert {call.batch_id for call in found.calls} == {V2_FINISHED_BATCH_ID}
    assert sum(1 for call in found.calls if call.error_message) == 2
    assert all(call.call_id and call.to and call.queue_status for call in found.calls)
    assert bland.requests[-1].path == "/v1/calls"
    assert bland.requests[-1].query == {"batch_id": V2_FINISHED_BATCH_ID, "limit": "1000"}


async def test_says_when_bland_ignores_the_batch_filter(bland: BlandServer) -> None:
    bland.ignore_batch_filter = True
    async with client(bland) as bland_client:
        found = await bland_client.list_calls(batch_id=V2_FINISHED_BATCH_ID, limit=20)
        small = await bland_client.list_calls(batch_id=SMALL_BATCH_ID)
    # Never another batch's calls, and never more than one page asked for.
    assert found.filter_ignored and found.truncated
    assert all(call.batch_id == V2_FINISHED_BATCH_ID for call in found.calls)
    assert small.filter_ignored and len(small.calls) == 3
    assert bland.count("/v1/calls") == 2


async def test_truncated_says_there_may_be_more(bland: BlandServer) -> None:
    async with client(bland) as bland_client:
        found = await bland_client.list_calls(batch_id=V2_FINISHED_BATCH_ID, limit=5)
    assert len(found.calls) == 5 and found.truncated and not found.filter_ignored


async def test_latest_logs_for_a_list_view(bland: BlandServer) -> None:
    failing = f"/v2/batches/{V2_RUNNING_BATCH_ID}/logs"
    bland.fail_next(1, status=500, path=failing)
    ids = [V2_FINISHED_BATCH_ID, V2_RUNNING_BATCH_ID, "not a batch", SMALL_BATCH_ID]
    async with client(bland) as bland_client:
        found = await bland_client.latest_logs(ids, take=3)
    assert list(found) == ids
    finished = found[V2_FINISHED_BATCH_ID]
    assert finished is not None and len(finished) == 3 and finished[0].event_type == "complete"
    # A failure is not retried in a list view: that batch shows no status instead.
    assert found[V2_RUNNING_BATCH_ID] is None and bland.count(failing) == 1
    assert found["not a batch"] is None and found[SMALL_BATCH_ID] is None
    assert {r.path for r in bland.requests} == {f"/v2/batches/{V2_FINISHED_BATCH_ID}/logs", failing}
