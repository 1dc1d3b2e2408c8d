"""The digest a channel gets each day or week: the period's batches, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.bland.batch_ids import is_batch_id
from bot.digests.collect import DigestBatch, DigestReport
from bot.digests.schedule import Cadence, DigestSchedule, zone
from formatters import action_ids
from formatters.blocks import (
    MAX_BLOCKS,
    TEXT_BUDGET,
    Block,
    Message,
    block_text_length,
    button,
    context,
    header,
    message,
    section,
)
from formatters.status import batch_status
from formatters.text import (
    BATCH_ID_WIDTH,
    LABEL_WIDTH,
    clip,
    code,
    count,
    plural,
    slack_date,
    success_rate,
)

# A batch's top error is shown this long; the whole list is for skimming.
TOP_ERROR_WIDTH = 120
# Room kept (blocks, characters) for the "and N more" line after the batches.
_RESERVE_BLOCKS = 1
_RESERVE_TEXT = 200


@dataclass(frozen=True)
class Lateness:
    """Why a digest goes out after its time: the bot was offline at `run` (or Bland could
    not be reached then: `bland_down`), and `missed` earlier digests were never sent."""

    run: datetime
    missed: int = 0
    bland_down: bool = False


def _period(schedule: DigestSchedule) -> str:
    return "the last 7 days" if schedule.cadence == Cadence.WEEKLY else "the last 24 hours"


def _local(run: datetime, schedule: DigestSchedule) -> str:
    return f"{run.astimezone(zone(schedule.tz)):%H:%M} ({clip(schedule.tz, 40)})"


def late_note(late: Lateness, schedule: DigestSchedule) -> str:
    why = "Bland could not be reached" if late.bland_down else "the bot was offline"
    text = f":hourglass: Late: {why} at {_local(late.run, schedule)}."
    if late.missed:
        text += f" {plural(late.missed, 'earlier digest was', 'earlier digests were')} not sent."
    return text


def digest_message(
    report: DigestReport, schedule: DigestSchedule, *, late: Lateness | None = None
) -> Message:
    """One message: a line per batch within Slack's limits, the rest as "and N more"."""
    title = "Weekly digest" if schedule.cadence == Cadence.WEEKLY else "Daily digest"
    found = plural(len(report.batches), "batch", "batches")
    text = f"{title}: {found} created or finished in {_period(schedule)}"
    notes = [
        f"Batches created or finished from {slack_date(report.start.isoformat())} "
        f"to {slack_date(report.end.isoformat())} · {found}, newest first"
    ]
    if late is not None:
        notes.insert(0, late_note(late, schedule))
    notes += [f":warning: {clip(problem, 200)}" for problem in report.problems]
    blocks: list[Block] = [header(title), context(*notes)]
    if not report.batches:
        blocks.append(section(f"No batches were created or finished in {_period(schedule)}."))
        return message(text, blocks)
    used = sum(block_text_length(b) for b in blocks)
    shown = 0
    for batch in report.batches:
        entry = _entry(batch)
        size = block_text_length(entry)
        if len(blocks) + 1 + _RESERVE_BLOCKS > MAX_BLOCKS or used + size > (
            TEXT_BUDGET - _RESERVE_TEXT
        ):
            break
        blocks.append(entry)
        used += size
        shown += 1
    rest = len(report.batches) - shown
    if rest:
        blocks.append(context(f"…and {rest:,} more. `/batches` lists them all."))
    return message(text, blocks)


def _entry(batch: DigestBatch) -> Block:
    label = clip(batch.label, LABEL_WIDTH) if batch.label else "_Untitled batch_"
    head = f"*{label}* {code(batch.batch_id, BATCH_ID_WIDTH)}"
    if not batch.detailed:
        facts = [":grey_question: details not available", f"created {slack_date(batch.created)}"]
        return _with_button(f"{head}\n" + " · ".join(facts), batch.batch_id)
    figures = [batch_status(batch.status), f"{count(batch.calls)} calls"]
    if batch.answered:
        figures.append(f"{success_rate(batch.human, batch.answered)} answered by a person")
    if batch.completed:
        figures.append(f"{success_rate(batch.errored, batch.completed)} errors")
    when = [f"created {slack_date(batch.created)}"]
    if batch.finished:
        when.append(f"finished {slack_date(batch.finished)}")
    lines = [head, " · ".join(figures), " · ".join(when)]
    if batch.top_error:
        calls = f" ({plural(batch.top_error_calls, 'call')})" if batch.top_error_calls else ""
        lines.append(f"Top error: {clip(batch.top_error, TOP_ERROR_WIDTH)}{calls}")
    return _with_button("\n".join(lines), batch.batch_id)


def _with_button(text: str, batch_id: str) -> Block:
    if is_batch_id(batch_id):
        return section(text, accessory=button("Open", action_ids.OPEN, batch_id))
    return section(text)
