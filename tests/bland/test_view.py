"""One view of a batch, v1 or v2: status words, running or finished, counts, and the one
reading of a v2 batch's log that the commands, the watcher and the webhook share."""

from __future__ import annotations

from typing import Any

import pytest

from bot.bland.batch_ids import BatchApi
from bot.bland.errors import BlandResponseError
from bot.bland.models import BatchDetail, BatchOverview, BatchSummary
from bot.bland.models_v2 import BatchV2, LogEntry, StatusWebhook, read_base_prompt
from bot.bland.stats import CallCounts
from bot.bland.view import (
    NO_STATE_WORDS,
    V2_FINISHED,
    V2_RUNNING,
    WEBHOOK_STATUSES,
    V2State,
    status_words,
    v2_progress,
    view_of_v1,
    view_of_v2,
)
from tests.support.bland import FIXTURE_BATCH_ID, read_fixture

V2_ID = "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22"


def entry(at: str | None, event_type: str | None = "lifecycle", **payload: Any) -> LogEntry:
    return LogEntry.lenient(
        {"batch_id": V2_ID, "event_type": event_type, "timestamp": at, "payload": payload}
    )


def batch(**fields: Any) -> BatchV2:
    return BatchV2.lenient({"id": V2_ID, "created_at": "2025-05-08T19:28:12.627Z", **fields})


@pytest.mark.parametrize(
    ("status", "words", "running"),
    [
        ("validating", "Validating", True),
        ("dispatching", "Dispatching", True),
        ("in_progress", "In progress", True),
        ("in_progress_chunked", "In progress, in chunks", True),
        ("waiting_for_scheduled_calls", "Waiting for scheduled calls", True),
        ("completed", "Completed", False),
        ("failed", "Failed", False),
        ("completed_partial", "Partly completed", False),
        ("quantum_flux", "quantum_flux", True),
    ],
)
def test_v2_states_in_words(status: str, words: str, running: bool) -> None:
    view = view_of_v2(batch(), [entry("2025-05-08T19:28:15Z", state_change=status)])
    assert (view.status, view.status_words) == (status, words)
    assert (view.running, view.finished) == (running, not running)
    assert view.api is BatchApi.V2 and view.updated_at == "2025-05-08T19:28:15Z"


def test_every_state_is_named_once() -> None:
    assert set(V2State) == V2_RUNNING | V2_FINISHED
    assert not V2_RUNNING & V2_FINISHED
    assert set(WEBHOOK_STATUSES) == {state.value for state in V2State}
    assert WEBHOOK_STATUSES["waiting_for_scheduled_calls"] is V2State.WAITING_FOR_SCHEDULED_CALLS


def test_v1_statuses_in_words() -> None:
    assert status_words("in-progress") == "In progress"
    assert status_words("completed") == "Completed"
    assert status_words("paused") == "paused"
    assert status_words(None) == status_words("  ") == "Unknown"


def test_a_complete_event_finishes_with_its_totals() -> None:
    logs = [
        entry("2025-05-08T19:28:15.560Z", state_change="in_progress", message="Dispatched: 3."),
        entry(
            "2025-05-08T19:28:42.748Z",
            "complete",
            calls_total=3,
            calls_failed=1,
            calls_successful=2,
        ),
    ]
    view = view_of_v2(batch(), logs)
    assert (view.status, view.status_words, view.finished, view.running) == (
        "completed",
        "Completed",
        True,
        False,
    )
    assert (view.total, view.completed, view.successful, view.failed) == (3, 3, 2, 1)
    assert view.counts() == CallCounts(total=3, completed=3, errored=1)
    # The latest message, even though the newest entry (the complete event) has none.
    assert view.message == "Dispatched: 3."


def test_a_complete_event_naming_a_final_state_keeps_it() -> None:
    logs = [entry("2025-05-08T19:28:42Z", "complete", state_change="completed_partial")]
    assert v2_progress(logs).status == "completed_partial"
    logs = [entry("2025-05-08T19:28:42Z", "complete", state_change="in_progress")]
    assert v2_progress(logs).status == "completed"


def test_the_newest_entry_decides_whatever_the_order_given() -> None:
    logs = [
        entry("2025-05-08T19:28:10Z", state_change="validating", message="first"),
        entry("2025-05-08T19:28:30Z", state_change="in_progress", message="third"),
        entry("2025-05-08T19:28:20Z", state_change="dispatching", message="second"),
        entry("2025-05-08T19:28:40Z", "call_event", message=" "),
    ]
    for order in (logs, list(reversed(logs))):
        progress = v2_progress(order)
        assert (progress.status, progress.message, progress.at) == (
            "in_progress",
            "third",
            "2025-05-08T19:28:30Z",
        )


def test_entries_without_a_readable_time_come_last_in_the_order_given() -> None:
    logs = [
        entry("garbage", state_change="failed"),
        entry(None, state_change="validating"),
        entry("2025-05-08T19:28:10+00:00", state_change="dispatching"),
    ]
    assert v2_progress(logs).status == "dispatching"
    assert v2_progress(logs[:2]).status == "failed"


def test_no_state_yet_is_running() -> None:
    for logs in ([], [entry("2025-05-08T19:28:10Z", "telemetry", message="hello")]):
        view = view_of_v2(batch(), logs)
        assert view.status is None and view.status_words == NO_STATE_WORDS
        assert view.running and not view.finished
        assert view.counts() == CallCounts(total=None, completed=None, errored=None)


def test_a_failure_keeps_its_code_and_reason() -> None:
    logs = [
        entry("2025-05-08T19:28:10Z", state_change="validating"),
        entry(
            "2025-05-08T19:28:11Z",
            state_change="failed",
            code="INSUFFICIENT_BALANCE",
            reason="Too low",
        ),
    ]
    view = view_of_v2(batch(), logs)
    assert view.finished and (view.failure_code, view.failure_reason) == (
        "INSUFFICIENT_BALANCE",
        "Too low",
    )


def test_counts_come_together_from_the_newest_entry_with_any() -> None:
    logs = [
        entry("2025-05-08T19:28:10Z", calls_total=10, calls_successful=4, calls_failed=1),
        entry("2025-05-08T19:28:20Z", calls_total=10, calls_successful=6),
    ]
    progress = v2_progress(logs)
    assert (progress.calls_total, progress.calls_successful, progress.calls_failed) == (10, 6, None)
    assert progress.calls_done is None


@pytest.mark.parametrize(
    ("base_prompt", "task", "pathway_id", "text"),
    [
        ('{"record":true,"task":"Say hello to the user"}', "Say hello to the user", None, None),
        ('{"pathway_id":"a0f0d4ed","voice":"maya"}', None, "a0f0d4ed", None),
        ({"task": "already an object"}, "already an object", None, None),
        ('{"task": 7, "pathway_id": "  "}', None, None, None),
        ("Say hello to {{name}}", None, None, "Say hello to {{name}}"),
        ('["a", "list"]', None, None, '["a", "list"]'),
        ("[" * 100_000, None, None, "[" * 100_000),
        ('{"task": "nul \\u0000 and \\ud800"}', "nul \ufffd and \ufffd", None, None),
        ("", None, None, None),
        (None, None, None, None),
    ],
)
def test_base_prompt_is_read(
    base_prompt: Any, task: str | None, pathway_id: str | None, text: str | None
) -> None:
    prompt = read_base_prompt(base_prompt)
    assert (prompt.task, prompt.pathway_id, prompt.text) == (task, pathway_id, text)


def test_v2_view_takes_label_else_description() -> None:
    view = view_of_v2(batch(description="My first batch", base_prompt='{"task":"hi"}'), [])
    assert (view.label, view.task, view.created) == (
        "My first batch",
        "hi",
        "2025-05-08T19:28:12.627Z",
    )
    assert view_of_v2(batch(label="Label", description="Description"), []).label == "Label"
    assert view.campaign_id is None and view.stats is None


def test_a_webhook_reads_like_the_log_it_stands_for() -> None:
    final = StatusWebhook.lenient(
        {
            "batch_id": V2_ID,
            "status": "completed",
            "timestamp": "2025-05-08T19:28:42.748Z",
            "calls_total": 3,
            "calls_successful": 2,
            "calls_failed": 1,
        }
    )
    progress = v2_progress([final.as_log_entry()])
    assert (progress.status, progress.calls_total, progress.calls_done) == ("completed", 3, 3)
    failed = StatusWebhook.lenient(
        {"batch_id": V2_ID, "status": "failed", "code": "X", "reason": "Y", "timestamp": "z"}
    )
    assert v2_progress([failed.as_log_entry()]).finished
    phase = StatusWebhook.lenient(
        {"batch_id": V2_ID, "status": "dispatching", "message": "Dispatched: 3."}
    )
    assert (
        v2_progress([phase.as_log_entry()]).status,
        v2_progress([phase.as_log_entry()]).message,
    ) == (
        "dispatching",
        "Dispatched: 3.",
    )


def test_a_webhook_body_is_read_leniently() -> None:
    raw = b'{"batch_id": "x", "status": "in_progress", "calls_total": "many", "extra": 1}'
    body = StatusWebhook.from_body(raw)
    assert (body.batch_id, body.status, body.calls_total) == ("x", "in_progress", None)
    for bad in (b"", b"[]", b"not json", b"[" * 100_000):
        with pytest.raises(BlandResponseError):
            StatusWebhook.from_body(bad)


def test_v1_details_view() -> None:
    detail = BatchDetail.lenient(read_fixture("batch_details"))
    view = view_of_v1(detail)
    assert view.api is BatchApi.V1 and view.batch_id == FIXTURE_BATCH_ID
    assert (view.status, view.status_words, view.running, view.finished) == (
        "in-progress",
        "In progress",
        True,
        False,
    )
    assert view.stats is not None
    assert (view.total, view.completed, view.failed) == (
        view.stats.total,
        view.stats.completed,
        view.stats.errored,
    )
    assert view.successful is None
    assert (
        view.label == detail.batch_params.label and view.created == detail.batch_params.created_at
    )
    assert view.campaign_id == detail.batch_params.campaign_id
    assert view.endpoint == detail.batch_params.endpoint_code
    assert view.task is None and view.message is None
    overview = BatchOverview.lenient(read_fixture("batch_details"))
    assert view_of_v1(overview).counts() == view.counts()


def test_v1_finished_means_any_status_but_in_progress_as_the_watcher_reads_it() -> None:
    for status, finished in (("completed", True), ("paused", True), ("", False), (None, False)):
        detail = BatchDetail.lenient({"status": status, "batch_params": {"id": "b"}})
        view = view_of_v1(detail)
        assert (view.running, view.finished) == (False, finished)


def test_v1_list_entry_view_takes_the_status_found_apart() -> None:
    (entry_json,) = read_fixture("list_batches")["batches"]
    summary = BatchSummary.lenient(entry_json)
    unknown = view_of_v1(summary)
    assert (unknown.status, unknown.status_words, unknown.running, unknown.finished) == (
        None,
        "Unknown",
        False,
        False,
    )
    assert unknown.stats is None and unknown.total is None
    running = view_of_v1(summary, status="in-progress")
    assert running.running and running.batch_id == "ZfowpkhOSVCZJ94i-gen-batch"
    assert running.base_prompt == entry_json["base_prompt"]
