"""`/batch digest`: set, show or turn off the channel's daily or weekly digest."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.digests.schedule import FALLBACK_TZ, DigestSchedule, is_known_zone
from bot.services import Services
from bot.slack.channel_check import channel_refuses_posts
from bot.slack.errors import failure_reason
from formatters.digest_setting import (
    digest_cannot_post,
    digest_off,
    digest_set,
    digest_shown,
)
from handlers.digest_parser import DigestOff, DigestRequest, SetDigest, ShowDigest
from handlers.replies import Reply, Who
from handlers.requirements import need_channel, need_store

log = logging.getLogger(__name__)

NEEDS_STORE = "Digests need the bot's database, which isn't open in this mode."
NEEDS_CHANNEL = "A digest is posted in a channel: run this command in one."


async def answer_digest(
    request: DigestRequest, services: Services, who: Who, *, slack: AsyncWebClient | None
) -> Reply:
    store, channel = need_store(services, NEEDS_STORE), need_channel(who, NEEDS_CHANNEL)
    match request:
        case ShowDigest():
            return Reply(digest_shown(await store.get_digest(channel)))
        case DigestOff():
            removed = await store.remove_digest(channel)
            return Reply(digest_off(removed=removed, user_id=who.user_id), public=removed)
        case SetDigest(cadence, minute_of_day, weekday):
            if slack is not None:
                # Refused now, or the first run would fail and drop the digest unseen.
                refusal = await channel_refuses_posts(slack, channel)
                if refusal is not None:
                    return Reply(digest_cannot_post(refusal, bot_user_id=who.bot_user_id))
            tz, note = await user_time_zone(slack, who.user_id)
            schedule = DigestSchedule(cadence, minute_of_day, tz, weekday)
            digest = await store.set_digest(
                channel_id=channel,
                schedule=schedule,
                created_by=who.user_id,
                next_run_at=schedule.next_run(services.clock()),
            )
            log.info("digest for %s set: %s", channel, schedule.describe())
            return Reply(digest_set(digest, user_id=who.user_id, tz_note=note), public=True)
    raise AssertionError(f"unhandled request {type(request).__name__}")  # pragma: no cover


async def user_time_zone(slack: AsyncWebClient | None, user_id: str) -> tuple[str, str | None]:
    """The user's IANA time zone from `users.info`; UTC, with a note saying why, when Slack
    doesn't say (no `users:read`, an error) or names a zone Python doesn't know."""
    fallback = (
        f"I couldn't read your time zone from Slack, so this digest runs on {FALLBACK_TZ}. "
        "Set it again to retry."
    )
    if slack is None:
        return FALLBACK_TZ, fallback
    try:
        info = await slack.users_info(user=user_id)
    except Exception as exc:
        log.warning("digest: users.info failed (%s); using UTC", failure_reason(exc))
        return FALLBACK_TZ, fallback
    tz = (info.get("user") or {}).get("tz")
    if not isinstance(tz, str) or not is_known_zone(tz):
        log.warning("digest: no usable time zone for the user; using UTC")
        return FALLBACK_TZ, fallback
    return tz, None
