"""How a batch or call status reads, known or not."""

from __future__ import annotations

from formatters.text import STATUS_WIDTH, clip

_BATCH = {
    "in-progress": ":hourglass_flowing_sand: In progress",
    "completed": ":white_check_mark: Completed",
}


def watched_status(status: str | None) -> str:
    """A watch's last seen status; before the first poll there is none yet."""
    if status is None:
        return ":hourglass_flowing_sand: Waiting for the first check"
    return batch_status(status)


def batch_status(status: str | None) -> str:
    """Known statuses get words and an emoji; unknown ones are shown as sent, escaped."""
    if status is None or not status.strip():
        return ":grey_question: Unknown"
    return _BATCH.get(status, f":grey_question: {clip(status, STATUS_WIDTH)}")
