"""Stopping a batch: the confirmation prompt, the refusal, and the outcome."""

from __future__ import annotations

from collections.abc import Iterable

from formatters import action_ids
from formatters.blocks import Block, Message, actions, button, confirm_dialog, message, section
from formatters.text import BLAND_MESSAGE_WIDTH, SLACK_ID_WIDTH, batch_name, clip, plural


def stop_button(batch_id: str, label: str | None, remaining: int | None) -> Block:
    """A danger button whose confirm dialog names what will be stopped."""
    calls = plural(remaining, "remaining call") if remaining is not None else "the remaining calls"
    name = label or batch_id
    return button(
        "Stop",
        action_ids.STOP,
        f"stop {batch_id}",
        style="danger",
        confirm=confirm_dialog("Stop this batch?", f"Stop {calls} of {name}?", "Stop calls"),
    )


def stop_prompt(batch_id: str, label: str | None, remaining: int | None) -> Message:
    """Typed `/batch stop`: nothing happens until the button's dialog is confirmed."""
    calls = plural(remaining, "remaining call") if remaining is not None else "its remaining calls"
    text = f"Stop {calls} of {batch_name(batch_id, label)}? Confirm with the button."
    return message(text, [section(text), actions(stop_button(batch_id, label, remaining))])


def not_running(batch_id: str, label: str | None) -> Message:
    text = f"{batch_name(batch_id, label)} isn't in progress, so there is nothing to stop."
    return message(text, [section(f":information_source: {text}")])


def stop_refused(allowed_users: Iterable[str]) -> Message:
    listed = sorted(allowed_users)
    extra = ""
    if listed:
        extra = " and " + ", ".join(f"<@{clip(user, SLACK_ID_WIDTH)}>" for user in listed[:10])
    text = (
        f"Only workspace admins and owners{extra} can stop a batch. "
        "Ask one of them; the batch has not been touched."
    )
    return message(text, [section(f":lock: {text}")])


def stopped(
    batch_id: str, label: str | None, *, user_id: str, cancelled: int | None, said: str | None
) -> Message:
    count = f": {plural(cancelled, 'call')} cancelled" if cancelled is not None else ""
    who = f"<@{clip(user_id, SLACK_ID_WIDTH)}>"
    text = f":octagonal_sign: {who} stopped {batch_name(batch_id, label)}{count}."
    blocks: list[Block] = [section(text)]
    if said:
        blocks.append(section(f"Bland said: {clip(said, BLAND_MESSAGE_WIDTH)}"))
    return message(text, blocks)
