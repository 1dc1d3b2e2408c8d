"""How a call ended, in the words `/batch calls <id> <outcome>` filters by: the one place
each outcome is defined from Bland's call fields.

- `human`, `voicemail`, `no-answer`: Bland's `answered_by` says so (documented values
  `human`, `voicemail`, `unknown`, `no-answer` or null; `unknown` and null have no filter).
- `errors`: the call has an `error_message`, or its `queue_status` (or `status`) is one
  Bland uses for a failed call (`call_error`, `error`, `failed`).
- `long`: the call lasted at least a minute (`corrected_duration` seconds, or else
  `call_length` minutes), listed longest first.

A call may have more than one outcome (a long call answered by a person), or none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from itertools import compress
from operator import attrgetter
from typing import TypeVar

from bot.bland.models import Call, CallBrief

ERRORED_QUEUE_STATUSES = frozenset({"call_error", "error", "failed"})
LONG_CALL_SECONDS = 60.0

C = TypeVar("C", bound=CallBrief)


class Outcome(StrEnum):
    """The filters of `/batch calls <id> <outcome>`, as they are typed."""

    HUMAN = "human"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no-answer"
    ERRORS = "errors"
    LONG = "long"


_ANSWERED = {
    "human": Outcome.HUMAN,
    "voicemail": Outcome.VOICEMAIL,
    "no-answer": Outcome.NO_ANSWER,
}


def outcome_of_word(word: str) -> Outcome | None:
    """The outcome a typed word names (any case; `no_answer` as well), or None."""
    try:
        return Outcome(word.strip().lower().replace("_", "-"))
    except ValueError:
        return None


def answered_outcome(answered: str | None) -> Outcome | None:
    """The outcome an `answered_by` value names, if any."""
    if answered is None:
        return None
    return _ANSWERED.get(answered.strip().lower().replace("_", "-"))


def is_long(duration_seconds: float | None) -> bool:
    return duration_seconds is not None and duration_seconds >= LONG_CALL_SECONDS


def is_errored(call: CallBrief) -> bool:
    """Whether the call failed: an error message, or a status Bland gives failed calls."""
    if call.error_message and not call.error_message.isspace():
        return True
    if _failed(call.queue_status):
        return True
    # A listed call has its own `status` too; a summary reads only each call's figures.
    return isinstance(call, Call) and _failed(call.status)


def count_errored(calls: Sequence[CallBrief]) -> int:
    """How many of `calls` `is_errored` says failed, counted per distinct queue status
    (a few) rather than per call: calling `is_errored` on each was 5 ms of a 10k-call
    summary. Calls with a `status` of their own (`Call`) are asked one by one."""
    if any(issubclass(kind, Call) for kind in set(map(type, calls))):
        return sum(map(is_errored, calls))
    with_message = [
        call
        for call in compress(calls, map(_ERROR_MESSAGE, calls))
        if not (call.error_message or "").isspace()
    ]
    by_status = sum(
        n for status, n in Counter(map(_QUEUE_STATUS, calls)).items() if _failed(status)
    )
    # A call with a message and a failed status is counted once.
    both = sum(1 for call in with_message if _failed(call.queue_status))
    return len(with_message) + by_status - both


def outcomes_of(call: CallBrief) -> list[Outcome]:
    """Every outcome `call` has: the definition the filters and the counts share."""
    found: list[Outcome] = []
    named = answered_outcome(call.answered)
    if named is not None:
        found.append(named)
    if is_errored(call):
        found.append(Outcome.ERRORS)
    if is_long(call.duration_seconds):
        found.append(Outcome.LONG)
    return found


def has_outcome(call: CallBrief, outcome: Outcome) -> bool:
    """Whether `call` ended the way `outcome` says."""
    return outcome in outcomes_of(call)


def calls_with(calls: Iterable[C], outcome: Outcome) -> list[C]:
    """The calls with `outcome`, in Bland's order; `long` ones longest first."""
    found = [call for call in calls if outcome in outcomes_of(call)]
    if outcome == Outcome.LONG:
        # sort() is stable: calls of equal length keep Bland's order.
        found.sort(key=lambda call: -(call.duration_seconds or 0.0))
    return found


def outcome_counts(calls: Sequence[CallBrief]) -> dict[Outcome, int]:
    """How many calls have each outcome, every outcome named (0 when none)."""
    return tally(
        Counter(call.answered for call in calls if call.answered is not None),
        [call.duration_seconds for call in calls],
        sum(1 for call in calls if is_errored(call)),
    )


def tally(
    answered: Mapping[str, int], durations: Iterable[float | None], errored: int
) -> dict[Outcome, int]:
    """The counts of each outcome from what a batch's statistics already gathered: calls
    per `answered_by` value, every call's duration, and the errored calls (`is_errored`).

    Reading each call once for all the statistics keeps a 10,000-call summary within its
    CPU budget (see benchmarks/batch_view.py); the definitions are still the ones above."""
    counts = dict.fromkeys(Outcome, 0)
    for value, calls in answered.items():
        named = answered_outcome(value)
        if named is not None:
            counts[named] += calls
    counts[Outcome.ERRORS] = errored
    counts[Outcome.LONG] = sum(1 for duration in durations if is_long(duration))
    return counts


_ERROR_MESSAGE = attrgetter("error_message")
_QUEUE_STATUS = attrgetter("queue_status")


def _failed(status: str | None) -> bool:
    return status is not None and status.strip().lower() in ERRORED_QUEUE_STATUSES
