"""Replies to watch, unwatch and the list of a channel's watches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from formatters import action_ids
from formatters.blocks import Block, Message, actions, button, context, header, message, section
from formatters.status import batch_status
from formatters.text import clip, code, plural

if TYPE_CHECKING:
    from bot.storage.base import Watch


def _target(kind: str, target_id: str, label: str | None) -> str:
    what = "campaign" if kind == "campaign" else "batch"
    name = f"*{clip(label, 120)}* " if label else ""
    return f"{what} {name}{code(target_id, 130)}"


def watching(
    *, kind: str, target_id: str, label: str | None, user_id: str, created: bool
) -> Message:
    """Confirmation, shown in the channel so everyone knows an alert will come."""
    target = _target(kind, target_id, label)
    if created:
        text = f":eyes: <@{user_id}> is watching {target}. I'll post here when it finishes."
    else:
        text = f":eyes: This channel is already watching {target}. I'll post here when it finishes."
    blocks: list[Block] = [section(text)]
    if kind == "batch":
        blocks.append(
            actions(
                button("Details", action_ids.OPEN, target_id),
                button("Unwatch", action_ids.UNWATCH, f"unwatch {target_id}"),
            )
        )
    return message(text, blocks)


def unwatched(*, kind: str, target_id: str, removed: bool) -> Message:
    target = _target(kind, target_id, None)
    if removed:
        text = f":no_bell: Stopped watching {target} in this channel."
    else:
        text = f"This channel wasn't watching {target}; nothing changed."
    return message(text, [section(text)])


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
    for watch in watches:
        state = "" if watch.state == "active" else f" · _{clip(watch.state, 20)}_"
        status = batch_status(watch.batch_status) if watch.kind == "batch" else "campaign"
        lines = (
            f"{_target(watch.kind, watch.target_id, watch.label)}\n"
            f"{status}{state} · set up by <@{clip(watch.created_by, 20)}>"
        )
        value = f"unwatch {'campaign:' if watch.kind == 'campaign' else ''}{watch.target_id}"
        blocks.append(section(lines, accessory=button("Unwatch", action_ids.UNWATCH, value)))
    return message(f"This channel has {plural(len(watches), 'watch', 'watches')}", blocks)
