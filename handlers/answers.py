"""What each parsed request is answered with: fetch from Bland, then format."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.bland.errors import BlandNotFoundError
from bot.services import Services
from bot.user_facing import UserFacingError
from formatters.batch_list import batch_list
from formatters.blocks import Message
from formatters.calls import calls_page, page_of_calls, picker_of
from formatters.help import help_message
from formatters.transcript import CallFacts, transcript
from handlers.call_folds import BestToRead, CallPage, CallsNamed, CallsWith
from handlers.call_view import show_call
from handlers.commands_parser import (
    BatchRequest,
    ExportCsv,
    Help,
    ListBatches,
    ListCalls,
    ListWatches,
    PickTranscript,
    ShowBatch,
    ShowCall,
    ShowTranscript,
    StopBatch,
    UnwatchBatch,
    WatchBatch,
)
from handlers.digest import answer_digest
from handlers.digest_parser import DigestOff, SetDigest, ShowDigest
from handlers.exporting import export_csv
from handlers.fetching import fetch_calls, is_v2, resolve_call
from handlers.listing import list_page
from handlers.replies import Reply, Who
from handlers.stopping import confirmed_stop, prompt_stop
from handlers.summary import summary
from handlers.watching import list_channel_watches, unwatch, watch


async def answer_batches(request: ListBatches, services: Services) -> Reply:
    """`/batches`: v1 and v2 batches together, newest first (see `handlers.listing`)."""
    page = await list_page(request, services)
    message = batch_list(
        page.batches,
        campaign_id=request.campaign_id,
        ascending=request.ascending,
        start=page.start,
        has_more=page.has_more,
        next_page=page.next_page,
        notes=page.notes,
    )
    return Reply(message)


async def answer_batch(
    request: BatchRequest,
    services: Services,
    who: Who,
    *,
    slack: AsyncWebClient | None = None,
    clicked: bool = False,
) -> Reply:
    """`/batch …` in all its forms; `clicked` when a button (not typed text) asked."""
    match request:
        case Help(reason):
            return Reply(help_message(reason))
        case ShowBatch(batch_id):
            return Reply(await summary(services, batch_id, who))
        case ListCalls(batch_id, page, outcome) if outcome is not None:
            found = await fetch_calls(services, batch_id, into=lambda: CallsWith(outcome))
            return Reply(
                calls_page(
                    found.rows.listed(),
                    batch_id=batch_id,
                    label=found.label,
                    page=page,
                    truncated=found.truncated,
                    outcome=outcome,
                )
            )
        case ListCalls(batch_id, page):
            listed = await fetch_calls(services, batch_id, into=lambda: CallPage(page))
            rows = listed.rows
            shown = rows.shown()
            if shown is None:
                # Past the end: the last page was only counted; read it (rare: a stale
                # Next button, or a page number typed too large).
                last = rows.page
                listed = await fetch_calls(services, batch_id, into=lambda: CallPage(last))
                rows = listed.rows
                shown = rows.shown() or []
            return Reply(
                page_of_calls(
                    shown,
                    total=rows.total,
                    batch_id=batch_id,
                    label=listed.label,
                    page=rows.page,
                    truncated=listed.truncated,
                )
            )
        case PickTranscript(batch_id):
            picked = await fetch_calls(services, batch_id, into=BestToRead)
            best = picked.rows
            return Reply(
                picker_of(best.best, readable=best.readable, batch_id=batch_id, label=picked.label)
            )
        case ShowTranscript(batch_id, call_ref, page):
            return Reply(await _transcript(services, batch_id, call_ref, page))
        case ShowCall():
            return Reply(await show_call(services, request))
        case WatchBatch():
            return await watch(services, request, who, slack=slack)
        case UnwatchBatch():
            return await unwatch(services, request, who)
        case ExportCsv():
            return await export_csv(request, services, who, _slack(slack))
        case StopBatch():
            if clicked:
                return await confirmed_stop(request, services, who, _slack(slack))
            return await prompt_stop(request, services)
        case ListWatches():
            return await list_channel_watches(services, who)
        case ShowDigest() | DigestOff() | SetDigest():
            return await answer_digest(request, services, who, slack=slack)
    raise AssertionError(f"unhandled request {type(request).__name__}")  # pragma: no cover


async def _transcript(services: Services, batch_id: str, call_ref: str, page: int) -> Message:
    named = await fetch_calls(services, batch_id, into=lambda: CallsNamed(call_ref))
    found = resolve_call(named.rows.calls, call_ref)
    if isinstance(found, Message):
        return found
    call_id = found.call_id or call_ref
    facts = CallFacts.of(found, call_id)
    try:
        lines = (await services.bland.get_call(call_id)).transcripts
    except BlandNotFoundError:
        if is_v2(batch_id):
            raise  # a v2 batch has no other source of its transcripts
        # Some accounts cannot read v1 batch calls one by one; the batch has them too.
        full = await services.bland.get_batch(
            batch_id, include_calls=True, include_transcripts=True, include_analysis=False
        )
        match = next((c for c in full.call_data if c.call_id == call_id), None)
        lines = match.transcripts if match else []
    return transcript(lines, batch_id=batch_id, call=facts, page=page)


def _slack(slack: AsyncWebClient | None) -> AsyncWebClient:
    if slack is None:
        raise NoSlackError
    return slack


class NoSlackError(UserFacingError):
    """Exports and stops talk to Slack, which a preview has no connection to."""

    default_message = "That needs a connection to Slack, which a preview doesn't have."
