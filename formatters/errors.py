"""Plain, ephemeral error replies: what went wrong and what to do, never a traceback."""

from __future__ import annotations

from formatters.blocks import Message, context, message, section


def error_message(problem: str, hint: str | None = None) -> Message:
    """`problem` is mrkdwn built by us, with any outside text already escaped."""
    blocks = [section(f":warning: {problem}")]
    if hint:
        blocks.append(context(hint))
    return message(problem, blocks)
