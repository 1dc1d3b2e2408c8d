"""The demo data: deterministic, shaped as documented, and consistent with itself."""

from __future__ import annotations

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
from tests.support.bland import LIST_KEYS, read_fixture

PARAMS_KEYS = (LIST_KEYS - {"batch_id"}) | {"id"}
CALL_KEYS = set(read_fixture("batch_details")["call_data"][0])
LINE_KEYS = {"id", "created_at", "text", "user", "c_id"}
ANALYSIS_KEYS = set(read_fixture("batch_details")["analysis"])
BUCKETS = list(read_fixture("batch_details")["analysis"]["call_lengths"]["summary"])


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
