"""The `/batch <id>` summary: status, totals, lengths, answers and errors at a glance."""

from __future__ import annotations

from typing import Any

from bot.bland.models import AnyBatch
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
from formatters.charts import histogram
from formatters.status import batch_status
from formatters.stop import stop_button
from formatters.text import (
    BATCH_ID_WIDTH,
    CAMPAIGN_ID_WIDTH,
    STATUS_WIDTH,
    batch_name_text,
    clip,
    code,
    code_block,
    count,
    seconds,
    slack_date,
)

PROMPT_LIMIT = 600
SHOWN_ERRORS = 3
SHOWN_PARAMS = 8


def batch_summary(detail: AnyBatch, *, batch_id: str, watching: bool | None = None) -> Message:
    """Render the summary; `watching` adds a Watch/Unwatch button when known."""
    params = detail.batch_params
    stats = batch_stats(detail)
    label = params.label or "Untitled batch"
    shown_id = params.id or batch_id
    campaign = code(params.campaign_id, CAMPAIGN_ID_WIDTH) if params.campaign_id else "-"

    blocks: list[Block] = [
        header(label),
        fields(
            f"*Status*\n{batch_status(detail.status)}",
            f"*Batch*\n{code(shown_id, BATCH_ID_WIDTH)}",
            f"*Created*\n{slack_date(params.created_at)}",
            f"*Campaign*\n{campaign}",
            f"*Endpoint*\n{clip(params.endpoint_code, 80) if params.endpoint_code else '-'}",
        ),
        _totals(stats),
    ]
    if params.base_prompt:
        blocks.append(section("*Base prompt*\n" + code_block(params.base_prompt, PROMPT_LIMIT)))
    call_params = _call_params(params.call_params)
    if call_params:
        blocks.append(context(f"*Call params:* {call_params}"))
    blocks.extend(_lengths(stats))
    if stats.queue_statuses:
        blocks.append(section("*Queue statuses*\n" + ranked_counts(stats.queue_statuses)))
    if stats.answered_by:
        blocks.append(section("*Answered by*\n" + ranked_counts(stats.answered_by)))
    if stats.errors:
        blocks.append(
            section(
                error_list(
                    stats.errors, title=f"*Errors* ({len(stats.errors):,})", shown=SHOWN_ERRORS
                )
            )
        )
    blocks.append(_buttons(batch_id, detail, stats, watching))

    status_word = (
        "in progress" if detail.in_progress else clip(detail.status or "unknown", STATUS_WIDTH)
    )
    text = (
        f"Batch {batch_name_text(shown_id, label, label_width=100)}: {status_word}, "
        f"{count(stats.completed)} of {count(stats.total)} calls completed"
    )
    return message(text, blocks)


def _totals(stats: BatchStats) -> Block:
    return fields(
        f"*Total calls*\n{count(stats.total)}",
        f"*Completed*\n{count(stats.completed)}",
        f"*In progress*\n{count(stats.in_progress)}",
        f"*Errored*\n{count(stats.errored)}",
    )


def _lengths(stats: BatchStats) -> list[Block]:
    blocks: list[Block] = []
    if stats.average_seconds is not None or stats.average_nonzero_seconds is not None:
        blocks.append(
            section(
                f"*Average length* {seconds(stats.average_seconds)}"
                f"  ·  *non-zero average* {seconds(stats.average_nonzero_seconds)}"
            )
        )
    chart = histogram({f"{k}s": v for k, v in stats.length_buckets.items()})
    if chart:
        blocks.append(section("*Call lengths (seconds)*\n" + code_block(chart, 2000)))
    return blocks


def _call_params(call_params: Any) -> str:
    if not isinstance(call_params, dict):
        return ""
    parts = []
    for key, value in list(call_params.items())[:SHOWN_PARAMS]:
        if isinstance(value, dict | list):
            continue
        parts.append(f"{clip(key, 40)} {code(value, 60)}")
    return " · ".join(parts)


def _buttons(batch_id: str, detail: AnyBatch, stats: BatchStats, watching: bool | None) -> Block:
    elements = [
        button("Refresh", action_ids.REFRESH, batch_id),
        button("Calls", action_ids.CALLS, f"calls {batch_id} 1"),
        button("Transcripts", action_ids.TRANSCRIPTS, f"transcript {batch_id}"),
        button("Export CSV", action_ids.EXPORT, f"export {batch_id}"),
    ]
    if watching is True:
        elements.append(button("Unwatch", action_ids.UNWATCH, f"unwatch {batch_id}"))
    elif watching is False and detail.in_progress:
        elements.append(button("Watch", action_ids.WATCH, f"watch {batch_id}", style="primary"))
    if detail.in_progress:
        elements.append(stop_button(batch_id, detail.batch_params.label, stats.remaining))
    return actions(*elements)
