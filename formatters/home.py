"""The App Home tab: your watches with status, the latest batches, and buttons to act."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.bland.batch_ids import is_batch_id
from bot.bland.models import BatchSummary
from bot.storage.base import WatchKind, WatchState
from formatters import action_ids
from formatters.blocks import (
    MAX_VIEW_BLOCKS,
    Block,
    actions,
    button,
    context,
    divider,
    header,
    option,
    section,
)
from formatters.charts import progress
from formatters.status import batch_status, watched_status
from formatters.text import (
    BATCH_ID_WIDTH,
    SLACK_ID_WIDTH,
    WATCH_STATE_WIDTH,
    batch_name,
    clip,
    code,
    slack_date,
)

if TYPE_CHECKING:
    from bot.storage.base import Watch

MAX_WATCHES = 40
MAX_RECENT = 15
# The Home tab shows labels a little shorter than messages do.
HOME_LABEL_WIDTH = 100


def home_view(
    watches: Sequence[Watch],
    recent: Sequence[BatchSummary],
    *,
    statuses: Mapping[str, str | None] | None = None,
    recent_error: str | None = None,
) -> dict[str, Any]:
    """A `home` view within 100 blocks, whatever the number of watches."""
    blocks: list[Block] = [
        header("Bland batches"),
        actions(button("Refresh", action_ids.HOME_REFRESH, "home")),
        header("Your watches"),
    ]
    if not watches:
        blocks.append(
            section(
                "You aren't watching any batches. "
                "In a channel, type `/batch watch &lt;batch_id&gt;`."
            )
        )
    for watch in watches[:MAX_WATCHES]:
        blocks.append(_watch(watch))
    if len(watches) > MAX_WATCHES:
        blocks.append(
            context(f"…and {len(watches) - MAX_WATCHES} more. `/batch watches` lists a channel's.")
        )
    blocks += [divider(), header("Latest batches")]
    if recent_error:
        blocks.append(section(f":warning: {recent_error}"))
    elif not recent:
        blocks.append(section("No batches yet."))
    for batch in recent[:MAX_RECENT]:
        blocks.append(_recent(batch, (statuses or {}).get(batch.batch_id or "")))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


def _watch(watch: Watch) -> Block:
    what = "Campaign" if watch.kind == WatchKind.CAMPAIGN else "Batch"
    state = (
        "" if watch.state == WatchState.ACTIVE else f" · _{clip(watch.state, WATCH_STATE_WIDTH)}_"
    )
    status = watched_status(watch.batch_status) if watch.kind == WatchKind.BATCH else "every batch"
    if watch.kind == WatchKind.BATCH and watch.calls_total:
        done = watch.calls_completed or 0
        status += (
            f" · `{progress(done, watch.calls_total, width=12)}` {done:,}/{watch.calls_total:,}"
        )
    elif watch.kind == WatchKind.CAMPAIGN and watch.batches_seen:
        status += f" · {watch.batches_seen:,} found, {watch.batches_running or 0:,} running"
    text = (
        f"{what} {batch_name(watch.target_id, watch.label, label_width=HOME_LABEL_WIDTH)}\n"
        f"<#{clip(watch.channel_id, SLACK_ID_WIDTH)}> · {status}{state}"
    )
    prefix = "campaign:" if watch.kind == WatchKind.CAMPAIGN else ""
    options = [option("Unwatch", f"unwatch {prefix}{watch.target_id} in:{watch.channel_id}")]
    if watch.kind == WatchKind.BATCH:
        options.insert(0, option("Open", watch.target_id))
    menu = {"type": "overflow", "action_id": action_ids.HOME_MENU, "options": options}
    return section(text, accessory=menu)


def _recent(batch: BatchSummary, status: str | None) -> Block:
    label = clip(batch.label, HOME_LABEL_WIDTH) if batch.label else "_Untitled batch_"
    shown_id = code(batch.batch_id or "-", BATCH_ID_WIDTH)
    text = f"*{label}*\n{shown_id} · {slack_date(batch.created_at)}"
    if status:
        text += f" · {batch_status(status)}"
    if batch.batch_id and is_batch_id(batch.batch_id):
        return section(text, accessory=button("Open", action_ids.OPEN, batch.batch_id))
    return section(text)
