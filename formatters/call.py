"""One call whole, for whoever asked alone: who answered, how it ended, how long it took,
Bland's summary, the recording, the price and the call's variables, then its transcript.

Only what Bland sent is shown: a field it left out (or sent as null) is left out, never
shown as "None". The recording is a link button to an https address checked by
`formatters.links`; anything else Bland sends there is not offered as a link.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.bland.batch_ids import is_batch_id
from bot.bland.models import CallDetail
from formatters import action_ids
from formatters.blocks import (
    TEXT_BUDGET,
    Block,
    Message,
    actions,
    block_text_length,
    button,
    context,
    fields,
    header,
    link_button,
    message,
    section,
)
from formatters.links import https_link
from formatters.text import (
    ANSWERED_BY_WIDTH,
    BATCH_ID_WIDTH,
    BLAND_MESSAGE_WIDTH,
    CALL_ID_WIDTH,
    PHONE_WIDTH,
    STATUS_WIDTH,
    clip,
    code,
    escape,
    seconds,
    slack_date,
    truncate,
)
from formatters.transcript import transcript_pages

SUMMARY_WIDTH = 1500
SHOWN_VARIABLES = 12
VARIABLE_NAME_WIDTH = 40
VARIABLE_WIDTH = 200
VARIABLES_WIDTH = 1500
# Bland's `call_ended_by` values in words; any other is shown as sent.
ENDED_BY = {"ASSISTANT": "the agent", "USER": "the callee"}
# What a page needs beside its facts and transcript: header, context, page note, buttons.
FRAME = 1200
# The least of the transcript the first page shows, however much the facts take.
FIRST_PAGE_MIN = 1500
NO_RECORDING_LINK = (
    "_Bland's recording address for this call isn't an https link, so it isn't offered._"
)


def call_view(
    call: CallDetail, *, call_id: str, batch_id: str | None = None, page: int = 1
) -> Message:
    """Page `page` of the call: its facts and the start of its transcript on the first,
    the rest of the transcript after. `batch_id`, when known, adds the Call list button."""
    facts = _facts(call)
    room = TEXT_BUDGET - FRAME - sum(block_text_length(block) for block in facts)
    pages = transcript_pages(call.transcripts, first_page=max(FIRST_PAGE_MIN, room))
    page = min(max(page, 1), max(len(pages), 1))
    blocks: list[Block] = [header("Call"), context(_where(call, call_id, batch_id))]
    if page == 1:
        blocks.extend(facts)
    if pages:
        blocks.append(section("*Transcript*" if page == 1 else f"*Transcript* (page {page})"))
        blocks.extend(section(text) for text in pages[page - 1])
        if len(pages) > 1:
            blocks.append(context(f"Transcript page {page} of {len(pages)}"))
    else:
        blocks.append(section("_This call has no transcript._"))
    nav = _nav(call_id, batch_id, page, len(pages))
    if nav:
        blocks.append(actions(*nav))
    return message(_text(call, call_id), blocks)


def _where(call: CallDetail, call_id: str, batch_id: str | None) -> str:
    parts = [
        code(call_id, CALL_ID_WIDTH),
        f"to {code(call.to, PHONE_WIDTH)}" if call.to else None,
        slack_date(call.created_at) if call.created_at else None,
        f"batch {code(batch_id, BATCH_ID_WIDTH)}" if batch_id else None,
    ]
    return " · ".join(part for part in parts if part)


def _facts(call: CallDetail) -> list[Block]:
    """What the first page says before the transcript; each only when Bland sent it."""
    items = []
    if call.answered:
        items.append(f"*Answered by*\n{clip(call.answered, ANSWERED_BY_WIDTH)}")
    if _given(call.call_ended_by):
        items.append(f"*Ended by*\n{_ended_by(call.call_ended_by or '')}")
    if call.duration_seconds is not None:
        items.append(f"*Duration*\n{seconds(call.duration_seconds)}")
    if call.price is not None:
        items.append(f"*Price*\n{_price(call.price)}")
    if _given(call.status):
        items.append(f"*Status*\n{clip(call.status, STATUS_WIDTH)}")
    blocks = [fields(*items)] if items else []
    if _given(call.error_message):
        blocks.append(section(f":warning: {clip(call.error_message, BLAND_MESSAGE_WIDTH)}"))
    if _given(call.summary):
        blocks.append(section(f"*Summary*\n{clip(call.summary, SUMMARY_WIDTH)}"))
    variables = _variables(call.variables or {})
    if variables:
        blocks.append(section(f"*Variables*\n{variables}"))
    blocks.extend(_recording(call.recording_url))
    return blocks


def _recording(url: str | None) -> list[Block]:
    if not _given(url):
        return []
    safe = https_link(url)
    if safe is None:
        return [context(NO_RECORDING_LINK)]
    link = link_button("Play recording", action_ids.RECORDING, safe)
    return [section(":studio_microphone: *Recording* (only you see this link)", accessory=link)]


def _variables(variables: Mapping[str, Any]) -> str:
    """`name` value lines, values that say nothing (null, empty) left out."""
    given = [(name, value) for name, value in variables.items() if _shown_value(value)]
    lines = [
        f"{code(name, VARIABLE_NAME_WIDTH)} {_value(value)}"
        for name, value in given[:SHOWN_VARIABLES]
    ]
    if len(given) > SHOWN_VARIABLES:
        lines.append(f"_…and {len(given) - SHOWN_VARIABLES:,} more_")
    return truncate("\n".join(lines), VARIABLES_WIDTH)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return clip(json.dumps(value, ensure_ascii=False, default=str), VARIABLE_WIDTH)
    return clip(" ".join(str(value).split()), VARIABLE_WIDTH)


def _shown_value(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | dict | list):
        return bool(value) and not (isinstance(value, str) and value.isspace())
    return True


def _ended_by(value: str) -> str:
    return ENDED_BY.get(value.strip().upper()) or clip(value, STATUS_WIDTH)


def _price(value: float) -> str:
    """Dollars: cents when that is exact, else up to four decimals (`$0.0125`)."""
    if round(value, 2) == value:
        return f"${value:,.2f}"
    return "$" + f"{value:,.4f}".rstrip("0")


def _given(value: str | None) -> bool:
    return value is not None and bool(value.strip())


def _nav(call_id: str, batch_id: str | None, page: int, pages: int) -> list[Block]:
    nav: list[Block] = []
    # Buttons carry command text; an id that would not parse back gets none.
    if is_batch_id(call_id):
        base = f"call {batch_id} {call_id}" if batch_id else f"call {call_id}"
        if page > 1:
            nav.append(button("‹ Earlier", action_ids.CALL, f"{base} {page - 1}"))
        if page < pages:
            nav.append(button("Later ›", action_ids.CALL, f"{base} {page + 1}"))
    if batch_id:
        nav.append(button("Call list", action_ids.CALLS, f"calls {batch_id} 1"))
    return nav


def _text(call: CallDetail, call_id: str) -> str:
    """The fallback text: who answered and for how long, never the recording."""
    parts = [f"Call {clip(call_id, CALL_ID_WIDTH)}"]
    if call.answered:
        parts.append(f"answered by {escape(call.answered)}")
    if call.duration_seconds is not None:
        parts.append(seconds(call.duration_seconds))
    return ", ".join(parts)
