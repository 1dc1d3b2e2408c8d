"""One served v2 batch: its metadata, its log, its calls, and the webhook bodies it sends.

A v2 batch has no status field: its state is the log, as on Bland. Mutations (`advance`,
`stop`) append log entries and return the status webhook bodies Bland would POST for
them, so the server can deliver them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.demo.calls import PENDING_QUEUE_STATUSES, finish_call, uuid
from bot.demo.scenarios import JSON

DEMO_ORG_ID = "f52eb4b2-6a1c-4d0e-9b7f-3c2d1e0f9a8b"
DEMO_USER_ID = "64602f94-d670-43d2-8474-bcdcb9522c4f"
# Phases a batch goes through before its calls are placed, and those it may be in while
# they are: a demo batch in one of these moves on when the server's progress ticks.
PHASES = ("validating", "dispatching", "in_progress")
ADVANCING = frozenset({*PHASES, "in_progress_chunked"})
FINAL = frozenset({"completed", "failed", "completed_partial"})


def iso_z(when: float) -> str:
    """`when` as v2 writes timestamps: `2025-05-08T19:28:12.627Z`."""
    moment = datetime.fromtimestamp(when, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class DemoBatchV2:
    """A v2 batch as served: `metadata` (the `data` of GET), `logs` (oldest first) and
    `calls` (v1 `call_data` dicts, each with this batch's `batch_id`)."""

    def __init__(self, metadata: JSON, logs: Sequence[JSON] = (), calls: Sequence[JSON] = ()):
        batch_id = metadata.get("id")
        if not isinstance(batch_id, str) or not batch_id:
            raise ValueError("a v2 batch needs an id")
        self.batch_id = batch_id
        self.metadata = metadata
        self.logs: list[JSON] = list(logs)
        self.calls: list[JSON] = list(calls)
        for call in self.calls:
            call.setdefault("batch_id", batch_id)
        self._rng = random.Random(f"v2:{batch_id}")
        self.version = 0

    @property
    def created_at(self) -> str:
        value = self.metadata.get("created_at")
        return value if isinstance(value, str) else ""

    @property
    def state(self) -> str | None:
        """The newest `state_change` (or `completed` for a `complete` event), or None."""
        for entry in reversed(self.logs):
            payload = entry.get("payload")
            change = payload.get("state_change") if isinstance(payload, dict) else None
            if entry.get("event_type") == "complete":
                return change if change in FINAL else "completed"
            if isinstance(change, str) and change:
                return change
        return None

    def logs_page(self, *, take: int, skip: int, descending: bool) -> list[JSON]:
        ordered = list(reversed(self.logs)) if descending else list(self.logs)
        return ordered[max(0, skip) :][: max(0, take)]

    def pending_calls(self) -> list[JSON]:
        return [call for call in self.calls if call.get("queue_status") in PENDING_QUEUE_STATUSES]

    def totals(self) -> JSON:
        """`calls_total`, `calls_successful`, `calls_failed`: errored and unplaced calls fail."""
        failed = sum(
            1
            for call in self.calls
            if call.get("error_message") or call.get("queue_status") in ("call_error", "stopped")
        )
        return {
            "calls_total": len(self.calls),
            "calls_successful": len(self.calls) - failed,
            "calls_failed": failed,
        }

    def log(self, event_type: str, payload: JSON, *, at: float | None = None) -> JSON:
        """Append one log entry; return it."""
        entry = {
            "id": uuid(self._rng),
            "batch_id": self.batch_id,
            "org_id": DEMO_ORG_ID,
            "event_type": event_type,
            "timestamp": iso_z(datetime.now(UTC).timestamp() if at is None else at),
            "payload": payload,
        }
        self.logs.append(entry)
        self.version += 1
        return entry

    def advance(self, count: int) -> list[JSON]:
        """Move on one step: into the next phase, or finish up to `count` calls (and the
        batch, when none are left). Return the webhook bodies the step sends."""
        state = self.state
        if state not in ADVANCING:
            return []
        if state in PHASES[:-1]:
            following = PHASES[PHASES.index(state) + 1]
            return [self._phase(following, f"Moved on to {following.replace('_', ' ')}.")]
        pending = self.pending_calls()[: max(0, count)]
        line_id = self._rng.randrange(10_000_000, 90_000_000)
        for call in pending:
            line_id = finish_call(call, self._rng, next_line_id=line_id)
        if pending:
            self.version += 1
        return [] if self.pending_calls() else self.finish()

    def stop(self) -> tuple[int, list[JSON]]:
        """Stop a running batch: its pending calls end unplaced, and it ends
        `completed_partial`. Return how many calls were stopped, and the webhook body."""
        pending = self.pending_calls()
        for call in pending:
            call.update(status="stopped", queue_status="stopped", completed=True)
        message = f"Stopped by request: {len(pending)} calls not placed."
        return len(pending), self.finish(state="completed_partial", message=message)

    def finish(
        self, *, state: str = "completed", message: str | None = None, at: float | None = None
    ) -> list[JSON]:
        """Log the end: a `complete` event with the totals, then (for another final state
        than `completed`) a lifecycle entry naming it. Return the final webhook body."""
        totals = self.totals()
        entry = self.log("complete", dict(totals), at=at)
        if state != "completed":
            entry = self.log("lifecycle", {"message": message, "state_change": state}, at=at)
        body: JSON = {"batch_id": self.batch_id, "status": state, "timestamp": entry["timestamp"]}
        if message:
            body["message"] = message
        return [{**body, **totals}]

    def _phase(self, state: str, message: str) -> JSON:
        entry = self.log("lifecycle", {"message": message, "state_change": state})
        return {
            "batch_id": self.batch_id,
            "status": state,
            "timestamp": entry["timestamp"],
            "message": message,
        }


def listed_call(call: JSON, *, batch_id: str, transcripts: bool, summary: str | None) -> JSON:
    """A call as `GET /v1/calls` lists it: v1 call fields and its `batch_id`."""
    keys = (
        "call_id",
        "to",
        "from",
        "status",
        "queue_status",
        "completed",
        "answered_by",
        "corrected_duration",
        "call_length",
        "created_at",
        "end_at",
        "error_message",
    )
    listed: dict[str, Any] = {key: call.get(key) for key in keys}
    listed["batch_id"] = batch_id
    listed["summary"] = summary
    if transcripts:
        lines = call.get("transcripts")
        listed["transcripts"] = lines if isinstance(lines, list) else []
    return listed
