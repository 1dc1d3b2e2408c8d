"""A message shown in a modal, for clicks that come from App Home (no response_url there)."""

from __future__ import annotations

from typing import Any

from formatters.blocks import MAX_VIEW_BLOCKS, Message, section


def modal(message: Message, *, title: str = "Bland batches") -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title[:24]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": message.blocks[:MAX_VIEW_BLOCKS],
    }


def loading() -> dict[str, Any]:
    return modal(
        Message(text="Loading", blocks=[section(":hourglass_flowing_sand: Asking Bland…")])
    )
