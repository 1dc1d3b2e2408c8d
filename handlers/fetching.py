"""What a handler fetches to show one batch, asked of the API its id belongs to.

The id decides (`batch_api`): a UUID is a v2 batch, anything else a v1 batch. Past this
module, handlers and formatters see one `BatchView`, or one list of calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.bland.batch_ids import BatchApi, batch_api
from bot.bland.errors import BlandNotFoundError
from bot.bland.models import Call, CallBrief
from bot.bland.models_v2 import ListedCall
from bot.bland.slices import Fold
from bot.bland.stats import stats_of
from bot.bland.view import BatchView, view_of_v1, view_of_v2
from bot.services import Services
from bot.user_facing import UserFacingError
from formatters.blocks import Message
from formatters.errors import error_message
from formatters.text import BATCH_ID_WIDTH, CALL_ID_WIDTH, code

log = logging.getLogger(__name__)

A = TypeVar("A")
B = TypeVar("B")
F = TypeVar("F", bound=Fold)
R = TypeVar("R", bound=CallBrief)
# A v2 export with transcripts asks for each call's: this many at a time.
TRANSCRIPT_CONCURRENCY = 4


@dataclass(frozen=True)
class Fetched(Generic[F]):
    """What was made of a batch's calls: `rows`, the `into()` they went to. `truncated`:
    Bland sent as many as it lists at once, so there may be more."""

    label: str | None
    rows: F
    truncated: bool = False


class CallsNotListedError(UserFacingError):
    """Bland answered a v2 batch's call list with other batches' calls: it ignores the
    batch filter, so what it sent cannot be shown as this batch's calls."""

    def __init__(self, batch_id: str) -> None:
        super().__init__(
            f"Bland does not list the calls of v2 batch {code(batch_id, BATCH_ID_WIDTH)}: "
            "asked for them, it answered with other batches' calls, so none are shown. "
            "The batch's summary still has its totals once it finishes."
        )


async def fetch_view(services: Services, batch_id: str) -> BatchView:
    """The batch as a summary shows it: v1 with its analysis and call figures (never
    transcripts); v2 with its metadata and newest log entries, asked at once."""
    if batch_api(batch_id) == BatchApi.V1:
        overview, calls = await services.bland.get_batch_tally(batch_id)
        return view_of_v1(overview, stats=stats_of(overview, calls))
    batch, logs = await _together(
        services.bland.get_batch_v2(batch_id), services.bland.batch_logs(batch_id)
    )
    return view_of_v2(batch, logs)


async def fetch_calls(services: Services, batch_id: str, *, into: Callable[[], F]) -> Fetched[F]:
    """The batch's calls, without transcripts, added to `into()` in order.

    v1: read a slice at a time, never all held (a second `into()` may be made: see
    `BlandClient.export_batch`). v2: from Bland's account-wide call list, asked for this
    batch (the filter is not documented); raises CallsNotListedError when Bland ignored
    it. The batch itself is asked too, for its label, and so that an unknown id is "not
    found", not "no calls"."""
    if batch_api(batch_id) == BatchApi.V1:
        batch, rows = await services.bland.get_batch_rows(batch_id, into=into)
        return Fetched(batch.batch_params.label, rows)
    label, calls, truncated = await _v2_calls(services, batch_id)
    made = into()
    made.add(calls)
    return Fetched(label, made, truncated=truncated)


async def _v2_calls(services: Services, batch_id: str) -> tuple[str | None, list[ListedCall], bool]:
    batch, listed = await _together(
        services.bland.get_batch_v2(batch_id), services.bland.list_calls(batch_id=batch_id)
    )
    if listed.filter_ignored:
        log.info("Bland ignored the batch filter of the call list for %s", batch_id)
        raise CallsNotListedError(batch_id)
    return view_of_v2(batch, ()).label, listed.calls, listed.truncated


async def export_calls(
    services: Services, batch_id: str, *, transcripts: bool, into: Callable[[], F]
) -> Fetched[F]:
    """Every call of the batch, with transcripts when asked, added to `into()`.

    v1 answers in one request, given the export's longer deadline and larger cap, and
    read a slice at a time, never all held (a second `into()` may be made: see
    `BlandClient.export_batch`). v2's call list has no transcripts, so each call's is
    asked for, a few at a time."""
    if batch_api(batch_id) == BatchApi.V1:
        batch, rows = await services.bland.export_batch(
            batch_id, transcripts=transcripts, into=into
        )
        return Fetched(batch.batch_params.label, rows)
    label, listed, truncated = await _v2_calls(services, batch_id)
    calls: Sequence[Call] = await _with_transcripts(services, listed) if transcripts else listed
    made = into()
    await asyncio.to_thread(made.add, calls)
    return Fetched(label, made, truncated=truncated)


async def _together(first: Coroutine[Any, Any, A], second: Coroutine[Any, Any, B]) -> tuple[A, B]:
    """Both requests at once. When one fails the other is cancelled rather than left
    running, and the failure's own error is raised, for the reply to explain."""
    try:
        async with asyncio.TaskGroup() as group:
            one, other = group.create_task(first), group.create_task(second)
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return one.result(), other.result()


async def _with_transcripts(services: Services, calls: Sequence[Call]) -> list[Call]:
    slots = asyncio.Semaphore(TRANSCRIPT_CONCURRENCY)

    async def one(call: Call) -> Call:
        if not call.call_id:
            return call
        async with slots:
            try:
                detail = await services.bland.get_call(call.call_id)
            except BlandNotFoundError:
                # Listed but not readable on its own: its row stays, without transcript.
                return call
        return call.model_copy(update={"transcripts": detail.transcripts})

    # A task group: when one request fails, the others are cancelled, not left running;
    # the export then fails with that request's own error, which the reply explains.
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(call)) for call in calls]
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


def resolve_call(calls: Sequence[R], ref: str) -> R | Message:
    """A full call id, or a unique prefix of one (case-insensitive)."""
    wanted = ref.lower()
    matches = [c for c in calls if c.call_id and c.call_id.lower().startswith(wanted)]
    exact = [c for c in matches if (c.call_id or "").lower() == wanted]
    if exact:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        return error_message(
            f"No call in this batch has an id starting with {code(ref, CALL_ID_WIDTH)}."
        )
    sample = ", ".join(code(c.call_id, CALL_ID_WIDTH) for c in matches[:5])
    return error_message(
        f"{code(ref, CALL_ID_WIDTH)} matches {len(matches):,} calls ({sample}…). "
        "Give more characters."
    )


def is_v2(batch_id: str) -> bool:
    """Whether `batch_id` is asked of Bland's v2 API (raises InvalidIdError for no id)."""
    return batch_api(batch_id) == BatchApi.V2
