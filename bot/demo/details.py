"""New batch details: generated ones (make_batch) and those a POST /v1/batches asks for."""

from __future__ import annotations

import gc
import json
import random
from datetime import datetime
from typing import Any

from bot.demo.batches import DemoBatch
from bot.demo.calls import (
    PENDING_QUEUE_STATUSES,
    Vars,
    compute_analysis,
    finish_call,
    iso,
    parse_ts,
    pending_call,
    uuid,
)
from bot.demo.scenarios import (
    DEMO_EPOCH,
    ENDPOINT_URL,
    ERROR_MESSAGES,
    FROM_NUMBER,
    JSON,
    SCENARIOS,
    Scenario,
)

_UNSET: Any = object()


def _fill_calls(
    call_data: list[JSON],
    rng: random.Random,
    kind: Scenario,
    created: float,
    calls: int,
    finished: int,
    started: int,
    error_at: set[int],
    line_id: int,
) -> None:
    for index in range(calls):
        # Calls go out about two per second, so later calls start later.
        call_created = created + 20 + index * 0.5
        call = pending_call(rng, kind, call_created, started=index < finished + started)
        if index < finished:
            error = rng.choice(ERROR_MESSAGES) if index in error_at else None
            line_id = finish_call(
                call, rng, next_line_id=line_id, error=error, created=call_created
            )
        elif index < finished + started:
            # A ringing call has the agent's first line and nothing else yet.
            opener = kind.dialogues[0][0]
            call["transcripts"] = [
                {
                    "id": line_id,
                    "created_at": iso(parse_ts(call["created_at"]) + 4),
                    "text": opener[1].format_map(Vars(call["request_data"])),
                    "user": opener[0],
                    "c_id": call["call_id"],
                }
            ]
            line_id += 1
        call_data.append(call)


def make_batch(
    batch_id: str,
    *,
    calls: int,
    status: str = "completed",
    seed: int = 0,
    completed: int | None = None,
    errors: int | None = None,
    started: int = 5,
    scenario: str = "renewal",
    label: str | None = _UNSET,
    campaign_id: str | None = None,
    created_at: datetime | None = None,
) -> JSON:
    """A full details response (`GET /v1/batches/{id}` with every flag on) as a dict.

    `status="in-progress"` leaves `calls - completed` calls pending, the first `started` of
    them ringing and the rest queued. `errors` calls (default about 2%) end in call_error.
    """
    rng = random.Random(f"{seed}:{batch_id}")
    kind = SCENARIOS[scenario]
    created = (created_at or DEMO_EPOCH).timestamp()
    finished = (
        calls
        if status != "in-progress"
        else min(calls, calls // 2 if completed is None else completed)
    )
    if errors is None:
        errors = sum(1 for _ in range(finished) if rng.random() < 0.02)
    error_at = set(rng.sample(range(finished), min(errors, finished)))
    line_id = rng.randrange(1_000_000, 9_000_000)
    call_data: list[JSON] = []
    # Hundreds of thousands of small dicts make the cyclic GC rescan young objects over and
    # over; none of them form cycles, so pausing it roughly halves the time for 50k calls.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _fill_calls(call_data, rng, kind, created, calls, finished, started, error_at, line_id)
    finally:
        if gc_was_enabled:
            gc.enable()
    pending = any(call["queue_status"] in PENDING_QUEUE_STATUSES for call in call_data)
    return {
        "status": "in-progress" if pending else status,
        "batch_params": {
            "id": batch_id,
            "campaign_id": campaign_id,
            "created_at": iso(created),
            "label": kind.label if label is _UNSET else label,
            "base_prompt": kind.base_prompt,
            "endpoint_code": "api",
            "call_params": json.loads(json.dumps(kind.call_params)),
        },
        "call_data": call_data,
        "analysis": compute_analysis(call_data),
    }


def requested_batch(
    batch_id: str, payload: JSON, *, rng: random.Random, created_at: datetime
) -> DemoBatch:
    """The batch a `POST /v1/batches` body asks for: every call queued."""
    created = created_at.timestamp()
    calls: list[JSON] = []
    for index, entry in enumerate(payload.get("call_data") or []):
        phone = str(entry.get("phone_number")) if isinstance(entry, dict) else ""
        calls.append(
            {
                "status": "queued",
                "corrected_duration": "0",
                "end_at": None,
                "call_id": uuid(rng),
                "to": phone,
                "from": FROM_NUMBER,
                "completed": False,
                "created_at": iso(created + index * 0.5),
                "queue_status": "queued",
                "endpoint_url": ENDPOINT_URL,
                "max_duration": payload.get("max_duration", 30),
                "error_message": None,
                "answered_by": None,
                "request_data": dict(entry) if isinstance(entry, dict) else {},
                "transcripts": [],
                "call_length": None,
            }
        )
    excluded = {"base_prompt", "call_data", "label", "campaign_id"}
    detail = {
        "status": "in-progress" if calls else "completed",
        "batch_params": {
            "id": batch_id,
            "campaign_id": payload.get("campaign_id"),
            "created_at": iso(created),
            "label": payload.get("label"),
            "base_prompt": payload.get("base_prompt"),
            "endpoint_code": "api",
            "call_params": {key: value for key, value in payload.items() if key not in excluded},
        },
        "call_data": calls,
        "analysis": compute_analysis(calls),
    }
    return DemoBatch(detail, derived_analysis=True)
