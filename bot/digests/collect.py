"""What a digest reports: the batches of both APIs created or finished in its period.

Bland's lists carry no status and no counts, so each batch that may belong in the digest
is asked for separately, a few at a time and all within a time budget (`gather_within`).
A batch created in the period whose details do not come shows what the list gave; one
created before it is included only if its details say it finished in the period.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from bot.bland.batch_ids import BatchApi, is_batch_id, is_v2_batch_id
from bot.bland.client import BlandClient, gather_within
from bot.bland.errors import BlandError, BlandTimeoutError
from bot.bland.models import IN_PROGRESS, BatchSummary, CallBrief
from bot.bland.models_v2 import BatchV2
from bot.bland.outcomes import outcome
from bot.bland.stats import batch_stats
from bot.bland.times import parse_time
from bot.bland.view import v2_progress

log = logging.getLogger(__name__)

# How much of each list is read: the newest entries, which hold any batch of the period.
V1_LIST_LIMIT = 200
V2_LIST_TAKE = 100
# Batches created this long before the period may have finished in it.
LOOKBACK = timedelta(days=7)
# Per-batch requests: at most this many batches, this many at once, within this long.
MAX_DETAILS = 60
CONCURRENCY = 4
LIST_SECONDS = 15.0
DETAILS_SECONDS = 20.0
UNANSWERED = frozenset({"not recorded"})
_WORDS = {
    "auth": "Bland refused the API key",
    "rate_limited": "Bland is rate limiting requests",
    "server_error": "Bland had a server error",
    "timeout": "Bland did not answer in time",
    "connection": "Bland could not be reached",
    "bad_response": "Bland's answer could not be read",
}

L = TypeVar("L")


@dataclass(frozen=True)
class DigestBatch:
    """One batch as a digest lists it. Counts are None where Bland did not say (or its
    details did not come: `detailed` False, only the list's label and creation time)."""

    batch_id: str
    api: BatchApi
    label: str | None
    created: str | None
    # When it last did something the digest reports: finished, else created (sort key).
    latest: datetime
    status: str | None = None
    finished: str | None = None
    calls: int | None = None
    completed: int | None = None
    errored: int | None = None
    # Calls whose answerer is known, and of those answered by a person.
    answered: int | None = None
    human: int | None = None
    top_error: str | None = None
    top_error_calls: int = 0
    detailed: bool = True


@dataclass(frozen=True)
class DigestReport:
    """The batches of one period, newest first, and what could not be read."""

    start: datetime
    end: datetime
    batches: list[DigestBatch] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Neither list could be read: the digest would say nothing of the period.
    nothing_listed: bool = False


async def collect(bland: BlandClient, *, start: datetime, end: datetime) -> DigestReport:
    """The batches created or finished in [start, end), v1 and v2, newest first."""
    v1, v2 = await asyncio.gather(
        _listed(bland.list_batches(limit=V1_LIST_LIMIT), "v1"),
        _listed(bland.list_batches_v2(take=V2_LIST_TAKE), "v2"),
    )
    problems = [problem for _, problem in (v1, v2) if problem]
    batches: list[DigestBatch] = []
    if v1[0] is not None:
        batches += await _v1_batches(bland, v1[0].batches, start, end)
    if v2[0] is not None:
        batches += await _v2_batches(bland, v2[0], start, end)
    batches.sort(key=lambda b: b.latest, reverse=True)
    return DigestReport(
        start=start,
        end=end,
        batches=batches,
        problems=problems,
        nothing_listed=v1[0] is None and v2[0] is None,
    )


async def _listed(listing: Awaitable[L], api: str) -> tuple[L | None, str | None]:
    """The list, or None and why not in a few words (an error's type, never its text,
    which may quote Bland's answer)."""
    try:
        return await asyncio.wait_for(listing, LIST_SECONDS), None
    except (BlandError, TimeoutError) as exc:
        error = exc if isinstance(exc, BlandError) else BlandTimeoutError("")
        words = _WORDS.get(outcome(error), "Bland answered with an error")
        log.warning("digest: %s batches could not be listed (%s)", api, type(exc).__name__)
        return None, f"{api} batches could not be listed: {words}."


def _candidates(
    entries: Iterable[tuple[str, str | None]], start: datetime, end: datetime
) -> tuple[list[str], list[str]]:
    """Ids created in the period, and ids created in the lookback before it (newest
    first), together at most MAX_DETAILS, those of the period first."""
    inside: list[str] = []
    before: list[str] = []
    for batch_id, created_at in entries:
        created = parse_time(created_at)
        if created is None or created >= end:
            continue
        if created >= start:
            inside.append(batch_id)
        elif created >= start - LOOKBACK:
            before.append(batch_id)
    inside = list(dict.fromkeys(inside))[:MAX_DETAILS]
    before = [b for b in dict.fromkeys(before) if b not in inside]
    return inside, before[: max(0, MAX_DETAILS - len(inside))]


def _in(value: str | None, start: datetime, end: datetime) -> datetime | None:
    when = parse_time(value)
    return when if when is not None and start <= when < end else None


def _answered(calls: Iterable[CallBrief]) -> tuple[int, int, str | None, int]:
    """Calls with a known answerer, those answered by a person, and the commonest error."""
    answered = human = 0
    errors: Counter[str] = Counter()
    for call in calls:
        who = call.answered
        if who is not None and who not in UNANSWERED:
            answered += 1
            human += who.lower() == "human"
        if call.error_message:
            errors[call.error_message] += 1
    top = errors.most_common(1)
    return answered, human, (top[0][0] if top else None), (top[0][1] if top else 0)


async def _v1_batches(
    bland: BlandClient, listed: list[BatchSummary], start: datetime, end: datetime
) -> list[DigestBatch]:
    entries = {b.batch_id: b for b in listed if b.batch_id and is_batch_id(b.batch_id)}
    inside, before = _candidates(((i, e.created_at) for i, e in entries.items()), start, end)

    async def details(batch_id: str) -> DigestBatch | None:
        overview = await bland.get_batch_overview(batch_id)
        stats = batch_stats(overview)
        created = parse_time(overview.batch_params.created_at or entries[batch_id].created_at)
        done = overview.status is not None and overview.status != IN_PROGRESS
        finished = _in(stats.finished_at, start, end) if done else None
        if batch_id in before and finished is None:
            return None
        answered, human, top, top_calls = _answered(overview.call_data)
        errors: Counter[str] = Counter(
            e.error_message for e in stats.errors if e.error_message is not None
        )
        if errors:
            top, top_calls = errors.most_common(1)[0]
        return DigestBatch(
            batch_id=batch_id,
            api=BatchApi.V1,
            label=overview.batch_params.label or entries[batch_id].label,
            created=overview.batch_params.created_at or entries[batch_id].created_at,
            latest=finished or created or start,
            status=overview.status,
            finished=stats.finished_at if done else None,
            calls=stats.total,
            completed=stats.completed,
            errored=stats.errored,
            answered=answered if overview.call_data else None,
            human=human if overview.call_data else None,
            top_error=top,
            top_error_calls=top_calls,
        )

    found = await gather_within(
        details, inside + before, concurrency=CONCURRENCY, within=DETAILS_SECONDS, what="a batch"
    )
    names = {i: (e.label, e.created_at) for i, e in entries.items()}
    return _with_fallbacks(found, inside, names, BatchApi.V1, start)


async def _v2_batches(
    bland: BlandClient, listed: list[BatchV2], start: datetime, end: datetime
) -> list[DigestBatch]:
    entries = {b.id: b for b in listed if b.id and is_v2_batch_id(b.id)}
    inside, before = _candidates(((i, e.created_at) for i, e in entries.items()), start, end)

    async def details(batch_id: str) -> DigestBatch | None:
        progress = v2_progress(await bland.batch_logs(batch_id))
        finished = _in(progress.at, start, end) if progress.finished else None
        if batch_id in before and finished is None:
            return None
        answered = human = top_calls = 0
        top: str | None = None
        known = False
        try:
            listed_calls = await bland.list_calls(batch_id=batch_id)
        except BlandError as exc:
            log.info(
                "digest: calls of v2 batch %s not available (%s)", batch_id, type(exc).__name__
            )
        else:
            if not listed_calls.filter_ignored:
                known = True
                answered, human, top, top_calls = _answered(listed_calls.calls)
        entry = entries[batch_id]
        return DigestBatch(
            batch_id=batch_id,
            api=BatchApi.V2,
            label=entry.label or entry.description,
            created=entry.created_at,
            latest=finished or parse_time(entry.created_at) or start,
            status=progress.status,
            finished=progress.at if progress.finished else None,
            calls=progress.calls_total,
            completed=progress.calls_done,
            errored=progress.calls_failed,
            answered=answered if known else None,
            human=human if known else None,
            top_error=top or progress.reason,
            top_error_calls=top_calls,
        )

    found = await gather_within(
        details, inside + before, concurrency=CONCURRENCY, within=DETAILS_SECONDS, what="a v2 batch"
    )
    names = {i: (e.label or e.description, e.created_at) for i, e in entries.items()}
    return _with_fallbacks(found, inside, names, BatchApi.V2, start)


def _with_fallbacks(
    found: dict[str, DigestBatch | None],
    inside: list[str],
    names: dict[str, tuple[str | None, str | None]],
    api: BatchApi,
    start: datetime,
) -> list[DigestBatch]:
    """The batches found; a batch of the period whose details failed, as the list gave it."""
    batches = [b for b in found.values() if b is not None]
    for batch_id in inside:
        if found.get(batch_id) is None:
            label, created = names[batch_id]
            batches.append(
                DigestBatch(
                    batch_id=batch_id,
                    api=api,
                    label=label,
                    created=created,
                    latest=parse_time(created) or start,
                    detailed=False,
                )
            )
    return batches
