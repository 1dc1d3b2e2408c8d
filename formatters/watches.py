"""Replies to watch, unwatch and the list of a channel's watches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.storage.base import WatchKind, WatchState
from formatters import action_ids
from formatters.blocks import Block, Message, actions, button, context, header, message, section
from formatters.charts import progress
from formatters.errors import error_message
from formatters.status import watched_status
from formatters.text import SLACK_ID_WIDTH, WATCH_STATE_WIDTH, batch_name, clip, plural, seconds

if TYPE_CHECKING:
    from bot.storage.base import Watch

# Header, count and one section per watch, under Slack's 50 blocks with room to spare.
MAX_LISTED = 45


def _target(kind: WatchKind, target_id: str, label: str | None) -> str:
    what = "campaign" if kind == WatchKind.CAMPAIGN else "batch"
    # A campaign is named the way a batch is: its label, then its id.
    return f"{what} {batch_name(target_id, label)}"


def watching(
    *,
    kind: WatchKind,
    target_id: str,
    label: str | None,
    user_id: str,
    created: bool,
    error_threshold: float | None = None,
    progress_posted: bool = False,
    empty_campaign: bool = False,
) -> Message:
    """Confirmation, shown in the channel so everyone knows an alert will come."""
    target = _target(kind, target_id, label)
    if kind == WatchKind.CAMPAIGN:
        promise = (
            "I'll post here when each of its batches finishes: batches created from now on "
            "and those still running (batches that already finished stay quiet)."
        )
    else:
        promise = "I'll post here when it finishes."
    if created:
        text = f":eyes: <@{clip(user_id, SLACK_ID_WIDTH)}> is watching {target}. {promise}"
    else:
        text = f":eyes: This channel is already watching {target}. {promise}"
    if progress_posted:
        text += " The message above shows its progress as calls finish."
    if empty_campaign:
        text += " It has no batches yet; new ones are picked up as they appear."
    if error_threshold is not None:
        which = "a batch's" if kind == WatchKind.CAMPAIGN else "its"
        text += (
            f" If more than {error_threshold:g}% of {which} finished calls error while it "
            "runs, I'll warn here once."
        )
    blocks: list[Block] = [section(text)]
    if kind == WatchKind.BATCH:
        blocks.append(
            actions(
                button("Details", action_ids.OPEN, target_id),
                button("Unwatch", action_ids.UNWATCH, f"unwatch {target_id}"),
            )
        )
    else:
        blocks.append(
            actions(
                button("Unwatch", action_ids.UNWATCH, f"unwatch campaign:{target_id}"),
            )
        )
    return message(text, blocks)


def unwatched(*, kind: WatchKind, target_id: str, removed: bool) -> Message:
    target = _target(kind, target_id, None)
    if removed:
        text = f":no_bell: Stopped watching {target} in this channel."
    else:
        text = f"This channel wasn't watching {target}; nothing changed."
    return message(text, [section(text)])


def cannot_post(
    *, kind: WatchKind, target_id: str, reason: str, bot_user_id: str | None
) -> Message:
    """No watch: Slack refused the bot's post here (`reason` is Slack's error code)."""
    target = _target(kind, target_id, None)
    if reason == "is_archived":
        return error_message(
            f"This channel is archived, so I can't post here and I'm not watching {target}.",
            "Watch it from a channel that isn't archived.",
        )
    me = f"<@{clip(bot_user_id, SLACK_ID_WIDTH)}>" if bot_user_id else "@Bland Batches"
    return error_message(
        f"I can't post in this channel, so I'm not watching {target}.",
        f"In a private channel, invite me first: /invite {me}. Then watch again.",
    )


def batch_gone(
    *,
    batch_id: str,
    label: str | None,
    user_id: str,
    missing_seconds: float,
    campaign_id: str | None = None,
) -> Message:
    """Bland answers "not found" for a watched batch, so its watch ended: posted once per
    channel. `campaign_id` when the channel watches the batch through its campaign."""
    target = _target(WatchKind.BATCH, batch_id, label)
    text = f":ghost: Bland no longer knows {target}; stopped watching it."
    if campaign_id is not None:
        text += f" This channel is still watching {_target(WatchKind.CAMPAIGN, campaign_id, None)}."
    text += f" <@{clip(user_id, SLACK_ID_WIDTH)}>, you set up this watch."
    why = f"Every check of it for {seconds(missing_seconds)} was answered “not found”."
    return message(text, [section(text), context(why)])


def already_finished(summary: Message) -> Message:
    """A finished batch needs no watch: say so above its summary."""
    note = section(
        ":checkered_flag: This batch has already finished, so there is nothing to watch."
    )
    return message(f"Already finished. {summary.text}", [note, *summary.blocks])


def watch_list(watches: Sequence[Watch]) -> Message:
    """This channel's watches: label, id, status and who set each one up."""
    if not watches:
        text = (
            "This channel isn't watching any batches. Start with `/batch watch &lt;batch_id&gt;`."
        )
        return message(text, [section(text)])
    blocks: list[Block] = [
        header("Watched here"),
        context(plural(len(watches), "watch", "watches")),
    ]
    for watch in watches[:MAX_LISTED]:
        state = (
            ""
            if watch.state == WatchState.ACTIVE
            else f" · _{clip(watch.state, WATCH_STATE_WIDTH)}_"
        )
        if watch.kind == WatchKind.BATCH:
            status = watched_status(watch.batch_status)
        else:
            status = _campaign_status(watch)
        lines = (
            f"{_target(watch.kind, watch.target_id, watch.label)}\n"
            f"{status}{state} · set up by <@{clip(watch.created_by, SLACK_ID_WIDTH)}>"
        )
        extra = _progress_line(watch)
        if extra:
            lines += f"\n{extra}"
        value = (
            f"unwatch {'campaign:' if watch.kind == WatchKind.CAMPAIGN else ''}{watch.target_id}"
        )
        blocks.append(section(lines, accessory=button("Unwatch", action_ids.UNWATCH, value)))
    if len(watches) > MAX_LISTED:
        blocks.append(context(f"_…and {len(watches) - MAX_LISTED:,} more_"))
    return message(f"This channel has {plural(len(watches), 'watch', 'watches')}", blocks)


def _campaign_status(watch: Watch) -> str:
    if watch.batches_seen is None:
        return "campaign"
    running = watch.batches_running or 0
    return f"campaign · {plural(watch.batches_seen, 'batch', 'batches')} found, {running:,} running"


def _progress_line(watch: Watch) -> str:
    parts = []
    done, total = watch.calls_completed, watch.calls_total
    if watch.kind == WatchKind.BATCH and done is not None and total is not None:
        parts.append(
            f"`{progress(done, total)}` {done:,} of {total:,} calls · "
            f"{(watch.calls_errored or 0):,} errored"
        )
    if watch.error_threshold is not None:
        parts.append(f"warns above {watch.error_threshold:g}% errors")
    return " · ".join(parts)
