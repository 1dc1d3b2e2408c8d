"""The `/batches` message: one line per batch of either API, newest first, with paging."""

from __future__ import annotations

from collections.abc import Sequence

from bot.bland.batch_ids import is_batch_id
from bot.bland.view import BatchView
from formatters import action_ids
from formatters.blocks import Block, Message, actions, button, context, header, message, section
from formatters.status import batch_status
from formatters.text import (
    BATCH_ID_WIDTH,
    CAMPAIGN_ID_WIDTH,
    LABEL_WIDTH,
    clip,
    code,
    plural,
    slack_date,
)

# Why a list holds no v2 batches, when it could have: said under the list's heading.
NO_V2_CAMPAIGNS = "v2 batches have no campaigns, so only v1 batches are listed."
V1_PAGING = (
    "`from:`, `to:` and `asc` page Bland's v1 list only, so v2 batches are left out. "
    "Without them, both are listed."
)


def v2_unavailable(problem: str) -> str:
    """The note when the v2 list failed: `problem` is an error's own (safe) words."""
    return f":warning: v2 batches could not be listed: {problem}"


def batch_list(
    batches: Sequence[BatchView],
    *,
    show_status: bool = True,
    campaign_id: str | None = None,
    ascending: bool = False,
    start: int = 0,
    has_more: bool = False,
    next_page: str | None = None,
    notes: Sequence[str] = (),
) -> Message:
    """Render a page of batches; `next_page` is the `/batches` text of the next page,
    `notes` (mrkdwn made by this module) say what the list leaves out and why."""
    scope = f" in campaign {code(campaign_id, CAMPAIGN_ID_WIDTH)}" if campaign_id else ""
    order = "oldest first" if ascending else "newest first"
    if not batches:
        text = f"No batches found{scope}."
        return message(text, [section(f":mailbox_with_no_mail: {text}"), *_notes(notes)])

    first, last = start + 1, start + len(batches)
    more = " · more available" if has_more else ""
    summary = f"Showing {first:,}–{last:,}{scope}, {order}{more}"
    blocks = [header("Bland batches"), context(summary), *_notes(notes)]
    for batch in batches:
        blocks.append(_entry(batch, show_status=show_status))
    if has_more and next_page:
        blocks.append(
            context(
                "There are more batches. Page on, or narrow with `campaign:&lt;id&gt;`, "
                "`from:&lt;i&gt;`, `to:&lt;j&gt;` or `limit:&lt;n&gt;`."
            )
        )
        blocks.append(actions(button("Next page ›", action_ids.BATCHES_PAGE, next_page)))
    text = f"{plural(len(batches), 'batch', 'batches')}{scope}, {order}{more}"
    return message(text, blocks)


def _notes(notes: Sequence[str]) -> list[Block]:
    return [context(*notes)] if notes else []


def _entry(batch: BatchView, *, show_status: bool) -> Block:
    label = clip(batch.label, LABEL_WIDTH) if batch.label else "_Untitled batch_"
    details = [
        code(batch.batch_id or "-", BATCH_ID_WIDTH),
        f"created {slack_date(batch.created)}",
    ]
    if show_status:
        status = batch.status
        details.insert(0, batch_status(status) if status else ":grey_question: status unknown")
    if batch.campaign_id:
        details.append(f"campaign {code(batch.campaign_id, CAMPAIGN_ID_WIDTH)}")
    text = f"*{label}*\n" + " · ".join(details)
    if not batch.batch_id or not is_batch_id(batch.batch_id):
        return section(text)
    return section(text, accessory=button("Open", action_ids.OPEN, batch.batch_id))
