"""The newest batches of both of Bland's APIs for `/batches` and App Home: fetched,
merged newest first, and the place the next page starts.

Bland has two lists: v1's (`from`/`to` indexes, a campaign filter, either order) and
v2's (`take`/`skip`, no campaigns, no order to choose). A page of both asks each for one
more than the page holds from where each left off, and merges them; the next page
starts after the last batch taken from each (`from:<i> v2from:<j>`), so no batch is
skipped or shown twice, however the two interleave. What only v1's list can do
(`campaign:`, `from:` alone, `to:`, `asc`) lists v1 alone, and the page says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.bland.errors import BlandError, BlandNotFoundError
from bot.bland.models import BatchSummary
from bot.bland.models_v2 import BatchV2
from bot.bland.times import parse_time
from bot.bland.view import BatchView, view_of_v1, view_of_v2
from bot.services import Services
from formatters.batch_list import NO_V2_CAMPAIGNS, V1_PAGING, v2_unavailable
from handlers.commands_parser import ListBatches
from handlers.errors import describe_error

LIST_PAGE = 20
Listed = BatchSummary | BatchV2


@dataclass(frozen=True)
class Page:
    """One page of `/batches`: its batches with their statuses, and how to go on."""

    batches: list[BatchView]
    start: int
    has_more: bool
    next_page: str | None
    notes: list[str] = field(default_factory=list)


async def list_page(request: ListBatches, services: Services) -> Page:
    """The page `request` asks for, each batch with its status (asked separately and
    bounded, since neither list has one)."""
    shown = min(request.limit or LIST_PAGE, LIST_PAGE)
    if request.campaign_id or _v1_paging(request):
        return await _v1_page(request, services, shown)
    v1_start, v2_start = request.start or 0, request.v2_start or 0
    v1, v2, notes = await _both(services, v1_start=v1_start, v2_start=v2_start, take=shown + 1)
    merged = _merge(v1, v2, shown)
    from_v1 = sum(1 for item in merged if isinstance(item, BatchSummary))
    has_more = len(v1) + len(v2) > shown
    next_page = None
    if has_more:
        next_v1, next_v2 = v1_start + from_v1, v2_start + len(merged) - from_v1
        next_page = f"from:{next_v1} v2from:{next_v2} limit:{shown} desc"
    batches = await _with_statuses(services, merged)
    return Page(batches, v1_start + v2_start, has_more, next_page, notes)


async def latest_batches(services: Services, count: int) -> tuple[list[BatchView], list[str]]:
    """The `count` newest batches of both APIs, without statuses (App Home asks on every
    opening, so it costs two requests, not one per batch), and notes on what is missing.

    A v1 failure raises, as it always has; a v2 failure only adds a note."""
    v1, v2, notes = await _both(services, v1_start=0, v2_start=0, take=count)
    views = [
        view_of_v1(item) if isinstance(item, BatchSummary) else view_of_v2(item, ())
        for item in _merge(v1, v2, count)
    ]
    return views, notes


def _v1_paging(request: ListBatches) -> bool:
    """Whether the request pages or orders v1's list, which v2's cannot follow."""
    lone_from = request.start is not None and request.v2_start is None
    return request.ascending or request.end is not None or lone_from


async def _v1_page(request: ListBatches, services: Services, shown: int) -> Page:
    """v1's list alone, asked exactly as before v2 existed."""
    result = await services.bland.list_batches(
        campaign_id=request.campaign_id,
        start=request.start,
        end=request.end,
        limit=shown + 1,
        ascending=request.ascending if request.ascending else None,
    )
    listed = result.batches[:shown]
    more_exist = len(result.batches) > shown
    start = request.start or 0
    next_page = None
    if more_exist:
        parts = [f"from:{start + len(listed)}", f"limit:{shown}"]
        if request.campaign_id:
            parts.append(f"campaign:{request.campaign_id}")
        if request.end is not None:
            parts.append(f"to:{request.end}")
        parts.append("asc" if request.ascending else "desc")
        next_page = " ".join(parts)
    batches = await _with_statuses(services, listed)
    note = NO_V2_CAMPAIGNS if request.campaign_id else V1_PAGING
    return Page(batches, start, more_exist, next_page, [note])


async def _both(
    services: Services, *, v1_start: int, v2_start: int, take: int
) -> tuple[list[BatchSummary], list[BatchV2], list[str]]:
    """Both lists from where each starts, asked at once."""
    v1_result, v2_result = await asyncio.gather(
        services.bland.list_batches(start=v1_start or None, limit=take),
        services.bland.list_batches_v2(take=take, skip=v2_start or None),
        return_exceptions=True,
    )
    if isinstance(v1_result, BaseException):
        raise v1_result
    notes: list[str] = []
    v2: list[BatchV2] = []
    if isinstance(v2_result, BlandNotFoundError):
        notes.append(v2_unavailable("Bland answered that this account has no such list."))
    elif isinstance(v2_result, BlandError):
        notes.append(v2_unavailable(describe_error(v2_result).text))
    elif isinstance(v2_result, BaseException):
        raise v2_result
    else:
        v2 = v2_result
    return v1_result.batches, v2, notes


def _merge(v1: Sequence[BatchSummary], v2: Sequence[BatchV2], count: int) -> list[Listed]:
    """The `count` newest of both lists, each newest first. A merge, not a sort: what is
    taken from each list is always its first entries, so the next page can start right
    after them."""
    merged: list[Listed] = []
    i = j = 0
    while len(merged) < count and (i < len(v1) or j < len(v2)):
        if j >= len(v2) or (i < len(v1) and _newer_or_same(v1[i].created_at, v2[j].created_at)):
            merged.append(v1[i])
            i += 1
        else:
            merged.append(v2[j])
            j += 1
    return merged


def _newer_or_same(first: str | None, second: str | None) -> bool:
    """Whether `first` comes before `second`, newest first. A time that cannot be read
    cannot be compared: it goes first, where its own list put it, rather than holding
    back every batch of its list behind it."""
    first_at, second_at = parse_time(first), parse_time(second)
    if first_at is None or second_at is None:
        return first_at is None
    return first_at >= second_at


async def _with_statuses(services: Services, listed: Sequence[Listed]) -> list[BatchView]:
    """Views of the listed batches, in order, with the statuses found in time (a status
    that failed or came late is None: shown as unknown)."""
    v1_ids = [b.batch_id for b in listed if isinstance(b, BatchSummary) and b.batch_id]
    v2_ids = [b.id for b in listed if isinstance(b, BatchV2) and b.id]
    statuses, logs = await asyncio.gather(
        services.bland.batch_statuses(v1_ids), services.bland.latest_logs(v2_ids)
    )
    return [
        view_of_v1(item, status=statuses.get(item.batch_id or ""))
        if isinstance(item, BatchSummary)
        else view_of_v2(item, logs.get(item.id or "") or ())
        for item in listed
    ]
