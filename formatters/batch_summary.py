"""The `/batch <id>` summary: status, totals, lengths, answers and errors at a glance.

One formatter for either API, through the batch's view: what only a v1 batch has (its
campaign, endpoint and analysis) and what only a v2 batch has (its lifecycle, see
`formatters.lifecycle`) are shown where they exist.
"""

from __future__ import annotations

from typing import Any

from bot.bland.batch_ids import BatchApi
from bot.bland.stats import BatchStats
from bot.bland.view import BatchView
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
from formatters.calls import outcome_buttons
from formatters.charts import histogram
from formatters.lifecycle import lifecycle_blocks, task_blocks, v2_facts
from formatters.status import status_in_words, view_status
from formatters.stop import remaining_calls, stop_button
from formatters.text import (
    BATCH_ID_WIDTH,
    CAMPAIGN_ID_WIDTH,
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


def batch_summary(view: BatchView, *, batch_id: str, watching: bool | None = None) -> Message:
    """Render the summary; `watching` adds a Watch/Unwatch button when known."""
    stats = view.stats
    label = view.label or "Untitled batch"
    shown_id = view.batch_id or batch_id

    blocks: list[Block] = [
        header(label),
        fields(
            f"*Status*\n{view_status(view)}",
            f"*Batch*\n{code(shown_id, BATCH_ID_WIDTH)}",
            f"*Created*\n{slack_date(view.created)}",
            *_origin(view),
        ),
    ]
    blocks.extend([_totals(stats)] if stats is not None else lifecycle_blocks(view))
    blocks.extend(task_blocks(view))
    if view.base_prompt:
        blocks.append(section("*Base prompt*\n" + code_block(view.base_prompt, PROMPT_LIMIT)))
    call_params = _call_params(view.call_params)
    if call_params:
        blocks.append(context(f"*Call params:* {call_params}"))
    if stats is not None:
        blocks.extend(_analysis(stats, batch_id))
    blocks.append(_buttons(batch_id, view, watching))

    text = f"Batch {batch_name_text(shown_id, label, label_width=100)}: {status_in_words(view)}"
    if view.completed is not None or view.total is not None:
        text += f", {count(view.completed)} of {count(view.total)} calls completed"
    return message(text, blocks)


def _origin(view: BatchView) -> list[str]:
    """Where the batch's calls come from: only v1 has campaigns and endpoints."""
    if view.api == BatchApi.V1:
        campaign = code(view.campaign_id, CAMPAIGN_ID_WIDTH) if view.campaign_id else "-"
        endpoint = clip(view.endpoint, 80) if view.endpoint else "-"
        return [f"*Campaign*\n{campaign}", f"*Endpoint*\n{endpoint}"]
    return v2_facts(view)


def _analysis(stats: BatchStats, batch_id: str) -> list[Block]:
    """v1's analysis: call lengths, queue statuses, who answered (with a button for each
    kind of call there were, to list them), the first errors."""
    blocks = _lengths(stats)
    if stats.queue_statuses:
        blocks.append(section("*Queue statuses*\n" + ranked_counts(stats.queue_statuses)))
    if stats.answered_by:
        blocks.append(section("*Answered by*\n" + ranked_counts(stats.answered_by)))
    kinds = outcome_buttons(batch_id, stats.outcomes)
    if kinds:
        blocks.append(actions(*kinds))
    if stats.errors:
        blocks.append(
            section(
                error_list(
                    stats.errors, title=f"*Errors* ({len(stats.errors):,})", shown=SHOWN_ERRORS
                )
            )
        )
    return blocks


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


def _buttons(batch_id: str, view: BatchView, watching: bool | None) -> Block:
    elements = [
        button("Refresh", action_ids.REFRESH, batch_id),
        button("Calls", action_ids.CALLS, f"calls {batch_id} 1"),
        button("Transcripts", action_ids.TRANSCRIPTS, f"transcript {batch_id}"),
        button("Export CSV", action_ids.EXPORT, f"export {batch_id}"),
    ]
    if watching is True:
        elements.append(button("Unwatch", action_ids.UNWATCH, f"unwatch {batch_id}"))
    elif watching is False and view.running:
        elements.append(button("Watch", action_ids.WATCH, f"watch {batch_id}", style="primary"))
    if view.running:
        elements.append(stop_button(batch_id, view.label, remaining_calls(view)))
    return actions(*elements)
