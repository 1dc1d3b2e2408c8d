"""Ranked counts and error lists, rendered the same way in every message that shows them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.bland.models import ErrorMessage
from formatters.text import BLAND_MESSAGE_WIDTH, clip, code


def ranked_counts(
    counts: Mapping[str, int],
    *,
    shown: int = 12,
    separator: str = "  ·  ",
    pattern: str = "{name} *{value}*",
    width: int = 40,
) -> str:
    """`name *n*` parts, largest first (ties by name), with how many more were left out."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    parts = [
        pattern.format(name=clip(name, width), value=f"{value:,}")
        for name, value in ordered[:shown]
    ]
    if len(ordered) > shown:
        parts.append(f"_…and {len(ordered) - shown} more_")
    return separator.join(parts)


def error_list(errors: Sequence[ErrorMessage], *, title: str, shown: int = 3) -> str:
    """A titled bullet list of the first errors, each with its call id's first 8 characters."""
    lines = [title]
    for error in errors[:shown]:
        call = code(error.call_id[:8], 20) if error.call_id else "`-`"
        lines.append(f"• {call} {clip(error.error_message or 'no message', BLAND_MESSAGE_WIDTH)}")
    rest = len(errors) - shown
    if rest > 0:
        lines.append(f"_…and {rest:,} more_")
    return "\n".join(lines)
