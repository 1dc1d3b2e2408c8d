"""Replies around a CSV export."""

from __future__ import annotations

from formatters.blocks import Message, message, section
from formatters.text import SLACK_ID_WIDTH, batch_name, clip, plural

# Where the file went, as `exported` says it.
TO_DM = "you in a direct message"
TO_CHANNEL = "this channel"
TO_DM_INSTEAD = "you in a direct message, because this channel wouldn't take the file"


def export_comment(batch_id: str, label: str | None, *, rows: int, user_id: str) -> str:
    """The comment posted with the file (mrkdwn)."""
    name = batch_name(batch_id, label)
    return f"<@{clip(user_id, SLACK_ID_WIDTH)}> exported {plural(rows, 'call')} of {name}."


def exported(*, rows: int, where: str, transcripts: bool) -> Message:
    """`where` is our own wording: TO_DM, TO_CHANNEL or TO_DM_INSTEAD."""
    extra = " with transcripts" if transcripts else ""
    text = f":page_facing_up: Exported {plural(rows, 'call')}{extra} as CSV to {where}."
    return message(text, [section(text)])


def export_busy(*, yours: bool, at_once: int) -> Message:
    """Refused for now: this person's last export, or `at_once` exports, still running."""
    if yours:
        text = "Your last export is still being prepared. Wait for it to arrive, then try again."
    else:
        text = (
            f"{plural(at_once, 'export')} are being prepared already, the most this app runs "
            "at once. Try again in a minute."
        )
    return message(text, [section(f":hourglass_flowing_sand: {text}")])
