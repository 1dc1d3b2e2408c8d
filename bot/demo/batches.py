"""One served batch: DemoBatch, its mutations and its cached serialized responses."""

from __future__ import annotations

import json
import random
from typing import Any

from bot.demo.calls import PENDING_QUEUE_STATUSES, compute_analysis, finish_call
from bot.demo.scenarios import JSON


def _summary_of(params: JSON) -> JSON:
    return {
        "batch_id": params.get("id"),
        "campaign_id": params.get("campaign_id"),
        "created_at": params.get("created_at"),
        "label": params.get("label"),
        "base_prompt": params.get("base_prompt"),
        "endpoint_code": params.get("endpoint_code"),
        "call_params": params.get("call_params"),
    }


def _dumps(value: Any) -> bytes:
    # Compact separators: a 50k-call batch is tens of MB, and spaces are a tenth of that.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class DemoBatch:
    """One batch's full details response, with mutations and cached serialized variants."""

    def __init__(self, detail: JSON, *, derived_analysis: bool | None = None) -> None:
        params = detail.get("batch_params")
        if not isinstance(params, dict) or not params.get("id"):
            raise ValueError("a batch needs batch_params.id")
        self.detail = detail
        self.batch_id = str(params["id"])
        calls = detail.get("call_data")
        if derived_analysis is None:
            # Keep a hand-written analysis (fixtures, hostile) as it is; recompute ours.
            derived_analysis = isinstance(calls, list) and detail.get(
                "analysis"
            ) == compute_analysis(calls)
        self._derived = derived_analysis
        self._cache: dict[tuple[bool, bool, bool], bytes] = {}
        self.version = 0

    @classmethod
    def from_summary(cls, entry: JSON, *, status: str = "completed") -> DemoBatch:
        """A batch known only from a list entry: details carry no calls."""
        params = {("id" if key == "batch_id" else key): value for key, value in entry.items()}
        return cls({"status": status, "batch_params": params}, derived_analysis=False)

    @property
    def status(self) -> Any:
        return self.detail.get("status")

    @property
    def params(self) -> JSON:
        params: JSON = self.detail["batch_params"]
        return params

    @property
    def calls(self) -> list[JSON]:
        calls = self.detail.get("call_data")
        return calls if isinstance(calls, list) else []

    @property
    def created_at(self) -> str:
        value = self.params.get("created_at")
        return value if isinstance(value, str) else ""

    def summary(self) -> JSON:
        """This batch as an entry of `GET /v1/batches`."""
        return _summary_of(self.params)

    def response(
        self,
        *,
        include_calls: bool = True,
        include_transcripts: bool = True,
        include_analysis: bool = True,
    ) -> JSON:
        """The details response for these flags (shares the call dicts: do not mutate)."""
        body: JSON = {"status": self.status, "batch_params": self.params}
        if not include_calls:
            return body
        if include_transcripts:
            body["call_data"] = self.calls
        else:
            body["call_data"] = [
                {key: value for key, value in call.items() if key != "transcripts"}
                for call in self.calls
            ]
        if include_analysis and "analysis" in self.detail:
            body["analysis"] = self.detail["analysis"]
        return body

    def response_bytes(
        self,
        *,
        include_calls: bool = True,
        include_transcripts: bool = True,
        include_analysis: bool = True,
    ) -> bytes:
        """`response()` serialized, cached until the batch changes."""
        # Flags that cannot change the body share one cache entry.
        key = (
            include_calls,
            include_calls and include_transcripts,
            include_calls and include_analysis,
        )
        cached = self._cache.get(key)
        if cached is None:
            cached = _dumps(
                self.response(
                    include_calls=key[0], include_transcripts=key[1], include_analysis=key[2]
                )
            )
            self._cache[key] = cached
        return cached

    def find_call(self, call_id: str) -> JSON | None:
        return next((call for call in self.calls if call.get("call_id") == call_id), None)

    def pending_calls(self) -> list[JSON]:
        return [call for call in self.calls if call.get("queue_status") in PENDING_QUEUE_STATUSES]

    def advance(self, count: int) -> int:
        """Finish up to `count` more pending calls, oldest first; return how many finished."""
        pending = self.pending_calls()[: max(0, count)]
        rng = random.Random(
            f"{self.batch_id}:advance:{len(self.calls) - len(self.pending_calls())}"
        )
        line_id = rng.randrange(10_000_000, 90_000_000)
        for call in pending:
            line_id = finish_call(call, rng, next_line_id=line_id)
        if pending:
            self._changed(finish_if_done=True)
        return len(pending)

    def complete(self) -> int:
        """Finish every pending call and mark the batch completed."""
        finished = self.advance(len(self.calls))
        self.detail["status"] = "completed"
        self._changed()
        return finished

    def stop(self) -> int:
        """Stop the batch: pending calls end unplaced; return how many were stopped."""
        pending = self.pending_calls()
        for call in pending:
            call.update(
                status="stopped",
                queue_status="stopped",
                completed=True,
                corrected_duration="0",
                call_length=0.0,
            )
        self.detail["status"] = "completed"
        self._changed()
        return len(pending)

    def _changed(self, *, finish_if_done: bool = False) -> None:
        if self._derived:
            self.detail["analysis"] = compute_analysis(self.calls)
        if finish_if_done and not self.pending_calls():
            self.detail["status"] = "completed"
        self._cache.clear()
        self.version += 1
