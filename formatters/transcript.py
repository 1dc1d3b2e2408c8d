"""A call's dialogue in order, with speaker labels and times, paged to fit Slack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.bland.models import CallRow, TranscriptLine
from bot.bland.times import parse_time
from formatters import action_ids
from formatters.blocks import Block, Message, actions, button, context, header, message, section
from formatters.text import (
    ANSWERED_BY_WIDTH,
    CALL_ID_WIDTH,
    PHONE_WIDTH,
    clip,
    code,
    escape,
    seconds,
    slack_date,
    truncate,
)

SPEAKERS = {
    "assistant": ":robot_face: *Agent*",
    "user": ":bust_in_silhouette: *Callee*",
    "agent-action": ":gear: _System action_",
}
LINE_LIMIT = 1500
SECTION_BUDGET = 2800
PAGE_BUDGET = 8000


@dataclass(frozen=True)
class CallFacts:
    """What the transcript header says about the call."""

    call_id: str
    to: str | None = None
    started_at: str | None = None
    answered_by: str | None = None
    duration_seconds: float | None = None

    @classmethod
    def of(cls, call: CallRow, call_id: str) -> CallFacts:
        """The header facts of `call`, shown under `call_id` (its own may be missing)."""
        return cls(
            call_id=call_id,
            to=call.to,
            started_at=call.created_at,
            answered_by=call.answered,
            duration_seconds=call.duration_seconds,
        )


def transcript_pages(
    lines: Sequence[TranscriptLine], *, first_page: int = PAGE_BUDGET
) -> list[list[str]]:
    """Render each line once and pack them into pages of sections within Slack's limits.

    `first_page`: the characters the first page may hold, when it shares its message
    with more than the transcript (a call's facts)."""
    ordered = _ordered(lines)
    start = next((when for when, _ in ordered if when), None)
    rendered = [_line(line, when, start) for when, line in ordered]
    pages: list[list[str]] = []
    sections: list[str] = []
    current = ""
    used = 0
    for text in rendered:
        budget = PAGE_BUDGET if pages else min(first_page, PAGE_BUDGET)
        if used + len(text) > budget and (sections or current):
            pages.append([*sections, current] if current else sections)
            sections, current, used = [], "", 0
        if current and len(current) + 1 + len(text) > SECTION_BUDGET:
            sections.append(current)
            current = ""
        current = f"{current}\n{text}" if current else text
        used += len(text) + 1
    if current or sections:
        pages.append([*sections, current] if current else sections)
    return pages


def transcript(
    lines: Sequence[TranscriptLine], *, batch_id: str, call: CallFacts, page: int = 1
) -> Message:
    """One page of the transcript of `call`."""
    pages = transcript_pages(lines)
    facts = [
        code(call.call_id, CALL_ID_WIDTH),
        f"to {code(call.to, PHONE_WIDTH)}" if call.to else None,
        slack_date(call.started_at) if call.started_at else None,
        clip(call.answered_by, ANSWERED_BY_WIDTH) if call.answered_by else None,
        seconds(call.duration_seconds) if call.duration_seconds is not None else None,
    ]
    blocks: list[Block] = [header("Transcript"), context(" · ".join(f for f in facts if f))]
    if not pages:
        blocks.append(section("_This call has no transcript._"))
        blocks.append(actions(button("Call list", action_ids.CALLS, f"calls {batch_id} 1")))
        return message(f"Call {clip(call.call_id, CALL_ID_WIDTH)} has no transcript", blocks)

    page = min(max(page, 1), len(pages))
    blocks.extend(section(text) for text in pages[page - 1])
    nav: list[Block] = []
    base = f"transcript {batch_id} {call.call_id}"
    if page > 1:
        nav.append(button("‹ Earlier", action_ids.TRANSCRIPT, f"{base} {page - 1}"))
    if page < len(pages):
        nav.append(button("Later ›", action_ids.TRANSCRIPT, f"{base} {page + 1}"))
    nav.append(button("Call list", action_ids.CALLS, f"calls {batch_id} 1"))
    if len(pages) > 1:
        blocks.append(context(f"Page {page} of {len(pages)}"))
    blocks.append(actions(*nav))
    text = f"Transcript of call {clip(call.call_id, CALL_ID_WIDTH)} ({len(lines)} lines)"
    return message(text, blocks)


def _ordered(lines: Sequence[TranscriptLine]) -> list[tuple[datetime | None, TranscriptLine]]:
    """Lines by time (each time parsed once), keeping Bland's order for ties and unknowns."""
    timed = [(parse_time(line.created_at), index, line) for index, line in enumerate(lines)]
    timed.sort(key=lambda item: (item[0].timestamp() if item[0] else float("inf"), item[1]))
    return [(when, line) for when, _, line in timed]


def _line(line: TranscriptLine, when: datetime | None, start: datetime | None) -> str:
    speaker = SPEAKERS.get(line.user or "", f"*{clip(line.user or 'Unknown', 30)}*")
    offset = ""
    if when is not None and start is not None:
        delta = max(0, int((when - start).total_seconds()))
        offset = f"`{delta // 60}:{delta % 60:02d}` "
    text = " ".join((line.text or "").split()) or "…"
    body = truncate(escape(text), LINE_LIMIT)
    if line.user == "agent-action":
        body = f"_{body}_"
    return f"{offset}{speaker}  {body}"
