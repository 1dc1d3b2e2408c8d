"""Replies to `/batch digest`: the channel's setting, set, shown or turned off."""

from __future__ import annotations

from bot.digests.schedule import Cadence, DigestSchedule
from bot.storage.base import Digest
from formatters.blocks import Message, context, message, section
from formatters.errors import error_message
from formatters.text import SLACK_ID_WIDTH, clip, slack_date

SET_ONE = "Set one with `/batch digest daily 09:00` or `/batch digest weekly mon 09:00`."


def schedule_words(schedule: DigestSchedule) -> str:
    """`daily at 09:00 (Europe/Paris)`."""
    return f"{schedule.describe()} ({clip(schedule.tz, 40)})"


def _covers(schedule: DigestSchedule) -> str:
    period = "7 days" if schedule.cadence == Cadence.WEEKLY else "24 hours"
    return f"the batches created or finished in the {period} before it, v1 and v2"


def digest_set(digest: Digest, *, user_id: str, tz_note: str | None = None) -> Message:
    """The new setting, said in the channel so everyone knows a digest will come."""
    who = f"<@{clip(user_id, SLACK_ID_WIDTH)}>"
    text = (
        f":newspaper: {who} set this channel's digest: "
        f"*{schedule_words(digest.schedule)}*, {_covers(digest.schedule)}. "
        f"The next one comes {slack_date(digest.next_run_at.isoformat())}."
    )
    blocks = [section(text)]
    notes = ["One digest per channel: setting it again replaces it. `/batch digest off` stops it."]
    if tz_note:
        notes.insert(0, f":warning: {tz_note}")
    blocks.append(context(*notes))
    return message(f"Digest set: {schedule_words(digest.schedule)}", blocks)


def digest_shown(digest: Digest | None) -> Message:
    """The channel's setting, or that it has none."""
    if digest is None:
        return message("No digest", [section(f"This channel has no digest. {SET_ONE}")])
    who = f"<@{clip(digest.created_by, SLACK_ID_WIDTH)}>"
    text = (
        f":newspaper: This channel's digest: *{schedule_words(digest.schedule)}*, "
        f"set up by {who}: {_covers(digest.schedule)}. "
        f"Next: {slack_date(digest.next_run_at.isoformat())}."
    )
    return message(f"Digest: {schedule_words(digest.schedule)}", [section(text)])


def digest_off(*, removed: bool, user_id: str) -> Message:
    if not removed:
        return message("No digest", [section(f"This channel has no digest to turn off. {SET_ONE}")])
    who = f"<@{clip(user_id, SLACK_ID_WIDTH)}>"
    return message(
        "Digest turned off", [section(f":no_bell: {who} turned this channel's digest off.")]
    )


def digest_cannot_post(reason: str, *, bot_user_id: str | None) -> Message:
    """No digest: Slack refuses the bot's posts here (`reason` is Slack's error code)."""
    if reason == "is_archived":
        return error_message(
            "This channel is archived, so I can't post here: the digest is not set.",
            "Set it in a channel that isn't archived.",
        )
    me = f"<@{clip(bot_user_id, SLACK_ID_WIDTH)}>" if bot_user_id else "@Bland Batches"
    return error_message(
        "I can't post in this channel, so the digest is not set.",
        f"In a private channel, invite me first: /invite {me}. Then set it again.",
    )
