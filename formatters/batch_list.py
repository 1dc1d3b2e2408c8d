"""The `/batches` message: one line per batch, newest first, with paging."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.bland.batch_ids import is_batch_id
from bot.bland.models import BatchSummary
from formatters import action_ids
from formatters.blocks import Message, actions, button, context, header, message, section
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


def batch_list(
    batches: Sequence[BatchSummary],
    *,
    statuses: Mapping[str, str | None] | None = None,
    campaign_id: str | None = None,
    ascending: bool = False,
    start: int = 0,
    has_more: bool = False,
    next_page: str | None = None,
) -> Message:
    """Render a page of batches; `next_page` is the `/batches` text of the next page."""
    scope = f" in campaign {code(campaign_id, CAMPAIGN_ID_WIDTH)}" if campaign_id else ""
    order = "oldest first" if ascending else "newest first"
    if not batches:
        text = f"No batches found{scope}."
        return message(text, [section(f":mailbox_with_no_mail: {text}")])

    first, last = start + 1, start + len(batches)
    more = " · more available" if has_more else ""
    summary = f"Showing {first:,}–{last:,}{scope}, {order}{more}"
    blocks = [header("Bland batches"), context(summary)]
    for batch in batches:
        status = (statuses or {}).get(batch.batch_id or "") if statuses is not None else None
        blocks.append(_entry(batch, status, known=statuses is not None))
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


def _entry(batch: BatchSummary, status: str | None, *, known: bool) -> dict[str, object]:
    label = clip(batch.label, LABEL_WIDTH) if batch.label else "_Untitled batch_"
    details = [
        code(batch.batch_id or "-", BATCH_ID_WIDTH),
        f"created {slack_date(batch.created_at)}",
    ]
    if known:
        details.insert(0, batch_status(status) if status else ":grey_question: status unknown")
    if batch.campaign_id:
        details.append(f"campaign {code(batch.campaign_id, CAMPAIGN_ID_WIDTH)}")
    text = f"*{label}*\n" + " · ".join(details)
    if not batch.batch_id or not is_batch_id(batch.batch_id):
        return section(text)
    return section(text, accessory=button("Open", action_ids.OPEN, batch.batch_id))
