"""The message a watching channel gets once, when a watched batch stops being in progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.bland.models import COMPLETED, AnyBatch
from bot.bland.stats import BatchStats, batch_stats
from formatters import action_ids
from formatters.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    fields,
    header,
    message,
    section,
)
from formatters.breakdown import error_list, ranked_counts
from formatters.text import (
    LABEL_WIDTH,
    LEAD_LABEL_WIDTH,
    STATUS_WIDTH,
    batch_name,
    batch_name_text,
    clip,
    count,
    mentions,
    plain,
    seconds,
    slack_date,
)

SHOWN_ERRORS = 3
SHOWN_COUNTS = 8


def completion_alert(
    detail: AnyBatch,
    *,
    batch_id: str,
    mention_user_ids: Sequence[str],
    label: str | None = None,
) -> Message:
    """Final totals, breakdowns, run time and first errors, with a Details button.

    `label` (the watch's own name for the batch) wins over Bland's label.
    """
    stats = batch_stats(detail)
    status = detail.status or "unknown"
    name = label or detail.batch_params.label or "Untitled batch"
    finished_ok = status == COMPLETED
    emoji = ":white_check_mark:" if finished_ok else ":warning:"
    verb = clip("finished" if finished_ok else f"ended: {status}", 60)
    mentioned = mentions(mention_user_ids)

    lead = f"{emoji} Batch {batch_name(batch_id, name, label_width=LEAD_LABEL_WIDTH)} {verb}."
    if mentioned:
        lead += f"\n{mentioned}, you asked to hear when it was done."
    blocks: list[Block] = [
        header(f"{'✅' if finished_ok else '⚠️'} {plain(name, LABEL_WIDTH)}"),
        section(lead),
        fields(
            f"*Status*\n{clip(status, STATUS_WIDTH)}",
            f"*Calls*\n{count(stats.total)}",
            f"*Completed*\n{count(stats.completed)}",
            f"*Errored*\n{count(stats.errored)}",
            f"*Ran for*\n{seconds(stats.run_seconds)}",
            f"*Average call*\n{seconds(stats.average_seconds)}",
        ),
    ]
    breakdown = _breakdowns(stats)
    if breakdown is not None:
        blocks.append(breakdown)
    if stats.errors:
        title = f"*First errors* ({len(stats.errors):,} in all)"
        blocks.append(section(error_list(stats.errors, title=title, shown=SHOWN_ERRORS)))
    blocks.append(
        context(
            f"Started {slack_date(stats.started_at)}",
            f"Last call ended {slack_date(stats.finished_at)}",
        )
    )
    blocks.append(actions(button("Details", action_ids.OPEN, batch_id, style="primary")))

    text = (
        f"Batch {batch_name_text(batch_id, name, label_width=LEAD_LABEL_WIDTH)} {verb}: "
        f"{count(stats.completed)} of {count(stats.total)} calls completed, "
        f"{count(stats.errored)} errored."
    )
    if mentioned:
        text += f" {mentioned}"
    return message(text, blocks)


def _breakdowns(stats: BatchStats) -> Block | None:
    parts = []
    if stats.queue_statuses:
        parts.append("*Queue statuses*\n" + _ranked(stats.queue_statuses))
    if stats.answered_by:
        parts.append("*Answered by*\n" + _ranked(stats.answered_by))
    return fields(*parts) if parts else None


def _ranked(counts: Mapping[str, int]) -> str:
    return ranked_counts(counts, shown=SHOWN_COUNTS, separator="\n", pattern="{name}: *{value}*")
