"""Plain, ephemeral error replies: what went wrong and what to do, never a traceback."""

from __future__ import annotations

from formatters.blocks import Message, context, message, section


def error_message(problem: str, hint: str | None = None) -> Message:
    """`problem` is mrkdwn built by us, with any outside text already escaped."""
    blocks = [section(f":warning: {problem}")]
    if hint:
        blocks.append(context(hint))
    return message(problem, blocks)


def interrupted() -> Message:
    """For a request a shutdown cut off before it was answered."""
    return error_message(
        "The bot restarted before it could answer. Try again in a minute.",
    )
