"""The hostile demo batch: mrkdwn injection, nulls, odd types and huge strings."""

from __future__ import annotations

from bot.demo.scenarios import ENDPOINT_URL, FROM_NUMBER, HOSTILE_BATCH_ID, JSON

_EVIL = "<!channel> <@U123> <https://evil.example|click> & *bold* _it_ ~gone~ `tick` ```fence```"


def hostile_batch(batch_id: str = HOSTILE_BATCH_ID) -> JSON:
    """A batch built to break formatters: mrkdwn injection, nulls, odd types, huge strings."""
    first, second, third = (
        "0b6a1f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
        "1c7b2e5f-2d3e-4f60-9bac-1d2e3f4a5b6c",
        "2d8c3f60-3e4f-4071-acbd-2e3f4a5b6c7d",
    )
    huge = "This sentence repeats to make a transcript line far longer than Slack allows. " * 250
    return {
        "status": "paused",
        "batch_params": {
            "id": batch_id,
            "campaign_id": None,
            "created_at": "2024-05-06T09:30:00.000000+00:00",
            "label": f"{_EVIL} " + "L" * 400,
            "base_prompt": None,
            "endpoint_code": None,
            "call_params": None,
        },
        "call_data": [
            {
                "status": "paused",
                "corrected_duration": None,
                "end_at": None,
                "call_id": first,
                "to": None,
                "from": None,
                "completed": None,
                "created_at": None,
                "queue_status": None,
                "endpoint_url": None,
                "max_duration": None,
                "error_message": "<!here> failed & *retry* <https://evil.example|now>",
                "answered_by": ["human"],
                "request_data": None,
                "transcripts": [
                    {
                        "id": 1,
                        "created_at": None,
                        "text": _EVIL,
                        "user": "assistant",
                        "c_id": first,
                    },
                    {"id": 2, "created_at": None, "text": None, "user": None, "c_id": None},
                    {
                        "id": 3,
                        "created_at": None,
                        "text": "<@U123> &amp; already-escaped &lt;tag&gt;",
                        "user": "system",
                        "c_id": first,
                    },
                ],
                "call_length": None,
            },
            {
                "status": "completed",
                "corrected_duration": "61",
                "end_at": "2024-05-06T09:32:01.000Z",
                "call_id": second,
                "to": "<tel:+15550100|call me>",
                "from": FROM_NUMBER,
                "completed": True,
                "created_at": "2024-05-06T09:31:00.000000+00:00",
                "queue_status": "complete",
                "endpoint_url": ENDPOINT_URL,
                "max_duration": 30,
                "error_message": None,
                "answered_by": ["voicemail", None],
                "request_data": {"phone_number": "+15550100", "name": "<!everyone>"},
                "transcripts": [
                    {
                        "id": 4,
                        "created_at": "2024-05-06T09:31:10.000000+00:00",
                        "text": huge,
                        "user": "user",
                        "c_id": second,
                    },
                    {
                        "id": 5,
                        "created_at": "2024-05-06T09:31:50.000000+00:00",
                        "text": "Ended call: *Goodbye* `now`",
                        "user": "agent-action",
                        "c_id": second,
                    },
                ],
                "call_length": 1.01667,
            },
            {
                "status": "surprise-status",
                "corrected_duration": None,
                "end_at": None,
                "call_id": third,
                "to": None,
                "from": None,
                "completed": None,
                "created_at": None,
                "queue_status": "paused",
                "endpoint_url": None,
                "max_duration": None,
                "error_message": None,
                "answered_by": [],
                "request_data": None,
                "transcripts": None,
                "call_length": None,
                "an_unknown_field": {"nested": [1, 2, 3]},
            },
        ],
        "analysis": {
            "total_calls": 3,
            "completed_calls": None,
            "in_progress_calls": None,
            "queue_statuses": {"complete": 1, "paused": 1},
            "call_lengths": {"average": None, "average_nonzero": None, "summary": None, "all": []},
            "call_ids": [first, second, third],
            "error_messages": [
                {
                    "call_id": first,
                    "error_message": "<!here> failed & *retry* <https://evil.example|now>",
                }
            ],
            "endpoints": None,
        },
    }
