"""The v2 batches a demo server serves: DemoV2Dataset and the demo's v2 batches.

One batch of each kind the bot must show: running (waiting for scheduled calls),
finished (a `complete` event with totals), failed (a code and reason), live (finishes
while you watch, as the server's progress ticks) and hostile.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable

from bot.demo.batches_v2 import DEMO_USER_ID, DemoBatchV2, iso_z
from bot.demo.calls import finish_call, pending_call
from bot.demo.hostile_v2 import hostile_v2_batch
from bot.demo.scenarios import DEMO_EPOCH, ERROR_MESSAGES, JSON, SCENARIOS

V2_RUNNING_BATCH_ID = "6f1d2c3b-4a5e-4f60-9a7b-8c9d0e1f2a01"
V2_FINISHED_BATCH_ID = "6f1d2c3b-4a5e-4f60-9a7b-8c9d0e1f2a02"
V2_LIVE_BATCH_ID = "6f1d2c3b-4a5e-4f60-9a7b-8c9d0e1f2a03"
V2_FAILED_BATCH_ID = "6f1d2c3b-4a5e-4f60-9a7b-8c9d0e1f2a04"
PATHWAY_ID = "a0f0d4ed-f5f5-4f16-b3f9-22166594d7a7"


class DemoV2Dataset:
    """The v2 batches a demo server serves, addressable by id."""

    def __init__(self, batches: Iterable[DemoBatchV2] = ()) -> None:
        self.batches: dict[str, DemoBatchV2] = {}
        for batch in batches:
            self.add(batch)

    def add(self, batch: DemoBatchV2) -> DemoBatchV2:
        """Add a batch, replacing one with the same id."""
        self.batches[batch.batch_id] = batch
        return batch

    def get(self, batch_id: str) -> DemoBatchV2 | None:
        return self.batches.get(batch_id)

    def __getitem__(self, batch_id: str) -> DemoBatchV2:
        return self.batches[batch_id]

    def __contains__(self, batch_id: object) -> bool:
        return batch_id in self.batches

    def ids(self) -> list[str]:
        return list(self.batches)

    def list_entries(self, *, take: int, skip: int) -> list[JSON]:
        """`GET /v2/batches/list` items: newest first, `skip` then `take`."""
        chosen = sorted(self.batches.values(), key=lambda b: b.created_at, reverse=True)
        return [batch.metadata for batch in chosen[max(0, skip) :][: max(0, take)]]

    def find_call(self, call_id: str) -> tuple[str, JSON] | None:
        """The id of the batch holding call `call_id`, and the call."""
        for batch in self.batches.values():
            for call in batch.calls:
                if call.get("call_id") == call_id:
                    return batch.batch_id, call
        return None


def v2_batch(
    batch_id: str,
    *,
    hours_ago: float,
    calls: int,
    finished: int,
    errors: int = 0,
    states: Iterable[str] = ("validating", "dispatching", "in_progress"),
    scenario: str = "renewal",
    prompt: JSON | None = None,
    description: str | None = None,
    seed: int = 7,
) -> DemoBatchV2:
    """A v2 batch of `calls` calls, `finished` of them done (`errors` of those errored),
    whose log went through `states`, a few seconds apart."""
    rng = random.Random(f"{seed}:{batch_id}")
    kind = SCENARIOS[scenario]
    created = DEMO_EPOCH.timestamp() - hours_ago * 3600
    call_data: list[JSON] = []
    line_id = rng.randrange(1_000_000, 9_000_000)
    for index in range(calls):
        call = pending_call(rng, kind, created + 20 + index * 0.5, started=False)
        if index < finished:
            error = ERROR_MESSAGES[index % len(ERROR_MESSAGES)] if index < errors else None
            line_id = finish_call(call, rng, next_line_id=line_id, error=error)
        call_data.append(call)
    global_props = prompt if prompt is not None else {"record": True, "task": kind.base_prompt}
    metadata: JSON = {
        "id": batch_id,
        "user_id": DEMO_USER_ID,
        "base_prompt": json.dumps(global_props),
        "created_at": iso_z(created),
        "call_objects": [
            {"phone_number": call["to"], **_variables(call)} for call in call_data[:3]
        ],
        "description": description if description is not None else kind.label,
    }
    batch = DemoBatchV2(metadata, calls=call_data)
    for step, state in enumerate(states):
        message = f"Requested: {calls}. Validated: {calls}. Dispatched: {finished}."
        batch.log("lifecycle", {"message": message, "state_change": state}, at=created + 2 * step)
    return batch


def _variables(call: JSON) -> JSON:
    data = call.get("request_data")
    keep = ("name", "business", "item")
    return {key: data[key] for key in keep if isinstance(data, dict) and key in data}


def demo_v2_dataset(*, seed: int = 7) -> DemoV2Dataset:
    """The demo's v2 batches: running, finished, failed, live and hostile."""
    running = v2_batch(
        V2_RUNNING_BATCH_ID,
        hours_ago=1,
        calls=6,
        finished=0,
        states=("validating", "dispatching", "waiting_for_scheduled_calls"),
        description="Appointment reminders (scheduled for tomorrow)",
        seed=seed,
    )
    for call in running.calls:
        call.update(status="scheduled", queue_status="scheduled")
    finished = v2_batch(
        V2_FINISHED_BATCH_ID,
        hours_ago=26,
        calls=12,
        finished=12,
        errors=2,
        scenario="satisfaction",
        seed=seed,
    )
    finished.finish(at=DEMO_EPOCH.timestamp() - 25 * 3600)
    failed = v2_batch(
        V2_FAILED_BATCH_ID,
        hours_ago=50,
        calls=0,
        finished=0,
        states=("validating",),
        description="Spring promotion",
        seed=seed,
    )
    failed.log(
        "lifecycle",
        {
            "message": "Validation failed.",
            "state_change": "failed",
            "code": "INSUFFICIENT_BALANCE",
            "reason": "The account balance is too low to start this batch.",
        },
        at=DEMO_EPOCH.timestamp() - 50 * 3600 + 3,
    )
    live = v2_batch(
        V2_LIVE_BATCH_ID,
        hours_ago=0.25,
        calls=9,
        finished=3,
        errors=1,
        states=("validating", "dispatching"),
        prompt={"record": True, "pathway_id": PATHWAY_ID, "voice": "maya"},
        description="Renewals follow-up (pathway)",
        seed=seed,
    )
    return DemoV2Dataset([running, finished, failed, live, hostile_v2_batch()])
