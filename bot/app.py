"""Builds the Bolt app: listeners, and the services they use, injected per request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.middleware.authorization.async_single_team_authorization import (
    AsyncSingleTeamAuthorization,
)
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.slack.listener_metrics import instrument
from handlers.listeners import register_listeners

log = logging.getLogger(__name__)

# Start-up waits this long for auth.test at most; past it, the first request asks.
WARM_UP_SECONDS = 5.0


class _InjectServices(AsyncMiddleware):
    """Puts `services` in every request's context.

    A middleware class, not a function: Bolt builds a function middleware's arguments by
    constructing every one it could inject (say, respond, complete, ...) on each request,
    before the ack."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        req.context["services"] = self._services
        return await next()


def build_app(
    *, client: AsyncWebClient, services: Services, signing_secret: str | None
) -> AsyncApp:
    """An AsyncApp whose listeners find `services` in their context."""
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        # Socket Mode has no signatures to check; HTTP mode always does.
        request_verification_enabled=signing_secret is not None,
        raise_error_for_unhandled_request=False,
    )

    app.use(_InjectServices(services))
    instrument(app)
    register_listeners(app)
    return app


async def warm_up(app: AsyncApp) -> None:
    """Ask auth.test once at start-up, as Bolt would on the first request.

    Bolt asks it before the ack, and every request that arrives before the answer asks
    again: a burst after a deploy would each wait a Slack round trip to be acked. On
    failure the first request asks, as without this.
    """
    authorizations = [
        m
        # Bolt keeps its authorization in a private list, and has no public hook (checked
        # in 1.30): `token_verification_enabled` is the sync App's only (bolt-python
        # PR #180), and an `authorize=` function is ignored while the client has a token.
        for m in app._async_middleware_list
        if isinstance(m, AsyncSingleTeamAuthorization) and m.auth_test_result is None
    ]
    if not authorizations:
        return
    try:
        async with asyncio.timeout(WARM_UP_SECONDS):
            result = await app.client.auth_test()
    except Exception as exc:
        log.warning("auth.test at start-up failed (%s); the first request asks", type(exc).__name__)
        return
    for authorization in authorizations:
        authorization.auth_test_result = result
