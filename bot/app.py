"""Builds the Bolt app: listeners, and the services they use, injected per request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.slack.listener_metrics import instrument
from handlers.listeners import register_listeners


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

    async def inject_services(
        context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> None:
        context["services"] = services
        await next()

    app.use(inject_services)
    instrument(app)
    register_listeners(app)
    return app
