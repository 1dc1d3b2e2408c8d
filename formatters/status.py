"""How a batch or call status reads, known or not, from either of Bland's batch APIs."""

from __future__ import annotations

from collections.abc import Mapping

from bot.bland.view import STATUS_WORDS, BatchView, V2State
from formatters.text import STATUS_WIDTH, clip

RUNNING = ":hourglass_flowing_sand:"
# The emoji of each status we know; its words come from `bot.bland.view.STATUS_WORDS`,
# which names v1's and v2's statuses alike. Any other status is shown as sent.
_EMOJI: Mapping[str, str] = {
    "in-progress": RUNNING,
    "completed": ":white_check_mark:",
    V2State.VALIDATING: RUNNING,
    V2State.DISPATCHING: RUNNING,
    V2State.IN_PROGRESS: RUNNING,
    V2State.IN_PROGRESS_CHUNKED: RUNNING,
    V2State.WAITING_FOR_SCHEDULED_CALLS: ":calendar:",
    V2State.FAILED: ":x:",
    V2State.COMPLETED_PARTIAL: ":warning:",
}


def watched_status(status: str | None) -> str:
    """A watch's last seen status; before the first poll there is none yet."""
    if status is None:
        return f"{RUNNING} Waiting for the first check"
    return batch_status(status)


def batch_status(status: str | None) -> str:
    """Known statuses get words and an emoji; unknown ones are shown as sent, escaped."""
    if status is None or not status.strip():
        return ":grey_question: Unknown"
    emoji = _EMOJI.get(status)
    if emoji is None:
        return f":grey_question: {clip(status, STATUS_WIDTH)}"
    return f"{emoji} {STATUS_WORDS[status]}"


def view_status(view: BatchView) -> str:
    """A batch's status as its view words it: a v2 batch whose log names no state yet
    says so, rather than "Unknown"."""
    if view.status is None or not view.status.strip():
        return f":grey_question: {clip(view.status_words, STATUS_WIDTH)}"
    return batch_status(view.status)


def status_in_words(view: BatchView) -> str:
    """The status for a sentence (a fallback `text`): "in progress", "waiting for
    scheduled calls"; an unknown status as sent."""
    known = view.status is None or not view.status.strip() or view.status in STATUS_WORDS
    words = view.status_words.lower() if known else view.status_words
    return clip(words, STATUS_WIDTH)
