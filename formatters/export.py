"""Replies around a CSV export."""

from __future__ import annotations

from formatters.blocks import Block, Message, context, message, section
from formatters.calls import truncated_note
from formatters.text import LABEL_WIDTH, SLACK_ID_WIDTH, batch_name, clip, plain, plural

# Where the file went, as `exported` says it.
TO_DM = "you in a direct message"
TO_CHANNEL = "this channel"
TO_DM_INSTEAD = "you in a direct message, because this channel wouldn't take the file"


def export_title(batch_id: str, label: str | None) -> str:
    """The file's title: plain text, so the label loses what could disguise it, and short."""
    name = plain(label, LABEL_WIDTH) if label else "Batch"
    return f"{name} ({batch_id}) calls"


def export_comment(batch_id: str, label: str | None, *, rows: int, user_id: str) -> str:
    """The comment posted with the file (mrkdwn)."""
    name = batch_name(batch_id, label)
    return f"<@{clip(user_id, SLACK_ID_WIDTH)}> exported {plural(rows, 'call')} of {name}."


def exported(*, rows: int, where: str, transcripts: bool, truncated: bool = False) -> Message:
    """`where` is our own wording: TO_DM, TO_CHANNEL or TO_DM_INSTEAD. `truncated`:
    Bland listed as many calls as it lists at once, so the file may not hold them all."""
    extra = " with transcripts" if transcripts else ""
    text = f":page_facing_up: Exported {plural(rows, 'call')}{extra} as CSV to {where}."
    blocks: list[Block] = [section(text)]
    if truncated:
        blocks.append(context(truncated_note(rows)))
    return message(text, blocks)


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
