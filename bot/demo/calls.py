"""One demo call: ids and timestamps, pending and finished calls, and Bland's call analysis."""

from __future__ import annotations

import functools
import math
import random
import string
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.demo.scenarios import (
    BUSINESSES,
    DATES,
    DEMO_EPOCH,
    ENDPOINT_URL,
    FROM_NUMBER,
    ITEMS,
    JSON,
    NAMES,
    OUTCOME_TABLE,
    SCENARIOS,
    SERVICES,
    UNKNOWN,
    VOICEMAIL,
    Dialogue,
    Scenario,
)

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


@functools.lru_cache(maxsize=1 << 16)
def _second(whole: int) -> str:
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")


# Formatting a datetime per timestamp dominated generating 50k calls; calls cluster in
# time, so caching the whole-second prefix does most of the work once.
def iso(ts: float) -> str:
    """`ts` as Bland writes `created_at`: ISO 8601 with microseconds and +00:00."""
    whole = int(ts)
    return f"{_second(whole)}.{int((ts - whole) * 1_000_000):06d}+00:00"


def _iso_z(ts: float) -> str:
    whole = int(ts)
    return f"{_second(whole)}.{int((ts - whole) * 1000):03d}Z"


def _pick(rng: random.Random, options: Sequence[Any]) -> Any:
    # random.choice is several times slower (rejection sampling); bias is irrelevant here.
    return options[int(rng.random() * len(options))]


def uuid(rng: random.Random) -> str:
    """A random version-4 UUID string (built directly: uuid.UUID was a hot spot)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def bland_id(rng: random.Random) -> str:
    """A v1-looking batch id, like `AAcQq8zXxLB56LWg-gen-batch`."""
    alphabet = string.ascii_letters + string.digits
    return "".join(rng.choices(alphabet, k=16)) + "-gen-batch"


def _scenario_of(call: JSON) -> Scenario:
    request_data = call.get("request_data")
    if isinstance(request_data, dict) and "item" in request_data:
        return SCENARIOS["satisfaction"]
    return SCENARIOS["renewal"]


def pending_call(rng: random.Random, scenario: Scenario, created: float, *, started: bool) -> JSON:
    """A call of `scenario` that has not finished: ringing when `started`, else queued."""
    to = f"+1{2012000000 + int(rng.random() * 7887999999)}"
    variables = {
        "name": _pick(rng, NAMES),
        "business": _pick(rng, BUSINESSES),
        "service": _pick(rng, SERVICES),
        "date": _pick(rng, DATES),
        "url": "https://billing.example.com/renew",
    }
    if scenario is SCENARIOS["satisfaction"]:
        variables["item"] = _pick(rng, ITEMS)
    call_id = uuid(rng)
    return {
        "status": "in-progress" if started else "queued",
        "corrected_duration": "0",
        "end_at": None,
        "call_id": call_id,
        "to": to,
        "from": FROM_NUMBER,
        "completed": False,
        "created_at": iso(created),
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


def finish_call(
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
    outcome = _pick(rng, OUTCOME_TABLE)
    if error is not None:
        dialogue: Dialogue = scenario.dialogues[0][:2] if rng.random() < 0.5 else ()
        seconds = len(dialogue) * rng.randint(2, 6)
    elif outcome == "no-answer":
        dialogue, seconds = (), 0
    elif outcome == "voicemail":
        dialogue, seconds = VOICEMAIL, rng.randint(12, 40)
    elif outcome == "unknown":
        dialogue, seconds = UNKNOWN, rng.randint(3, 14)
    else:
        dialogue = _pick(rng, scenario.dialogues)
        seconds = max(len(dialogue) * 3, int(rng.lognormvariate(3.7, 0.6)))
    if created is None:
        created = parse_ts(call.get("created_at"))
    start = created + 3.0 + 9.0 * rng.random()
    call_id = call.get("call_id")
    lines: list[JSON] = []
    step = seconds / (len(dialogue) + 1) if dialogue else 0.0
    values = Vars(variables)
    for position, (user, template) in enumerate(dialogue, start=1):
        lines.append(
            {
                "id": next_line_id,
                "created_at": iso(start + step * position),
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


class Vars(dict[str, Any]):
    """Template variables that leave an unknown `{placeholder}` as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def parse_ts(value: Any) -> float:
    """A timestamp from an ISO 8601 string; the demo epoch when it is not one."""
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
