"""Running a request's work after the ack and delivering the reply, whatever happens."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from handlers.errors import describe_error
from handlers.replies import Reply

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[Any]]


async def reply_with(
    respond: Respond,
    work: Callable[[], Awaitable[Reply]],
    *,
    subject: str | None = None,
    replace_original: bool = False,
) -> None:
    """Run `work`, turn any failure into a clear ephemeral message, and deliver it.

    Nothing raised here reaches Bolt: the ack has already been sent, and an error that
    escaped would only be logged by Bolt with a traceback while the user saw nothing.
    """
    try:
        reply = await work()
    except Exception as exc:
        reply = Reply(describe_error(exc, subject=subject))
    await deliver(respond, reply, replace_original=replace_original and not reply.public)


async def deliver(respond: Respond, reply: Reply, *, replace_original: bool = False) -> None:
    """Post through the response_url: ephemeral unless the reply is meant for the channel."""
    try:
        await respond(
            text=reply.message.text,
            blocks=reply.message.blocks,
            response_type="in_channel" if reply.public else "ephemeral",
            replace_original=replace_original or reply.replace_original,
        )
    except Exception as exc:
        # An expired response_url or Slack being down: nothing left to tell the user.
        log.warning("could not deliver a reply: %s", type(exc).__name__)
