"""Action ids shared by the buttons formatters draw and the listeners that answer them.

Every button value is `/batch` command text (or `/batches` text for list paging), so a
click is parsed and checked exactly like typed input.
"""

from __future__ import annotations

OPEN = "batch_open"
REFRESH = "batch_refresh"
CALLS = "batch_calls"
TRANSCRIPTS = "batch_transcripts"
TRANSCRIPT = "call_transcript"
CALL = "call_open"
# A link button: the browser opens the recording; the click only needs an ack.
RECORDING = "call_recording"
PICK_TRANSCRIPT = "call_transcript_pick"
WATCH = "batch_watch"
UNWATCH = "batch_unwatch"
BATCHES_PAGE = "batches_page"
PICK_BLOCK_PREFIX = "pick:"
EXPORT = "batch_export"
STOP = "batch_stop"
HOME_MENU = "home_watch_menu"
HOME_REFRESH = "home_refresh"

# Slack refuses a block whose elements share an action_id (`invalid_blocks`), and a calls
# page has two buttons that page (‹ Previous, Next ›). `formatters.blocks.actions` numbers
# a repeat `batch_calls#2`; listeners answer the id with or without its number.
REPEAT_MARK = "#"


def numbered(action_id: str, n: int) -> str:
    """The `n`th use of `action_id` within one block (the first keeps the plain id)."""
    return action_id if n <= 1 else f"{action_id}{REPEAT_MARK}{n}"


def base(action_id: str) -> str:
    """The action id a click answers to, without the number a repeat carries."""
    return action_id.partition(REPEAT_MARK)[0]
