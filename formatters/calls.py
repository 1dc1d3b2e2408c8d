"""The paged list of a batch's calls, and the picker that leads to a transcript."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from bot.bland.batch_ids import is_batch_id
from bot.bland.call_outcomes import Outcome
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

# Each outcome as a page title, as words after "calls", and on a summary's button.
OUTCOME_TITLES = {
    Outcome.HUMAN: "Answered by a person",
    Outcome.VOICEMAIL: "Voicemail",
    Outcome.NO_ANSWER: "No answer",
    Outcome.ERRORS: "Calls with errors",
    Outcome.LONG: "Long calls, longest first",
}
OUTCOME_PHRASES = {
    Outcome.HUMAN: "answered by a person",
    Outcome.VOICEMAIL: "answered by voicemail",
    Outcome.NO_ANSWER: "that went unanswered",
    Outcome.ERRORS: "with an error",
    Outcome.LONG: "lasting a minute or more, longest first",
}
OUTCOME_BUTTONS = {
    Outcome.HUMAN: "Person",
    Outcome.VOICEMAIL: "Voicemail",
    Outcome.NO_ANSWER: "No answer",
    Outcome.ERRORS: "Errors",
    Outcome.LONG: "Long (1 min+)",
}


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
    outcome: Outcome | None = None,
) -> Message:
    """One page of calls; pages past the end show the last page. `truncated`: Bland
    listed as many calls as it lists at once, so the batch may have more. `outcome`:
    `calls` are only those that ended this way (the paging buttons keep to them)."""
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
        outcome=outcome,
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
    outcome: Outcome | None = None,
) -> Message:
    """Page `page` (see `shown_page`) of `total` calls, whose calls are `shown`: what
    `calls_page` shows, for a caller that kept only that page of the calls."""
    pages = page_count(total, page_size)
    kind = OUTCOME_TITLES[outcome] if outcome else "Calls"
    title = f"{kind} · {label}" if label else kind
    phrase = f" {OUTCOME_PHRASES[outcome]}" if outcome else ""
    if not total:
        text = f"Batch {clip(batch_id, BATCH_ID_WIDTH)} has no calls{phrase or ' yet'}."
        blocks: list[Block] = [header(title), section(text)]
        if outcome:
            blocks.append(actions(*_filtered_nav(batch_id)))
        return message(text, blocks)

    first = (page - 1) * page_size + 1
    blocks = [
        header(title),
        context(
            f"{code(batch_id, BATCH_ID_WIDTH)} · calls {first:,}–{first + len(shown) - 1:,} "
            f"of {total:,}{phrase} · page {page:,} of {pages:,}"
        ),
    ]
    if truncated:
        blocks.append(context(truncated_note(total)))
    blocks.extend(_call(call, batch_id) for call in shown)
    listed = f"calls {batch_id} {outcome} " if outcome else f"calls {batch_id} "
    nav: list[Block] = []
    if page > 1:
        nav.append(button("‹ Previous", action_ids.CALLS, f"{listed}{page - 1}"))
    if page < pages:
        nav.append(button("Next ›", action_ids.CALLS, f"{listed}{page + 1}"))
    nav.extend(_filtered_nav(batch_id) if outcome else [_summary(batch_id)])
    blocks.append(actions(*nav))
    last = first + len(shown) - 1
    text = (
        f"Calls {first:,}–{last:,} of {total:,}{phrase} in batch {clip(batch_id, BATCH_ID_WIDTH)}"
    )
    return message(text, blocks)


def outcome_buttons(batch_id: str, counts: Mapping[Outcome, int]) -> list[Block]:
    """A button per outcome some calls had, opening the list of those calls."""
    return [
        button(
            f"{OUTCOME_BUTTONS[outcome]} · {counts[outcome]:,}",
            action_ids.CALLS,
            f"calls {batch_id} {outcome} 1",
        )
        for outcome in Outcome
        if counts.get(outcome, 0) > 0
    ]


def _filtered_nav(batch_id: str) -> list[Block]:
    return [button("All calls", action_ids.CALLS, f"calls {batch_id} 1"), _summary(batch_id)]


def _summary(batch_id: str) -> Block:
    return button("Summary", action_ids.OPEN, batch_id)


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
        value = f"call {batch_id} {call.call_id}"
        return section(text, accessory=button("Open call", action_ids.CALL, value))
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
