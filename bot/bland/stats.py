"""Figures about a batch, taken from Bland's analysis or, where missing, from its calls."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter

from bot.bland.call_outcomes import ERRORED_QUEUE_STATUSES, Outcome, count_errored, tally
from bot.bland.models import AnyBatch, CallBrief, ErrorMessage
from bot.bland.times import parse_time

LENGTH_BUCKETS = (
    "0-5",
    "5-10",
    "10-15",
    "15-20",
    "20-30",
    "30-45",
    "45-60",
    "60-90",
    "90-120",
    "120+",
)
_BUCKET_EDGES = (5, 10, 15, 20, 30, 45, 60, 90, 120)


@dataclass(frozen=True)
class CallCounts:
    """How far a batch has got: what a progress message shows and a warning weighs."""

    total: int | None
    completed: int | None
    errored: int | None

    def key(self) -> str:
        """Equal keys show the same message: no edit is needed between them."""
        return f"{self.completed}/{self.total}/{self.errored}"

    def error_percent(self) -> float | None:
        """Errored calls as a percentage of the calls finished so far (None before any)."""
        if not self.completed or self.errored is None:
            return None
        return 100.0 * min(self.errored, self.completed) / self.completed


@dataclass(frozen=True)
class BatchStats:
    """What the summary and the alert show, whichever parts of the response came."""

    total: int | None
    completed: int | None
    in_progress: int | None
    errored: int
    queue_statuses: dict[str, int] = field(default_factory=dict)
    answered_by: dict[str, int] = field(default_factory=dict)
    average_seconds: float | None = None
    average_nonzero_seconds: float | None = None
    length_buckets: dict[str, int] = field(default_factory=dict)
    errors: list[ErrorMessage] = field(default_factory=list)
    started_at: str | None = None
    finished_at: str | None = None
    # Calls of each outcome (`/batch calls <id> <outcome>`), counted from `call_data`.
    outcomes: dict[Outcome, int] = field(default_factory=dict)

    @property
    def remaining(self) -> int | None:
        """Calls not yet finished: what a stop would cancel."""
        if self.in_progress is not None:
            return self.in_progress
        if self.total is not None and self.completed is not None:
            return max(0, self.total - self.completed)
        return None

    def counts(self) -> CallCounts:
        """The three numbers a progress message shows and a warning weighs."""
        return CallCounts(total=self.total, completed=self.completed, errored=self.errored)

    @property
    def run_seconds(self) -> float | None:
        start, end = parse_time(self.started_at), parse_time(self.finished_at)
        if start is None or end is None or end < start:
            return None
        return (end - start).total_seconds()


class CallTally:
    """What statistics need of a batch's calls, gathered a slice at a time (see
    `bot.bland.slices`), so the calls need not be kept. Gathered mostly in C (`map`,
    `Counter`): at 10k calls a pass per property per call cost as much as the rest of
    a summary."""

    def __init__(self) -> None:
        self.count = 0
        self.completed = 0
        self.queue: Counter[str | None] = Counter()
        self.answered: Counter[str] = Counter()
        self.errors: list[ErrorMessage] = []
        # Calls that failed by `call_outcomes.is_errored`, for the outcome counts.
        self.errored = 0
        self.corrected: list[float | None] = []
        self.minutes: list[float | None] = []
        self.ends: list[str] = []

    @classmethod
    def of(cls, calls: Sequence[CallBrief]) -> CallTally:
        tally = cls()
        tally.add(calls)
        return tally

    def add(self, calls: Sequence[CallBrief]) -> None:
        if not calls:
            return
        self.count += len(calls)
        self.completed += len(list(filter(None, map(_COMPLETED, calls))))
        self.queue.update(map(_QUEUE_STATUS, calls))
        self.answered.update(_answered(calls))
        self.errors += [
            ErrorMessage(call_id=call.call_id, error_message=call.error_message)
            for call in compress(calls, map(_ERROR_MESSAGE, calls))
        ]
        self.errored += count_errored(calls)
        self.corrected += map(_CORRECTED, calls)
        self.minutes += map(_MINUTES, calls)
        ends = list(filter(None, map(_END_AT, calls)))
        if ends:
            self.ends.append(latest(ends))

    def queue_statuses(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for status, count in self.queue.items():
            counts[status or "unknown"] += count
        return dict(counts)

    def durations(self) -> list[float]:
        """Seconds, from `corrected_duration` or else from `call_length` (minutes), by
        the rule of `CallBrief.duration_seconds`: a negative figure counts as missing."""
        found: list[float] = []
        for seconds, minutes in zip(self.corrected, self.minutes, strict=True):
            if seconds is not None and seconds >= 0:
                found.append(seconds)
            elif minutes is not None and minutes >= 0:
                found.append(minutes * 60)
        return found


def batch_stats(detail: AnyBatch) -> BatchStats:
    """Prefer Bland's own analysis; derive from `call_data` what it lacks."""
    return stats_of(detail, CallTally.of(detail.call_data))


def stats_of(detail: AnyBatch, calls: CallTally) -> BatchStats:
    """The statistics of a batch whose calls were gathered in `calls` (its own
    `call_data` is not read): Bland's analysis first, the calls for what it lacks."""
    analysis = detail.analysis
    lengths = analysis.call_lengths if analysis else None

    queue = dict(analysis.queue_statuses or {}) if analysis else {}
    if not queue and calls.count:
        queue = calls.queue_statuses()

    average = lengths.average if lengths else None
    average_nonzero = lengths.average_nonzero if lengths else None
    buckets = dict(lengths.summary or {}) if lengths else {}
    # Every call's duration: the outcome counts need them (`long`), whatever the analysis.
    durations = calls.durations()
    if average is None or average_nonzero is None or not buckets:
        if average is None:
            average = _mean(durations)
        if average_nonzero is None:
            average_nonzero = _mean([d for d in durations if d >= 1])
        if not buckets and durations:
            buckets = _bucket(durations)

    errors = list(analysis.error_messages) if analysis and analysis.error_messages else []
    if not errors:
        errors = list(calls.errors)

    total = analysis.total_calls if analysis and analysis.total_calls is not None else None
    if total is None and calls.count:
        total = calls.count
    completed = analysis.completed_calls if analysis else None
    if completed is None and calls.count:
        completed = calls.completed
    in_progress = analysis.in_progress_calls if analysis else None
    if in_progress is None and calls.count and completed is not None:
        in_progress = calls.count - completed

    errored = sum(count for status, count in queue.items() if status in ERRORED_QUEUE_STATUSES)
    if not errored:
        errored = len({e.call_id for e in errors}) if errors else 0

    return BatchStats(
        total=total,
        completed=completed,
        in_progress=in_progress,
        errored=errored,
        queue_statuses=queue,
        answered_by=dict(calls.answered) if calls.count else {},
        average_seconds=average,
        average_nonzero_seconds=average_nonzero,
        length_buckets=buckets,
        errors=errors,
        started_at=detail.batch_params.created_at,
        finished_at=latest(calls.ends) if calls.ends else None,
        outcomes=tally(calls.answered, durations, calls.errored) if calls.count else {},
    )


_END_AT = attrgetter("end_at")
_ERROR_MESSAGE = attrgetter("error_message")
_ANSWERED_BY = attrgetter("answered_by")
_COMPLETED = attrgetter("completed")
_QUEUE_STATUS = attrgetter("queue_status")
_CORRECTED = attrgetter("corrected_duration")
_MINUTES = attrgetter("call_length")
NOT_RECORDED = "not recorded"


def _answered(calls: Sequence[CallBrief]) -> Counter[str]:
    """Calls per `answered` value; counted on the raw field in C when every value is a
    string or None (lists, which Bland's docs show, take the per-call way)."""
    try:
        raw = Counter(map(_ANSWERED_BY, calls))
    except TypeError:  # a list: unhashable
        return Counter(call.answered or NOT_RECORDED for call in calls)
    counts: Counter[str] = Counter()
    for value, count in raw.items():
        counts[NOT_RECORDED if value is None or value == "" else str(value)] += count
    return counts


# Timestamps of one shape in UTC (`...T14:01:58.046Z`, `...+00:00`) and of one length
# sort as text in time order, so the latest of 10k is found without parsing 10k dates
# (checked in one regex pass over them all: 2 ms at 10k, where parsing each took 7).
_DIGITS_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
_UTC_SHAPES = (
    re.compile(rf"(?:{_DIGITS_TIME}Z\n)*"),
    re.compile(rf"(?:{_DIGITS_TIME}\+00:00\n)*"),
)


def latest(values: Sequence[str]) -> str:
    """The latest of Bland's timestamps (one that cannot be read counts as the earliest)."""
    if len(set(map(len, values))) == 1:
        joined = "\n".join(values) + "\n"
        for shape in _UTC_SHAPES:
            if shape.fullmatch(joined):
                candidate = max(values)
                if parse_time(candidate) is not None:
                    return candidate
                break
    return max(values, key=_sort_key)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _bucket(durations: list[float]) -> dict[str, int]:
    counts = dict.fromkeys(LENGTH_BUCKETS, 0)
    for duration in durations:
        index = next(
            (i for i, edge in enumerate(_BUCKET_EDGES) if duration < edge), len(_BUCKET_EDGES)
        )
        counts[LENGTH_BUCKETS[index]] += 1
    return counts


def _sort_key(value: str) -> float:
    when = parse_time(value)
    return when.timestamp() if when else 0.0
