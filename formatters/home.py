"""The App Home tab: your watches with status, the latest batches, and buttons to act."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.bland.batch_ids import is_batch_id
from bot.bland.view import BatchView
from bot.storage.base import WatchKind, WatchState
from formatters import action_ids
from formatters.blocks import (
    MAX_VIEW_BLOCKS,
    OPTION_VALUE_LIMIT,
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
from formatters.digest_setting import schedule_words
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
    from bot.storage.base import Digest, Watch

MAX_WATCHES = 40
MAX_DIGESTS = 10
MAX_RECENT = 15
# The Home tab shows labels a little shorter than messages do.
HOME_LABEL_WIDTH = 100


def home_view(
    watches: Sequence[Watch],
    recent: Sequence[BatchView],
    *,
    recent_error: str | None = None,
    recent_notes: Sequence[str] = (),
    digests: Sequence[Digest] = (),
) -> dict[str, Any]:
    """A `home` view within 100 blocks, whatever the number of watches. A latest batch
    shows its status when its view has one; `recent_notes` say what the list leaves out.
    `digests` are the channel digests this user set up, shown when there are any."""
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
    if digests:
        blocks += [divider(), header("Your digests")]
        blocks += [_digest(digest) for digest in digests[:MAX_DIGESTS]]
        if len(digests) > MAX_DIGESTS:
            blocks.append(context(f"…and {len(digests) - MAX_DIGESTS} more."))
    blocks += [divider(), header("Latest batches")]
    if recent_error:
        blocks.append(section(f":warning: {recent_error}"))
    elif not recent:
        blocks.append(section("No batches yet."))
    if recent_notes and not recent_error:
        blocks.append(context(*recent_notes))
    for batch in recent[:MAX_RECENT]:
        blocks.append(_recent(batch))
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
    unwatch = f"unwatch {prefix}{watch.target_id} in:{watch.channel_id}"
    choices = [("Open", watch.target_id)] if watch.kind == WatchKind.BATCH else []
    # An id near its 128 characters leaves no room for the channel in an option's 150.
    if len(unwatch) <= OPTION_VALUE_LIMIT:
        choices.append(("Unwatch", unwatch))
    else:
        text += (
            f"\n_To stop it, type `/batch unwatch` in <#{clip(watch.channel_id, SLACK_ID_WIDTH)}>._"
        )
    options = [option(label, value) for label, value in choices if len(value) <= OPTION_VALUE_LIMIT]
    if not options:
        return section(text)
    menu = {"type": "overflow", "action_id": action_ids.HOME_MENU, "options": options}
    return section(text, accessory=menu)


def _digest(digest: Digest) -> Block:
    return section(
        f"<#{clip(digest.channel_id, SLACK_ID_WIDTH)}> · *{schedule_words(digest.schedule)}*\n"
        f"Next: {slack_date(digest.next_run_at.isoformat())} · "
        f"`/batch digest off` in the channel stops it"
    )


def _recent(batch: BatchView) -> Block:
    label = clip(batch.label, HOME_LABEL_WIDTH) if batch.label else "_Untitled batch_"
    shown_id = code(batch.batch_id or "-", BATCH_ID_WIDTH)
    text = f"*{label}*\n{shown_id} · {slack_date(batch.created)}"
    if batch.status:
        text += f" · {batch_status(batch.status)}"
    if batch.batch_id and is_batch_id(batch.batch_id):
        return section(text, accessory=button("Open", action_ids.OPEN, batch.batch_id))
    return section(text)
