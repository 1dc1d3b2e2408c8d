"""Deterministic, Bland-shaped batch data of any size, with cached serialized responses."""

from __future__ import annotations

import functools
import gc
import json
import logging
import math
import random
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.demo.hostile import hostile_batch
from bot.demo.scenarios import (
    _BUSINESSES,
    _DATES,
    _ITEMS,
    _NAMES,
    _OUTCOME_TABLE,
    _SERVICES,
    _UNKNOWN,
    _VOICEMAIL,
    CAMPAIGN_RENEWALS,
    CAMPAIGN_SURVEYS,
    DEMO_EPOCH,
    ENDPOINT_URL,
    ERROR_MESSAGES,
    ERRORS_BATCH_ID,
    FROM_NUMBER,
    HOSTILE_BATCH_ID,
    JSON,
    LARGE_BATCH_ID,
    LIVE_BATCH_ID,
    SCENARIOS,
    SMALL_BATCH_ID,
    UNLABELLED_BATCH_ID,
    _Dialogue,
    _Scenario,
)

log = logging.getLogger(__name__)

# Queue statuses of calls that have not finished; everything else counts as completed.
PENDING_QUEUE_STATUSES = frozenset({"queued", "started", "new", "in-progress", "scheduled"})

# Upper bounds in seconds; the page's bucket names read as seconds (see bland-api.md).
LENGTH_BUCKETS: tuple[tuple[str, float], ...] = (
    ("0-5", 5),
    ("5-10", 10),
    ("10-15", 15),
    ("15-20", 20),
    ("20-30", 30),
    ("30-45", 45),
    ("45-60", 60),
    ("60-90", 90),
    ("90-120", 120),
    ("120+", math.inf),
)

_UNSET: Any = object()


@functools.lru_cache(maxsize=1 << 16)
def _second(whole: int) -> str:
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")


# Formatting a datetime per timestamp dominated generating 50k calls; calls cluster in
# time, so caching the whole-second prefix does most of the work once.
def _iso(ts: float) -> str:
    whole = int(ts)
    return f"{_second(whole)}.{int((ts - whole) * 1_000_000):06d}+00:00"


def _iso_z(ts: float) -> str:
    whole = int(ts)
    return f"{_second(whole)}.{int((ts - whole) * 1000):03d}Z"


def _pick(rng: random.Random, options: Sequence[Any]) -> Any:
    # random.choice is several times slower (rejection sampling); bias is irrelevant here.
    return options[int(rng.random() * len(options))]


def _uuid(rng: random.Random) -> str:
    """A random version-4 UUID string (built directly: uuid.UUID was a hot spot)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def bland_id(rng: random.Random) -> str:
    """A v1-looking batch id, like `AAcQq8zXxLB56LWg-gen-batch`."""
    alphabet = string.ascii_letters + string.digits
    return "".join(rng.choices(alphabet, k=16)) + "-gen-batch"


def _scenario_of(call: JSON) -> _Scenario:
    request_data = call.get("request_data")
    if isinstance(request_data, dict) and "item" in request_data:
        return SCENARIOS["satisfaction"]
    return SCENARIOS["renewal"]


def _pending_call(
    rng: random.Random, scenario: _Scenario, created: float, *, started: bool
) -> JSON:
    to = f"+1{2012000000 + int(rng.random() * 7887999999)}"
    variables = {
        "name": _pick(rng, _NAMES),
        "business": _pick(rng, _BUSINESSES),
        "service": _pick(rng, _SERVICES),
        "date": _pick(rng, _DATES),
        "url": "https://billing.example.com/renew",
    }
    if scenario is SCENARIOS["satisfaction"]:
        variables["item"] = _pick(rng, _ITEMS)
    call_id = _uuid(rng)
    return {
        "status": "in-progress" if started else "queued",
        "corrected_duration": "0",
        "end_at": None,
        "call_id": call_id,
        "to": to,
        "from": FROM_NUMBER,
        "completed": False,
        "created_at": _iso(created),
        "queue_status": "started" if started else "queued",
        "endpoint_url": ENDPOINT_URL,
        "max_duration": scenario.call_params.get("max_duration", 30),
        "error_message": None,
        "answered_by": None,
        "request_data": {
            "phone_number": to,
            "reduce_latency": True,
            "wait": False,
            "language": "ENG",
            **variables,
        },
        "transcripts": [],
        "call_length": None,
    }


def _finish_call(
    call: JSON,
    rng: random.Random,
    *,
    next_line_id: int,
    error: str | None = None,
    created: float | None = None,
) -> int:
    """Turn a pending call into a finished one in place; return the next transcript id."""
    scenario = _scenario_of(call)
    request_data = call.get("request_data")
    variables = request_data if isinstance(request_data, dict) else {}
    outcome = _pick(rng, _OUTCOME_TABLE)
    if error is not None:
        dialogue: _Dialogue = scenario.dialogues[0][:2] if rng.random() < 0.5 else ()
        seconds = len(dialogue) * rng.randint(2, 6)
    elif outcome == "no-answer":
        dialogue, seconds = (), 0
    elif outcome == "voicemail":
        dialogue, seconds = _VOICEMAIL, rng.randint(12, 40)
    elif outcome == "unknown":
        dialogue, seconds = _UNKNOWN, rng.randint(3, 14)
    else:
        dialogue = _pick(rng, scenario.dialogues)
        seconds = max(len(dialogue) * 3, int(rng.lognormvariate(3.7, 0.6)))
    if created is None:
        created = _parse_ts(call.get("created_at"))
    start = created + 3.0 + 9.0 * rng.random()
    call_id = call.get("call_id")
    lines: list[JSON] = []
    step = seconds / (len(dialogue) + 1) if dialogue else 0.0
    values = _Vars(variables)
    for position, (user, template) in enumerate(dialogue, start=1):
        lines.append(
            {
                "id": next_line_id,
                "created_at": _iso(start + step * position),
                "text": template.format_map(values),
                "user": user,
                "c_id": call_id,
            }
        )
        next_line_id += 1 + int(rng.random() * 3)
    call.update(
        status="completed",
        corrected_duration=str(seconds),
        end_at=_iso_z(start + seconds),
        completed=True,
        queue_status="call_error" if error is not None else "complete",
        error_message=error,
        answered_by=None if error is not None else outcome,
        transcripts=lines,
        call_length=round(seconds / 60, 5),
    )
    return next_line_id


class _Vars(dict[str, Any]):
    """Template variables that leave an unknown `{placeholder}` as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _parse_ts(value: Any) -> float:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return DEMO_EPOCH.timestamp()


def _seconds(call: JSON) -> int:
    value = call.get("corrected_duration")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return 0
    try:
        return max(0, int(float(value)))
    except ValueError:
        return 0


def compute_analysis(calls: Sequence[JSON]) -> JSON:
    """The `analysis` object Bland would derive from `calls`."""
    total = len(calls)
    queue_statuses = Counter(str(call.get("queue_status")) for call in calls)
    in_progress = sum(queue_statuses[status] for status in PENDING_QUEUE_STATUSES)
    lengths = [_seconds(call) for call in calls]
    nonzero = [length for length in lengths if length >= 1]
    summary = dict.fromkeys((name for name, _ in LENGTH_BUCKETS), 0)
    for length in lengths:
        for name, upper in LENGTH_BUCKETS:
            if length < upper:
                summary[name] += 1
                break
    endpoints = Counter(str(call.get("endpoint_url")) for call in calls)
    return {
        "total_calls": total,
        "completed_calls": total - in_progress,
        "in_progress_calls": in_progress,
        "queue_statuses": dict(queue_statuses.most_common()),
        "call_lengths": {
            "average": round(sum(lengths) / total) if total else 0,
            "average_nonzero": round(sum(nonzero) / len(nonzero)) if nonzero else 0,
            "summary": summary,
            "all": lengths,
        },
        "call_ids": [call.get("call_id") for call in calls],
        "error_messages": [
            {"call_id": call.get("call_id"), "error_message": call["error_message"]}
            for call in calls
            if call.get("error_message")
        ],
        "endpoints": dict(endpoints.most_common()),
    }


def _fill_calls(
    call_data: list[JSON],
    rng: random.Random,
    kind: _Scenario,
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
        call = _pending_call(rng, kind, call_created, started=index < finished + started)
        if index < finished:
            error = rng.choice(ERROR_MESSAGES) if index in error_at else None
            line_id = _finish_call(
                call, rng, next_line_id=line_id, error=error, created=call_created
            )
        elif index < finished + started:
            # A ringing call has the agent's first line and nothing else yet.
            opener = kind.dialogues[0][0]
            call["transcripts"] = [
                {
                    "id": line_id,
                    "created_at": _iso(_parse_ts(call["created_at"]) + 4),
                    "text": opener[1].format_map(_Vars(call["request_data"])),
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
            "created_at": _iso(created),
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
                "call_id": _uuid(rng),
                "to": phone,
                "from": FROM_NUMBER,
                "completed": False,
                "created_at": _iso(created + index * 0.5),
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
            "created_at": _iso(created),
            "label": payload.get("label"),
            "base_prompt": payload.get("base_prompt"),
            "endpoint_code": "api",
            "call_params": {key: value for key, value in payload.items() if key not in excluded},
        },
        "call_data": calls,
        "analysis": compute_analysis(calls),
    }
    return DemoBatch(detail, derived_analysis=True)


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
            line_id = _finish_call(call, rng, next_line_id=line_id)
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


class DemoDataset:
    """The batches a demo server serves, in insertion order, addressable by id."""

    def __init__(self, batches: Iterable[DemoBatch | JSON] = ()) -> None:
        self.batches: dict[str, DemoBatch] = {}
        self._call_index: dict[str, str] | None = None
        for batch in batches:
            self.add(batch)

    def add(self, batch: DemoBatch | JSON) -> DemoBatch:
        """Add a batch (a DemoBatch or a details dict), replacing one with the same id."""
        demo = batch if isinstance(batch, DemoBatch) else DemoBatch(batch)
        self.batches[demo.batch_id] = demo
        self._call_index = None
        return demo

    def remove(self, batch_id: str) -> None:
        self.batches.pop(batch_id, None)
        self._call_index = None

    def get(self, batch_id: str) -> DemoBatch | None:
        return self.batches.get(batch_id)

    def __getitem__(self, batch_id: str) -> DemoBatch:
        return self.batches[batch_id]

    def __contains__(self, batch_id: object) -> bool:
        return batch_id in self.batches

    def __len__(self) -> int:
        return len(self.batches)

    def ids(self) -> list[str]:
        return list(self.batches)

    @property
    def tour_batch_id(self) -> str:
        """A finished batch worth showing first: the small demo batch when present."""
        if SMALL_BATCH_ID in self.batches:
            return SMALL_BATCH_ID
        finished = (b for b in self.batches.values() if b.status == "completed" and b.calls)
        return next((b.batch_id for b in finished), next(iter(self.batches), ""))

    @property
    def tour_call_id(self) -> str:
        """A call of `tour_batch_id` that a person answered, so its transcript is a dialogue."""
        batch = self.batches.get(self.tour_batch_id)
        calls = batch.calls if batch is not None else []
        answered = (c for c in calls if c.get("answered_by") == "human" and c.get("transcripts"))
        chosen = next(answered, calls[0] if calls else {})
        return str(chosen.get("call_id") or "")

    def list_entries(
        self,
        *,
        campaign_id: str | None = None,
        start: int | None = None,
        end: int | None = None,
        limit: int = 1000,
        ascending: bool = False,
    ) -> list[JSON]:
        """`GET /v1/batches` entries: sorted by creation, then `[start:end]`, then `limit`."""
        chosen = [
            batch
            for batch in self.batches.values()
            if campaign_id is None or batch.params.get("campaign_id") == campaign_id
        ]
        chosen.sort(key=lambda batch: batch.created_at, reverse=not ascending)
        chosen = chosen[start:end][: max(0, limit)]
        return [batch.summary() for batch in chosen]

    def find_call(self, call_id: str) -> tuple[DemoBatch, JSON] | None:
        if self._call_index is None:
            self._call_index = {
                str(call.get("call_id")): batch.batch_id
                for batch in self.batches.values()
                for call in batch.calls
            }
        batch_id = self._call_index.get(call_id)
        batch = self.batches.get(batch_id) if batch_id is not None else None
        call = batch.find_call(call_id) if batch is not None else None
        return (batch, call) if batch is not None and call is not None else None


def demo_dataset(*, seed: int = 7) -> DemoDataset:
    """About six batches across two campaigns, covering the states the bot must show."""
    base = DEMO_EPOCH.timestamp()

    def at(hours_before: float) -> datetime:
        return datetime.fromtimestamp(base - hours_before * 3600, UTC)

    return DemoDataset(
        [
            make_batch(
                SMALL_BATCH_ID,
                calls=3,
                seed=seed,
                errors=0,
                campaign_id=CAMPAIGN_RENEWALS,
                created_at=at(72),
            ),
            make_batch(
                LIVE_BATCH_ID,
                calls=40,
                status="in-progress",
                completed=24,
                seed=seed,
                errors=1,
                scenario="satisfaction",
                campaign_id=CAMPAIGN_SURVEYS,
                created_at=at(0.5),
            ),
            make_batch(
                LARGE_BATCH_ID,
                calls=250,
                seed=seed,
                campaign_id=CAMPAIGN_RENEWALS,
                label="Q2 Renewals - West Region",
                created_at=at(30),
            ),
            make_batch(
                ERRORS_BATCH_ID,
                calls=30,
                seed=seed,
                errors=9,
                scenario="satisfaction",
                campaign_id=CAMPAIGN_SURVEYS,
                label="Headphones follow-up (carrier trouble)",
                created_at=at(20),
            ),
            hostile_batch(),
            make_batch(
                UNLABELLED_BATCH_ID,
                calls=5,
                seed=seed,
                errors=0,
                label=None,
                campaign_id=None,
                created_at=at(100),
            ),
        ]
    )


def benchmark_dataset(
    *, batches: int = 1, calls: int = 10_000, in_progress: int = 0, seed: int = 0
) -> DemoDataset:
    """`batches` batches of `calls` calls each; the first `in_progress` are still running."""
    rng = random.Random(seed)
    base = DEMO_EPOCH.timestamp()
    dataset = DemoDataset()
    for index in range(batches):
        batch_id = bland_id(rng)
        detail = make_batch(
            batch_id,
            calls=calls,
            status="in-progress" if index < in_progress else "completed",
            seed=seed,
            scenario="renewal" if index % 2 == 0 else "satisfaction",
            campaign_id=CAMPAIGN_RENEWALS if index % 2 == 0 else CAMPAIGN_SURVEYS,
            created_at=datetime.fromtimestamp(base - index * 600, UTC),
        )
        dataset.add(DemoBatch(detail, derived_analysis=True))
    return dataset


__all__ = [
    "CAMPAIGN_RENEWALS",
    "CAMPAIGN_SURVEYS",
    "DEMO_EPOCH",
    "ENDPOINT_URL",
    "ERRORS_BATCH_ID",
    "ERROR_MESSAGES",
    "FROM_NUMBER",
    "HOSTILE_BATCH_ID",
    "JSON",
    "LARGE_BATCH_ID",
    "LENGTH_BUCKETS",
    "LIVE_BATCH_ID",
    "PENDING_QUEUE_STATUSES",
    "SCENARIOS",
    "SMALL_BATCH_ID",
    "UNLABELLED_BATCH_ID",
    "DemoBatch",
    "DemoDataset",
    "benchmark_dataset",
    "bland_id",
    "compute_analysis",
    "demo_dataset",
    "hostile_batch",
    "make_batch",
    "requested_batch",
]
