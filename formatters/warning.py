"""The early warning a channel gets once, while a batch runs, when too many calls error."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.bland.stats import BatchStats
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
from formatters.breakdown import ranked_counts
from formatters.stop import stop_button
from formatters.text import (
    BLAND_MESSAGE_WIDTH,
    LEAD_LABEL_WIDTH,
    batch_name,
    batch_name_text,
    count,
    mentions,
    plain,
)

SHOWN_ERRORS = 3


def error_warning(
    stats: BatchStats,
    *,
    batch_id: str,
    label: str | None,
    percent: float,
    threshold: float,
    mention_user_ids: Sequence[str] = (),
) -> Message:
    """`percent` of finished calls errored, above `threshold`: the top errors and a Stop button.

    The share is of calls finished so far (errored / completed), not of all calls: early
    in a batch, most calls have not been placed, and a share of the total would only
    pass the threshold when it is too late to act.
    """
    name = label or "Untitled batch"
    mentioned = mentions(mention_user_ids)
    lead = (
        f":rotating_light: Batch {batch_name(batch_id, name, label_width=LEAD_LABEL_WIDTH)} "
        "is still running, "
        f"and *{percent:.0f}%* of its finished calls errored: more than the {threshold:g}% "
        "you set."
    )
    if mentioned:
        lead += f"\n{mentioned}, you asked to hear about this."
    blocks: list[Block] = [
        header(f"⚠️ Errors above {threshold:g}%: {plain(name, 100)}"),
        section(lead),
        fields(
            f"*Calls*\n{count(stats.total)}",
            f"*Finished*\n{count(stats.completed)}",
            f"*Errored*\n{count(stats.errored)}",
            f"*Still to go*\n{count(stats.remaining)}",
        ),
    ]
    top = Counter(e.error_message or "no message" for e in stats.errors)
    if top:
        ranked = ranked_counts(
            top,
            shown=SHOWN_ERRORS,
            separator="\n",
            pattern="• {name}: *{value}*",
            width=BLAND_MESSAGE_WIDTH,
        )
        blocks.append(section("*Top errors*\n" + ranked))
    blocks.append(context("Only this one warning is posted for this batch here."))
    blocks.append(
        actions(
            stop_button(batch_id, label, stats.remaining),
            button("Details", action_ids.OPEN, batch_id),
        )
    )
    text = (
        f"Batch {batch_name_text(batch_id, name, label_width=LEAD_LABEL_WIDTH)}: "
        f"{percent:.0f}% of finished calls "
        f"errored ({count(stats.errored)} of {count(stats.completed)}), above {threshold:g}%."
    )
    if mentioned:
        text += f" {mentioned}"
    return message(text, blocks)
