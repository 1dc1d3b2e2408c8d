"""Whether the bot could ever post in a channel, asked before promising a later post."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.errors import error_code

log = logging.getLogger(__name__)

# What one read of the channel can be sure of (see channel_refuses_posts).
POSTS_NEVER_LAND = frozenset({"channel_not_found", "is_archived"})


async def channel_refuses_posts(slack: AsyncWebClient, channel: str) -> str | None:
    """Slack's reason the bot could never post in `channel`, when one read can tell.

    A campaign watch or a digest posts nothing until later, and its confirmation goes
    through the response_url, which works where the bot can't post. Reading one message
    of history is the cheapest call that fails like a post: `channel_not_found` for a
    private channel (or DM) the bot isn't in, `is_archived`. It answers `not_in_channel`
    for a public channel the bot hasn't joined, where `chat:write.public` still lets it
    post, so that (like any other failure) lets the request go ahead.
    """
    try:
        await slack.conversations_history(channel=channel, limit=1)
    except SlackApiError as exc:
        code = error_code(exc)
        return code if code in POSTS_NEVER_LAND else None
    except Exception as exc:
        log.info("could not check %s before a later post (%s)", channel, type(exc).__name__)
    return None
