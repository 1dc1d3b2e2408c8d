"""Watching batches from Slack: watch, unwatch and the list of a channel's watches."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.storage.base import Store
from formatters.errors import error_message
from formatters.watches import already_finished, unwatched, watch_list, watching
from handlers.commands_parser import UnwatchBatch, WatchBatch
from handlers.replies import Reply, Who
from handlers.summary import summary


async def list_channel_watches(services: Services, who: Who) -> Reply:
    watches = await _store(services).list_watches(channel_id=_channel(who))
    return Reply(watch_list(watches))


async def watch(
    services: Services, request: WatchBatch, who: Who, *, slack: AsyncWebClient | None = None
) -> Reply:
    store = _store(services)
    if request.kind != "batch" or request.error_threshold is not None:
        return Reply(
            error_message(
                "Campaign watches and error thresholds aren't available yet. "
                "Watch a batch with `/batch watch &lt;batch_id&gt;`."
            )
        )
    batch_id = request.target_id
    # Checked before anything is stored: an unknown id raises BlandNotFoundError here.
    probe = await services.bland.get_batch(batch_id, include_calls=False)
    if not probe.in_progress and probe.status is not None:
        return Reply(already_finished(await summary(services, batch_id, Who(who.user_id, None))))
    watch, created = await store.add_watch(
        channel_id=_channel(who),
        kind="batch",
        target_id=batch_id,
        label=probe.batch_params.label,
        created_by=who.user_id,
    )
    message = watching(
        kind="batch", target_id=batch_id, label=watch.label, user_id=who.user_id, created=created
    )
    return Reply(message, public=created)


async def unwatch(services: Services, request: UnwatchBatch, who: Who) -> Reply:
    store = _store(services)
    channel = request.channel_id or _channel(who)
    if request.channel_id is not None:
        # From App Home: only a watch this user set up, whatever the button claims.
        mine = await store.list_watches(channel_id=channel, created_by=who.user_id)
        if not any(w.kind == request.kind and w.target_id == request.target_id for w in mine):
            return Reply(error_message("You can only remove watches you set up."))
    removed = await store.remove_watch(
        channel_id=channel, kind=request.kind, target_id=request.target_id
    )
    message = unwatched(kind=request.kind, target_id=request.target_id, removed=removed)
    return Reply(message, public=removed and request.channel_id is None)


def _store(services: Services) -> Store:
    if services.store is None:
        raise NoStoreError
    return services.store


def _channel(who: Who) -> str:
    if not who.channel_id:
        raise NoChannelError
    return who.channel_id


class NoStoreError(RuntimeError):
    """Watching needs the database, which this way of running has not opened."""

    user_message = "Watching needs the bot's database, which isn't open in this mode."


class NoChannelError(RuntimeError):
    """Watching needs a channel to post in."""

    user_message = "Watches post to a channel: run this command in one."
