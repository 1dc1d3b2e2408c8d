"""The live progress message of a watched v2 batch: its phase and latest lifecycle message.

Bland's v2 batches give their calls' totals only once they finish, so while one runs
its message shows what the log says (`Dispatching · Requested: 9. Validated: 9.
Dispatched: 3.`) rather than v1's bar of calls done; the bar appears once there are
counts. The states are v1's (`formatters.progress`): running, finished, unwatched, gone.
"""

from __future__ import annotations

from bot.bland.lifecycle import LifecycleCounts
from bot.bland.view import NO_STATE_WORDS, V2State, status_words
from bot.storage.base import Watch
from formatters import action_ids
from formatters.blocks import Block, Message, actions, button, context, message, section
from formatters.charts import progress
from formatters.progress import FINISHED, GONE, RUNNING, UNWATCHED, Timing, timing_note
from formatters.text import (
    BLAND_MESSAGE_WIDTH,
    STATUS_WIDTH,
    batch_name,
    batch_name_text,
    clip,
    count,
    success_rate,
)

__all__ = [
    "FINISHED",
    "GONE",
    "RUNNING",
    "UNWATCHED",
    "lifecycle_progress",
    "stopped_progress",
    "success_rate",
]


def lifecycle_progress(
    *,
    batch_id: str,
    label: str | None,
    counts: LifecycleCounts,
    state: str = RUNNING,
    timing: Timing | None = None,
) -> Message:
    """Phase, latest message and (once known) counts; FINISHED, UNWATCHED or GONE is final.
    A running one says about how long is left when its polls estimate it (`timing`)."""
    name = batch_name(batch_id, label)
    status = counts.status
    if state == FINISHED:
        ok = status == V2State.COMPLETED
        emoji = ":white_check_mark:" if ok else ":warning:"
        verb = "finished" if ok else f"ended: {clip(status_words(status), STATUS_WIDTH)}"
        note = "Final counts. The summary was posted as a new message."
    elif state == UNWATCHED:
        emoji, verb = ":no_bell:", "is no longer watched here"
        note = "No longer updated: the last state seen is shown."
    elif state == GONE:
        emoji, verb = ":ghost:", "is no longer known to Bland"
        note = "No longer updated: Bland answers “not found” for it. The last state is shown."
    else:
        emoji, verb = ":hourglass_flowing_sand:", "is running"
        note = "Updated here as Bland reports each phase; call totals come when it finishes."
    blocks: list[Block] = [section(f"{emoji} Batch {name} {verb}.")]
    # No state yet: a running batch's log has none; a stopped watch never saw one.
    phase = f"*{clip(status_words(status), STATUS_WIDTH)}*" if status else f"_{NO_STATE_WORDS}_"
    if counts.message and state != FINISHED:
        phase += f" · {clip(counts.message, BLAND_MESSAGE_WIDTH)}"
    if status or state == RUNNING:
        blocks.append(section(phase))
    figures = _figures(counts)
    if figures:
        blocks.append(section(figures))
    blocks.append(context(note))
    timed = timing_note(timing) if state == RUNNING else None
    if timed:
        blocks.append(context(timed))
    buttons = [button("Details", action_ids.OPEN, batch_id)]
    if state == RUNNING:
        buttons.append(button("Unwatch", action_ids.UNWATCH, f"unwatch {batch_id}"))
    blocks.append(actions(*buttons))
    tail = _figures_text(counts)
    if tail is None and (status or state == RUNNING):
        tail = f"{status_words(status) if status else NO_STATE_WORDS}."
    text = f"Batch {batch_name_text(batch_id, label)} {verb}" + (f": {tail}" if tail else ".")
    return message(text, blocks)


def stopped_progress(watch: Watch, state: str) -> Message:
    """The last edit of a v2 watch's progress message when it is no longer updated
    (UNWATCHED, GONE): the state and counts the store last saw."""
    counts = LifecycleCounts(
        total=watch.calls_total,
        completed=watch.calls_completed,
        errored=watch.calls_errored,
        status=watch.batch_status or None,
    )
    return lifecycle_progress(
        batch_id=watch.target_id, label=watch.label, counts=counts, state=state
    )


def _figures(counts: LifecycleCounts) -> str | None:
    done, total = counts.completed, counts.total
    if done is None or total is None:
        return None
    return (
        f"`{progress(done, total)}`  *{count(total)}* calls · *{count(counts.successful)}* "
        f"successful · *{count(counts.errored)}* failed · "
        f"success rate *{success_rate(counts.successful, total)}*"
    )


def _figures_text(counts: LifecycleCounts) -> str | None:
    if counts.completed is None or counts.total is None:
        return None
    return (
        f"{count(counts.total)} calls, {count(counts.successful)} successful, "
        f"{count(counts.errored)} failed ({success_rate(counts.successful, counts.total)})."
    )
