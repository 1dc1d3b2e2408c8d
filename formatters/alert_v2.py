"""The message a watching channel gets once, when a watched v2 batch finishes.

Built from a `BatchView` (`view_of_v2`), whether the end was read from the batch's log
by a poll or from Bland's status webhook: both go through `v2_progress`, and only what
both carry is shown, so they render the same message. v2 has no analysis: the figures
are Bland's totals and the success rate, and a failed batch says why when Bland gave a
code or reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.bland.view import BatchView, V2State
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
from formatters.text import (
    BLAND_MESSAGE_WIDTH,
    LABEL_WIDTH,
    LEAD_LABEL_WIDTH,
    STATUS_WIDTH,
    batch_name,
    batch_name_text,
    clip,
    code,
    count,
    mentions,
    plain,
    slack_date,
    success_rate,
)

FAILURE_CODE_WIDTH = 60


def completion_alert_v2(
    view: BatchView,
    *,
    batch_id: str,
    mention_user_ids: Sequence[str] = (),
    label: str | None = None,
) -> Message:
    """Status, totals, success rate, why it failed, with a Details button.

    `label` (the watch's own name for the batch) wins over the view's."""
    name = label or view.label or "Untitled batch"
    ok = view.status == V2State.COMPLETED
    emoji = ":white_check_mark:" if ok else ":warning:"
    verb = "finished" if ok else f"ended: {clip(view.status_words, STATUS_WIDTH)}"
    mentioned = mentions(mention_user_ids)
    lead = f"{emoji} Batch {batch_name(batch_id, name, label_width=LEAD_LABEL_WIDTH)} {verb}."
    if mentioned:
        lead += f"\n{mentioned}, you asked to hear when it was done."
    blocks: list[Block] = [
        header(f"{'✅' if ok else '⚠️'} {plain(name, LABEL_WIDTH)}"),
        section(lead),
        fields(
            f"*Status*\n{clip(view.status_words, STATUS_WIDTH)}",
            f"*Total calls*\n{count(view.total)}",
            f"*Successful*\n{count(view.successful)}",
            f"*Failed*\n{count(view.failed)}",
            f"*Success rate*\n{success_rate(view.successful, view.total)}",
        ),
    ]
    if view.failure_code or view.failure_reason:
        parts = [code(view.failure_code, FAILURE_CODE_WIDTH)] if view.failure_code else []
        if view.failure_reason:
            parts.append(clip(view.failure_reason, BLAND_MESSAGE_WIDTH))
        blocks.append(section(":x: *Why it failed* " + " ".join(parts)))
    # Not the latest lifecycle message: a poll reads one from the log (a phase's, stale by
    # the end) where the webhook's final body has none, and the alert must not depend on
    # which of them saw the end first.
    if view.updated_at:
        blocks.append(context(f"Ended {slack_date(view.updated_at)}"))
    blocks.append(actions(button("Details", action_ids.OPEN, batch_id, style="primary")))
    text = f"Batch {batch_name_text(batch_id, name, label_width=LEAD_LABEL_WIDTH)} {verb}"
    if view.total is not None:
        text += (
            f": {count(view.total)} calls, {count(view.successful)} successful, "
            f"{count(view.failed)} failed ({success_rate(view.successful, view.total)} success)."
        )
    else:
        # A batch that failed before placing calls has no totals, only its reason.
        text += (
            f": {clip(view.failure_reason, BLAND_MESSAGE_WIDTH)}" if view.failure_reason else "."
        )
    if mentioned:
        text += f" {mentioned}"
    return message(text, blocks)
