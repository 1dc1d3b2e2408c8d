"""The paged list of a batch's calls, and the picker that leads to a transcript."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.bland.batch_ids import is_batch_id
from bot.bland.models import CallRow
from formatters import action_ids
from formatters.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    header,
    message,
    option,
    section,
)
from formatters.text import (
    ANSWERED_BY_WIDTH,
    BATCH_ID_WIDTH,
    BLAND_MESSAGE_WIDTH,
    CALL_ID_WIDTH,
    PHONE_WIDTH,
    STATUS_WIDTH,
    clip,
    code,
    plural,
    seconds,
)

PAGE_SIZE = 15
PICKER_OPTIONS = 100


def page_count(total: int, page_size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(total / page_size))


def calls_page(
    calls: Sequence[CallRow],
    *,
    batch_id: str,
    label: str | None,
    page: int,
    page_size: int = PAGE_SIZE,
    truncated: bool = False,
) -> Message:
    """One page of calls; pages past the end show the last page. `truncated`: Bland
    listed as many calls as it lists at once, so the batch may have more."""
    page = shown_page(page, len(calls), page_size)
    shown = calls[(page - 1) * page_size : page * page_size]
    return page_of_calls(
        shown,
        total=len(calls),
        batch_id=batch_id,
        label=label,
        page=page,
        page_size=page_size,
        truncated=truncated,
    )


def shown_page(page: int, total: int, page_size: int = PAGE_SIZE) -> int:
    """The page shown when `page` is asked of `total` calls: pages past the end show the last."""
    return min(max(page, 1), page_count(total, page_size))


def page_of_calls(
    shown: Sequence[CallRow],
    *,
    total: int,
    batch_id: str,
    label: str | None,
    page: int,
    page_size: int = PAGE_SIZE,
    truncated: bool = False,
) -> Message:
    """Page `page` (see `shown_page`) of `total` calls, whose calls are `shown`: what
    `calls_page` shows, for a caller that kept only that page of the calls."""
    pages = page_count(total, page_size)
    title = f"Calls · {label}" if label else "Calls"
    if not total:
        text = f"Batch {clip(batch_id, BATCH_ID_WIDTH)} has no calls yet."
        return message(text, [header(title), section(text)])

    first = (page - 1) * page_size + 1
    blocks: list[Block] = [
        header(title),
        context(
            f"{code(batch_id, BATCH_ID_WIDTH)} · calls {first:,}–{first + len(shown) - 1:,} "
            f"of {total:,} · page {page:,} of {pages:,}"
        ),
    ]
    if truncated:
        blocks.append(context(truncated_note(total)))
    blocks.extend(_call(call, batch_id) for call in shown)
    nav: list[Block] = []
    if page > 1:
        nav.append(button("‹ Previous", action_ids.CALLS, f"calls {batch_id} {page - 1}"))
    if page < pages:
        nav.append(button("Next ›", action_ids.CALLS, f"calls {batch_id} {page + 1}"))
    nav.append(button("Summary", action_ids.OPEN, batch_id))
    blocks.append(actions(*nav))
    last = first + len(shown) - 1
    text = f"Calls {first:,}–{last:,} of {total:,} in batch {clip(batch_id, BATCH_ID_WIDTH)}"
    return message(text, blocks)


def _call(call: CallRow, batch_id: str) -> Block:
    call_id = call.call_id or "-"
    facts = [
        clip(call.status or call.queue_status or "unknown", STATUS_WIDTH),
        clip(call.answered or "not recorded", ANSWERED_BY_WIDTH),
        seconds(call.duration_seconds),
    ]
    lines = [
        f"{code(call_id, CALL_ID_WIDTH)} → {code(call.to or '-', PHONE_WIDTH)}",
        " · ".join(facts),
    ]
    if call.error_message:
        lines.append(f":warning: {clip(call.error_message, BLAND_MESSAGE_WIDTH)}")
    text = "\n".join(lines)
    if call.call_id and is_batch_id(call.call_id):
        value = f"transcript {batch_id} {call.call_id}"
        return section(text, accessory=button("Transcript", action_ids.TRANSCRIPT, value))
    return section(text)


def truncated_note(listed: int) -> str:
    return f"Bland lists at most {listed:,} calls at once: this batch may have more."


def readable(call: CallRow) -> bool:
    """Whether the picker may offer the call: its id can be asked for."""
    return bool(call.call_id and is_batch_id(call.call_id))


def reading_order(call: CallRow) -> tuple[bool, float]:
    """The picker's order: answered by a person first, then longest first."""
    return (call.answered != "human", -(call.duration_seconds or 0))


def transcript_picker(calls: Sequence[CallRow], *, batch_id: str, label: str | None) -> Message:
    """A select of the calls most worth reading: answered by a person, longest first."""
    candidates = sorted(filter(readable, calls), key=reading_order)
    return picker_of(
        candidates[:PICKER_OPTIONS], readable=len(candidates), batch_id=batch_id, label=label
    )


def picker_of(
    best: Sequence[CallRow], *, readable: int, batch_id: str, label: str | None
) -> Message:
    """What `transcript_picker` shows, for a caller that kept only the `best` (at most
    PICKER_OPTIONS, in `reading_order`) of `readable` calls the picker may offer."""
    options = [_option(call) for call in best[:PICKER_OPTIONS]]
    title = f"Transcripts · {label}" if label else "Transcripts"
    if not options:
        text = f"Batch {clip(batch_id, BATCH_ID_WIDTH)} has no calls to read yet."
        return message(text, [header(title), section(text)])
    more = readable - len(options)
    note = f" The {plural(more, 'other call')} are in the call list." if more > 0 else ""
    blocks: list[Block] = [
        header(title),
        section(
            f"Pick a call of {code(batch_id, BATCH_ID_WIDTH)} to read its transcript. "
            f"Calls answered by a person come first, longest first.{note}"
        ),
        {
            "type": "actions",
            "block_id": f"{action_ids.PICK_BLOCK_PREFIX}{batch_id}"[:255],
            "elements": [
                {
                    "type": "static_select",
                    "action_id": action_ids.PICK_TRANSCRIPT,
                    "placeholder": {"type": "plain_text", "text": "Choose a call"},
                    "options": options,
                }
            ],
        },
        actions(button("Call list", action_ids.CALLS, f"calls {batch_id} 1")),
    ]
    return message(
        f"Pick a call of batch {clip(batch_id, BATCH_ID_WIDTH)} to read its transcript", blocks
    )


def _option(call: CallRow) -> Block:
    who = call.answered or "no answer recorded"
    label = f"{call.to or 'unknown number'} · {seconds(call.duration_seconds)} · {who}"
    return option(label, call.call_id or "")
