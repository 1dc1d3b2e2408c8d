"""Running a request's work after the ack and delivering the reply, whatever happens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.services import Services
from formatters.errors import interrupted
from handlers.errors import describe_error
from handlers.replies import Reply

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[Any]]
# How long a request cut off by a shutdown may take to say so.
LAST_WORD_SECONDS = 0.8


class Request(Protocol):
    """A parsed request; `subject` is the batch (or campaign) an error about it names."""

    @property
    def subject(self) -> str | None: ...


R = TypeVar("R", bound=Request)


async def reply_with(
    respond: Respond,
    parse: Callable[[], R],
    answer: Callable[[R], Awaitable[Reply]],
    *,
    services: Services,
    replace_original: bool = False,
) -> None:
    """Wait for a turn (`Services.after_ack`), parse the request once, answer it, turn
    any failure into a clear ephemeral message, and deliver the reply.

    Nothing raised here reaches Bolt: the ack has already been sent, and an error that
    escaped would only be logged by Bolt with a traceback while the user saw nothing.
    A shutdown that cuts the work off (`InFlight.stop`) is said too, before it goes on.
    """
    subject = None
    session = services.http
    admitted = False
    try:
        try:
            with services.requests.track():
                # Tracked while waiting too: a shutdown tells a waiting request as well.
                await services.after_ack.enter()
                admitted = True
                request = parse()
                subject = request.subject
                reply = await answer(request)
        except asyncio.CancelledError:
            last_word = deliver(respond, Reply(interrupted()), session=session)
            await within(LAST_WORD_SECONDS, last_word)
            raise
        except Exception as exc:
            reply = Reply(describe_error(exc, subject=subject))
        # The reply is work too (a POST, and Slack's answer read): within the turn.
        await deliver(
            respond, reply, replace_original=replace_original and not reply.public, session=session
        )
    finally:
        if admitted:
            services.after_ack.leave()


async def deliver(
    respond: Respond,
    reply: Reply,
    *,
    replace_original: bool = False,
    session: aiohttp.ClientSession | None = None,
) -> None:
    """Post through the response_url: ephemeral unless the reply is meant for the channel.

    With a `session`, the post reuses its connections; Bolt's `respond()` would open a
    new session (and, against Slack, a new TLS handshake) for every reply.
    """
    payload: dict[str, Any] = {
        "text": reply.message.text,
        "blocks": reply.message.blocks,
        "response_type": "in_channel" if reply.public else "ephemeral",
        "replace_original": replace_original,
    }
    url = getattr(respond, "response_url", None)
    try:
        if session is not None and not session.closed and isinstance(url, str):
            response = await AsyncWebhookClient(url, session=session).send(**payload)
            if response.status_code >= 400:
                log.warning("response_url refused a reply: HTTP %s", response.status_code)
        else:
            await respond(**payload)
    except Exception as exc:
        # An expired response_url or Slack being down: nothing left to tell the user.
        log.warning("could not deliver a reply: %s", type(exc).__name__)


async def within(seconds: float, work: Awaitable[Any]) -> None:
    """Run `work` for at most `seconds`, then leave it; its failure is not ours to raise."""
    task = asyncio.ensure_future(work)
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    await asyncio.wait({task}, timeout=seconds)
