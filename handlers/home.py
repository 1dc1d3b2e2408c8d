"""App Home: the Home tab, and answering clicks that come from a view (no response_url)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.admission import Admission
from bot.bland.errors import BlandError
from bot.bland.view import BatchView
from bot.inflight import InFlight
from bot.services import Services
from bot.storage.base import WatchState
from formatters.errors import interrupted
from formatters.home import MAX_RECENT, home_view
from formatters.modal import loading, modal
from handlers.delivery import LAST_WORD_SECONDS, within
from handlers.errors import describe_error
from handlers.listing import latest_batches
from handlers.replies import Reply

log = logging.getLogger(__name__)


async def home_opened(
    event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    if event.get("tab") != "home" or not isinstance(event.get("user"), str):
        return
    await publish_home(client, context["services"], event["user"])


async def publish_home(client: AsyncWebClient, services: Services, user_id: str) -> None:
    """Publish this user's Home tab; a Bland failure still shows their watches."""
    try:
        async with services.after_ack.admitted():
            watches = (
                await services.store.list_watches(created_by=user_id) if services.store else []
            )
            digests = (
                await services.store.list_digests(created_by=user_id) if services.store else []
            )
            recent: list[BatchView] = []
            notes: list[str] = []
            problem = None
            try:
                recent, notes = await latest_batches(services, MAX_RECENT)
            except BlandError as exc:
                problem = describe_error(exc).text
            view = home_view(
                [w for w in watches if w.state != WatchState.DONE],
                recent,
                recent_error=problem,
                recent_notes=notes,
                digests=digests,
            )
            await client.views_publish(user_id=user_id, view=view)
    except Exception as exc:
        log.warning("could not publish App Home: %s", type(exc).__name__)


async def reply_in_view(
    client: AsyncWebClient,
    body: dict[str, Any],
    work: Callable[[], Awaitable[Reply]],
    *,
    inflight: InFlight,
    admission: Admission,
) -> None:
    """A click in App Home opens a modal at once (the trigger lasts 3 s), then fills it
    in its turn (`Services.after_ack`); a click inside that modal updates it in place."""
    view = body.get("view") or {}
    try:
        with inflight.track():
            if view.get("type") == "modal" and view.get("id"):
                view_id = str(view["id"])
            else:
                opened = await client.views_open(
                    trigger_id=str(body.get("trigger_id")), view=loading()
                )
                view_id = str(opened["view"]["id"])
            # The turn is held through the last update, which is work too.
            async with contextlib.AsyncExitStack() as turn:
                try:
                    await turn.enter_async_context(admission.admitted())
                    reply = await work()
                except asyncio.CancelledError:
                    # Cut off by a shutdown: the modal would say "Loading" for ever.
                    update = client.views_update(view_id=view_id, view=modal(interrupted()))
                    await within(LAST_WORD_SECONDS, update)
                    raise
                except Exception as exc:
                    reply = Reply(describe_error(exc))
                await client.views_update(view_id=view_id, view=modal(reply.message))
    except Exception as exc:
        log.warning("could not answer a click in a view: %s", type(exc).__name__)


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(home_opened)
