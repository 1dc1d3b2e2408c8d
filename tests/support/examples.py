"""The documented example responses (seeds), as models, for exact formatter assertions."""

from __future__ import annotations

import copy
from typing import Any

from bot.bland.models import BatchDetail, BatchList

CALL_ID = "ffa99be3-63dd-44dc-9523-380cd25c1b9e"
BATCH_ID = "AAcQq8zXxLB56LWg-gen-batch"

CALL: dict[str, Any] = {
    "status": "completed",
    "corrected_duration": "12",
    "end_at": "2023-12-16T00:17:38.000Z",
    "call_id": CALL_ID,
    "to": "1112223333",
    "from": "+17473423273",
    "completed": True,
    "created_at": "2023-12-16T00:17:22.383682+00:00",
    "queue_status": "complete",
    "endpoint_url": "api.bland.ai",
    "max_duration": 30,
    "error_message": None,
    "answered_by": "voicemail",
    "request_data": {"phone_number": "1112223333", "wait": False},
    "transcripts": [
        {
            "id": 1188954,
            "created_at": "2023-12-16T00:17:30.46833+00:00",
            "text": " Hi, Im calling about the laundromat for sale.  —  ",
            "user": "assistant",
            "c_id": CALL_ID,
        },
        {
            "id": 1188957,
            "created_at": "2023-12-16T00:17:35.14056+00:00",
            "text": "I'll get back to you as soon as you can. Just leave a message. Thank you. Bye.",
            "user": "user",
            "c_id": CALL_ID,
        },
        {
            "id": 1188959,
            "created_at": "2023-12-16T00:17:36.710551+00:00",
            "text": "Ended call: Goodbye",
            "user": "agent-action",
            "c_id": CALL_ID,
        },
    ],
    "call_length": 0.12345,
}

DETAIL: dict[str, Any] = {
    "status": "in-progress",
    "batch_params": {
        "id": BATCH_ID,
        "campaign_id": None,
        "created_at": "2023-12-07T20:43:44.544773+00:00",
        "label": "Customer Satisfaction Follow-up",
        "base_prompt": "You are calling {{name}} about their recent purchase of the item: {{item}}.",
        "endpoint_code": "api",
        "call_params": {
            "reduce_latency": True,
            "voice_id": 0,
            "language": "eng",
            "max_duration": 10,
            "wait_for_greeting": False,
        },
    },
    "call_data": [CALL],
    "analysis": {
        "total_calls": 88,
        "completed_calls": 86,
        "in_progress_calls": 2,
        "queue_statuses": {"complete": 85, "started": 2, "call_error": 1},
        "call_lengths": {
            "average": 17,
            "average_nonzero": 31,
            "summary": {
                "0-5": 18,
                "5-10": 4,
                "10-15": 3,
                "15-20": 2,
                "20-30": 14,
                "30-45": 28,
                "45-60": 11,
                "60-90": 6,
                "90-120": 1,
                "120+": 1,
            },
            "all": [7, 32],
        },
        "call_ids": [CALL_ID],
        "error_messages": [
            {
                "call_id": "c52f5f8c-147e-478c-4b40-88214feeba29",
                "error_message": "Cannot transfer to +12223334444 - Call is no longer active",
            }
        ],
        "endpoints": {"api.bland.ai": 88},
    },
}

LIST: dict[str, Any] = {
    "status": "success",
    "batches": [
        {
            "batch_id": "ZfowpkhOSVCZJ94i-gen-batch",
            "campaign_id": "a2shduf92f74p8288c93nid5",
            "created_at": "2023-11-16T22:14:24.9663+00:00",
            "label": "Subscription Renewal Reminders",
            "base_prompt": "You are calling {{business}}",
            "endpoint_code": "api",
            "call_params": {"voice_id": 2, "max_duration": 5},
        }
    ],
}


def detail(**changes: Any) -> BatchDetail:
    data = copy.deepcopy(DETAIL)
    data.update(changes)
    return BatchDetail.lenient(data)


def batch_list() -> BatchList:
    return BatchList.model_validate(LIST)
