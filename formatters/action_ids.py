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
PICK_TRANSCRIPT = "call_transcript_pick"
WATCH = "batch_watch"
UNWATCH = "batch_unwatch"
BATCHES_PAGE = "batches_page"
PICK_BLOCK_PREFIX = "pick:"
EXPORT = "batch_export"
STOP = "batch_stop"
HOME_MENU = "home_watch_menu"
HOME_REFRESH = "home_refresh"
