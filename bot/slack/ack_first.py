"""Counting each Slack request from its arrival until its ack has left, so that work after
the ack waits while any request is unacked (`bot.admission`).

Counted at the transport, not at the listener's `ack()`: Bolt sends the ack only when it
next looks at `ack()` (every 10 ms), and a request still being read or dispatched has no
listener yet. Counted from Bolt's middleware to `ack()`, a burst of 100 commands over
Socket Mode opened the gate 1-2 ms after the first `ack()`, while most of the others were
not yet dispatched, and their acks then queued behind 16 replies' work.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.admission import Admission


def counting_middleware(admission: Admission, path: str) -> Middleware:
    """An aiohttp middleware counting each request to `path` until its handler returns:
    aiohttp writes the response right after, in the same task."""

    @web.middleware
    async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != path:
            return await handler(request)
        with admission.unacked_until_done():
            return await handler(request)

    return count


class CountingSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, counting each envelope until its ack is sent."""

    def __init__(self, app: AsyncApp, app_token: str, *, admission: Admission) -> None:
        super().__init__(app, app_token)
        self._admission = admission

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        with self._admission.unacked_until_done():
            await super().handle(client, req)
