"""The live progress message a watch keeps in its channel, edited as calls finish."""

from __future__ import annotations

from bot.bland.models import COMPLETED
from bot.bland.stats import CallCounts
from formatters import action_ids
from formatters.blocks import Block, Message, actions, button, context, message, section
from formatters.charts import progress
from formatters.text import batch_name, batch_name_text, clip, count

RUNNING = "running"
FINISHED = "finished"
UNWATCHED = "unwatched"
# Bland answers "not found" for the batch: its watches ended.
GONE = "gone"


def progress_message(
    *,
    batch_id: str,
    label: str | None,
    counts: CallCounts,
    state: str = RUNNING,
    status: str | None = None,
    error_threshold: float | None = None,
) -> Message:
    """Bar and counts; `state` FINISHED (with Bland's `status`), UNWATCHED or GONE is final."""
    name = batch_name(batch_id, label)
    if state == FINISHED:
        ok = (status or COMPLETED) == COMPLETED
        emoji = ":white_check_mark:" if ok else ":warning:"
        verb = "finished" if ok else f"ended: {clip(status, 60)}"
        note = "Final counts. The summary was posted as a new message."
    elif state == UNWATCHED:
        emoji, verb = ":no_bell:", "is no longer watched here"
        note = "No longer updated: the last counts seen are shown."
    elif state == GONE:
        emoji, verb = ":ghost:", "is no longer known to Bland"
        note = "No longer updated: Bland answers “not found” for it. The last counts are shown."
    else:
        emoji, verb = ":hourglass_flowing_sand:", "is running"
        note = "Updated here as calls finish."
        if error_threshold is not None:
            note += (
                f" A warning is posted if more than {error_threshold:g}% of finished calls error."
            )
    done, total = counts.completed, counts.total
    if done is None or total is None:
        figures = "Counting calls…"
        bar = ""
    else:
        figures = (
            f"*{count(done)}* of *{count(total)}* calls done · *{count(counts.errored)}* errored"
        )
        bar = f"`{progress(done, total)}`  "
    blocks: list[Block] = [
        section(f"{emoji} Batch {name} {verb}."),
        section(f"{bar}{figures}"),
        context(note),
    ]
    buttons = [button("Details", action_ids.OPEN, batch_id)]
    if state == RUNNING:
        buttons.append(button("Unwatch", action_ids.UNWATCH, f"unwatch {batch_id}"))
    blocks.append(actions(*buttons))
    text = f"Batch {batch_name_text(batch_id, label)} {verb}: " + (
        "counting calls."
        if done is None or total is None
        else f"{count(done)} of {count(total)} calls done, {count(counts.errored)} errored."
    )
    return message(text, blocks)
