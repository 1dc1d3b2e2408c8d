"""The live progress message a watch keeps in its channel, edited as calls finish."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.bland.models import COMPLETED
from bot.bland.stats import CallCounts
from formatters import action_ids
from formatters.blocks import Block, Message, actions, button, context, message, section
from formatters.charts import progress
from formatters.text import batch_name, batch_name_text, clip, count, slack_date

RUNNING = "running"
FINISHED = "finished"
UNWATCHED = "unwatched"
# Bland answers "not found" for the batch: its watches ended.
GONE = "gone"
DAY = 86_400


@dataclass(frozen=True)
class Timing:
    """What a running batch's message says about time: when its counts were fetched
    (epoch seconds) and the estimate of its time left that its polls are scheduled by."""

    counts_at: float | None = None
    seconds_left: float | None = None


def timing_note(timing: Timing | None) -> str | None:
    """`Counts as of 14:05 · about 40 min left`, each part only when known."""
    if timing is None:
        return None
    parts = []
    if timing.counts_at is not None:
        when = datetime.fromtimestamp(timing.counts_at, UTC).isoformat()
        parts.append(f"Counts as of {slack_date(when, '{time}')}")
    # A NaN, infinite or spent estimate says nothing worth showing.
    left = timing.seconds_left
    if left is not None and math.isfinite(left) and left > 0:
        parts.append(about_left(left))
    return " · ".join(parts) or None


def about_left(seconds: float) -> str:
    """`about 40 min left`, `about 2 h 10 min left`: an estimate, so whole minutes; from
    two days on, whole days (`about 104 days left`), not thousands of hours."""
    if seconds >= 2 * DAY:
        return f"about {round(seconds / DAY):,} days left"
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"about {minutes} min left"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes:02d} min left" if minutes else f"about {hours} h left"


def progress_message(
    *,
    batch_id: str,
    label: str | None,
    counts: CallCounts,
    state: str = RUNNING,
    status: str | None = None,
    error_threshold: float | None = None,
    timing: Timing | None = None,
) -> Message:
    """Bar and counts; `state` FINISHED (with Bland's `status`), UNWATCHED or GONE is final.
    A running one says when its counts were taken and about how long is left (`timing`)."""
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
    timed = timing_note(timing) if state == RUNNING else None
    if timed:
        blocks.append(context(timed))
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
