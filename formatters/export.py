"""Replies around a CSV export."""

from __future__ import annotations

from formatters.blocks import Message, message, section
from formatters.text import SLACK_ID_WIDTH, batch_name, clip, plural


def export_comment(batch_id: str, label: str | None, *, rows: int, user_id: str) -> str:
    """The comment posted with the file (mrkdwn)."""
    name = batch_name(batch_id, label)
    return f"<@{clip(user_id, SLACK_ID_WIDTH)}> exported {plural(rows, 'call')} of {name}."


def exported(*, rows: int, where: str, transcripts: bool) -> Message:
    """`where` is our own wording ("this channel", "a direct message")."""
    extra = " with transcripts" if transcripts else ""
    text = f":page_facing_up: Exported {plural(rows, 'call')}{extra} as CSV to {where}."
    return message(text, [section(text)])
