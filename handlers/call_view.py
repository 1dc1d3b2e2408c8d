"""`/batch call` and the **Open call** button: one call whole, asked of Bland by its id,
or found in its batch by the first characters of its id."""

from __future__ import annotations

from bot.bland.batch_ids import is_batch_id
from bot.bland.errors import BlandNotFoundError
from bot.bland.models import CallDetail, CallRow
from bot.services import Services
from formatters.blocks import Message
from formatters.call import call_view
from handlers.call_folds import CallsNamed
from handlers.commands_parser import ShowCall
from handlers.fetching import fetch_calls, is_v2, resolve_call

# What a batch's call list says of a call that the call's own answer may leave out.
_LISTED_FIELDS = (
    "to",
    "created_at",
    "answered_by",
    "corrected_duration",
    "call_length",
    "error_message",
    "status",
    "queue_status",
    "end_at",
    "completed",
)


async def show_call(services: Services, request: ShowCall) -> Message:
    """The call as `formatters.call` shows it, page `request.page` of its transcript."""
    if request.batch_id is None:
        detail = await services.bland.get_call(request.call_ref)
        # Bland names the call's batch: the Call list button leads there, if it is an id.
        batch_id = detail.batch_id if detail.batch_id and is_batch_id(detail.batch_id) else None
        call_id = request.call_ref
        return call_view(detail, call_id=call_id, batch_id=batch_id, page=request.page)
    batch_id = request.batch_id
    named = await fetch_calls(services, batch_id, into=lambda: CallsNamed(request.call_ref))
    found = resolve_call(named.rows.calls, request.call_ref)
    if isinstance(found, Message):
        return found
    call_id = found.call_id or request.call_ref
    try:
        detail = await services.bland.get_call(call_id)
    except BlandNotFoundError:
        if is_v2(batch_id):
            raise  # a v2 batch's calls are read one by one or not at all
        detail = await _from_batch(services, batch_id, found)
    return call_view(
        _with_listed(detail, found), call_id=call_id, batch_id=batch_id, page=request.page
    )


async def _from_batch(services: Services, batch_id: str, listed: CallRow) -> CallDetail:
    """The call as its v1 batch has it, transcript included: some accounts cannot read a
    batch's calls one by one. The batch has no summary, recording or price."""
    full = await services.bland.get_batch(
        batch_id, include_calls=True, include_transcripts=True, include_analysis=False
    )
    match = next((c for c in full.call_data if c.call_id == listed.call_id), listed)
    return CallDetail.lenient(match.model_dump(by_alias=True))


def _with_listed(detail: CallDetail, listed: CallRow) -> CallDetail:
    """`detail`, with what only the batch's list said of the call filled in."""
    missing = {
        name: getattr(listed, name)
        for name in _LISTED_FIELDS
        if getattr(detail, name) is None and getattr(listed, name) is not None
    }
    return detail.model_copy(update=missing) if missing else detail
