"""The hostile v2 demo batch: mrkdwn injection, a prompt that is not JSON, a 12,000-character
description, unknown states and event types, and log entries of the wrong shape."""

from __future__ import annotations

from bot.demo.batches_v2 import DEMO_ORG_ID, DemoBatchV2
from bot.demo.scenarios import FROM_NUMBER, JSON

# Shaped like Bland's documented (non-hex) example id.
V2_HOSTILE_BATCH_ID = "bad0c0de-9gca-4x7c-97c3-9d8e6t74d7af"
EVIL = "<!channel> <@U123> <https://evil.example|click> & *bold* _it_ ~gone~ `tick` ```fence```"
DESCRIPTION_LENGTH = 12_000
HOSTILE_CALL_ID = "3e9d4071-4f50-4182-bdce-3f4a5b6c7d8e"


def _entry(index: int, event_type: object, timestamp: object, payload: object) -> JSON:
    return {
        "id": f"0000000{index}-dead-4bad-8bad-00000000000{index}",
        "batch_id": V2_HOSTILE_BATCH_ID,
        "org_id": DEMO_ORG_ID,
        "event_type": event_type,
        "timestamp": timestamp,
        "payload": payload,
    }


def hostile_v2_batch() -> DemoBatchV2:
    """A v2 batch built to break formatters and the status reading; its state is the
    unknown `quantum_flux`, so it counts as running and never advances."""
    description = f"{EVIL} "
    description += "D" * (DESCRIPTION_LENGTH - len(description))
    metadata: JSON = {
        "id": V2_HOSTILE_BATCH_ID,
        "user_id": None,
        "base_prompt": "<!here> This is not JSON {{name}} ```fence``` <https://evil.example|x>",
        "created_at": "not a time",
        "call_objects": [
            {"task": "<!channel> call now", "phone_number": "<tel:+15550100|call me>"},
            "not an object",
            None,
        ],
        "description": description,
        "an_unknown_field": {"nested": [1, 2, 3]},
    }
    logs = [
        _entry(1, "lifecycle", "garbage", {"state_change": "validating"}),
        _entry(2, "telemetry", "2024-05-06T08:00:01.000Z", "a payload that is not an object"),
        _entry(
            3,
            None,
            "2024-05-06T08:00:02.000Z",
            {"calls_total": 2**70, "calls_failed": "many", "calls_successful": -3},
        ),
        _entry(
            4,
            "lifecycle",
            "2024-05-06T08:00:03.000Z",
            {
                "message": f"{EVIL} Requested: 3.\nInjected: line",
                "state_change": "quantum_flux",
                "extra": [1, 2],
            },
        ),
    ]
    call = {
        "call_id": HOSTILE_CALL_ID,
        "to": "<tel:+15550100|call me>",
        "from": FROM_NUMBER,
        "status": "surprise-status",
        "queue_status": "paused",
        "completed": None,
        "answered_by": ["human"],
        "corrected_duration": "NaN",
        "call_length": None,
        "created_at": "2024-05-06T08:00:05.000Z",
        "end_at": None,
        "error_message": "<!here> failed & *retry* <https://evil.example|now>",
        "transcripts": [{"id": 1, "text": EVIL, "user": "assistant", "c_id": HOSTILE_CALL_ID}],
        "request_data": {"name": "<!everyone>"},
    }
    return DemoBatchV2(metadata, logs, [call])
