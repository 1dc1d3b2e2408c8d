"""`/batch digest` through the real app: set, show, replace and turn off a channel's
digest, in the time zone Slack gives for the person who set it up; bad input changes
nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.digests.schedule import Cadence, DigestSchedule
from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp

CHANNEL = "C0DIGEST"


def said(reply: dict[str, object]) -> str:
    return json.dumps(reply["blocks"])


async def test_set_show_replace_and_turn_off(app: SlackApp) -> None:
    app.slack.add_user("U0PARIS", name="pia", tz="Europe/Paris")
    reply = await app.reply("digest daily 09:00", channel_id=CHANNEL, user_id="U0PARIS")
    check_message(reply)
    assert reply["response_type"] == "in_channel"
    assert "daily at 09:00 (Europe/Paris)" in said(reply) and "<@U0PARIS>" in said(reply)
    digest = await app.store.get_digest(CHANNEL)
    assert digest is not None
    assert digest.schedule == DigestSchedule(Cadence.DAILY, 9 * 60, "Europe/Paris")
    assert digest.created_by == "U0PARIS"
    local = digest.next_run_at.astimezone(ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (9, 0)
    assert 0 < (digest.next_run_at - datetime.now(UTC)).total_seconds() <= 86_400

    shown = await app.reply("digest", channel_id=CHANNEL)
    assert shown["response_type"] == "ephemeral"
    assert "daily at 09:00 (Europe/Paris)" in said(shown) and "<@U0PARIS>" in said(shown)

    # Setting it again replaces it: one digest per channel, in the new setter's zone.
    replaced = await app.reply("digest weekly Mon 17:30", channel_id=CHANNEL)
    assert "weekly on Monday at 17:30 (America/New_York)" in said(replaced)
    [only] = await app.store.list_digests()
    assert only.schedule == DigestSchedule(Cadence.WEEKLY, 17 * 60 + 30, "America/New_York", 0)
    local = only.next_run_at.astimezone(ZoneInfo("America/New_York"))
    assert (local.weekday(), local.hour, local.minute) == (0, 17, 30)

    off = await app.reply("digest off", channel_id=CHANNEL)
    assert off["response_type"] == "in_channel" and "turned this channel's digest off" in said(off)
    assert await app.store.get_digest(CHANNEL) is None
    again = await app.reply("digest off", channel_id=CHANNEL)
    assert again["response_type"] == "ephemeral" and "no digest to turn off" in said(again)
    none = await app.reply("digest", channel_id=CHANNEL)
    assert "This channel has no digest" in said(none)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("digest daily 25:00", "is not a time of day"),
        ("digest daily 9", "is not a time of day"),
        ("digest daily 09:60", "is not a time of day"),
        ("digest daily 9am", "is not a time of day"),
        ("digest daily", "Give one time of day"),
        ("digest daily 09:00 extra", "Give one time of day"),
        ("digest weekly funday 09:00", "is not a weekday"),
        ("digest weekly 09:00", "Give a weekday and a time"),
        ("digest weekly mon 09:00 now", "Give a weekday and a time"),
        ("digest off please", "takes nothing after it"),
        ("digest hourly 09:00", "I don't understand"),
        ("digest daily `<!channel>`", "is not a time of day"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    app: SlackApp, text: str, reason: str
) -> None:
    await app.reply("digest daily 08:15", channel_id=CHANNEL)
    before = await app.store.get_digest(CHANNEL)
    reply = await app.reply(text, channel_id=CHANNEL, user_id="U0ADMIN")
    check_message(reply)
    assert reply["response_type"] == "ephemeral"
    assert reason in said(reply) and "/batch digest daily 09:00" in said(reply)
    assert "<!channel>" not in said(reply)
    assert await app.store.list_digests() == [before]


async def test_time_zone_falls_back_to_utc_when_slack_cannot_say(app: SlackApp) -> None:
    app.slack.fail("users.info", "missing_scope")
    reply = await app.reply("digest daily 07:45", channel_id=CHANNEL)
    assert "daily at 07:45 (UTC)" in said(reply)
    assert "couldn't read your time zone" in said(reply)
    digest = await app.store.get_digest(CHANNEL)
    assert digest is not None and digest.schedule.tz == "UTC"
    assert digest.next_run_at.astimezone(UTC).strftime("%H:%M") == "07:45"

    app.slack.add_user("U0MARS", tz="Mars/Olympus_Mons")
    reply = await app.reply("digest daily 07:45", channel_id=CHANNEL, user_id="U0MARS")
    assert "daily at 07:45 (UTC)" in said(reply) and "couldn't read your time zone" in said(reply)


@pytest.mark.parametrize(
    ("error", "says"),
    [("channel_not_found", "/invite <@U0BOT>"), ("is_archived", "archived")],
)
async def test_a_digest_where_the_bot_cannot_post_is_refused(
    app: SlackApp, error: str, says: str
) -> None:
    # The confirmation goes through the response_url, which works where the bot can't
    # post: accepted, the digest would fail at its first run and be dropped unseen.
    app.slack.fail_channel("G0PRIVATE", error)
    reply = await app.reply("digest daily 09:00", channel_id="G0PRIVATE")
    check_message(reply)
    assert reply["response_type"] == "ephemeral"
    assert says in said(reply)
    assert "not set" in said(reply)
    assert await app.store.list_digests() == []
