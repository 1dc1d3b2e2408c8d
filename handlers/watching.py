"""Watching batches from Slack: watch, unwatch and the list of a channel's watches."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.bland.models import AnyBatch
from bot.bland.stats import batch_stats
from bot.services import Services
from bot.slack.clients import posting_client
from bot.slack.errors import failure_reason
from bot.storage.base import Store, Watch, WatchKind
from bot.user_facing import UserFacingError
from formatters.errors import error_message
from formatters.progress import RUNNING, UNWATCHED, progress_message
from formatters.watches import already_finished, unwatched, watch_list, watching
from handlers.commands_parser import UnwatchBatch, WatchBatch
from handlers.replies import Reply, Who
from handlers.summary import summary

log = logging.getLogger(__name__)


async def list_channel_watches(services: Services, who: Who) -> Reply:
    watches = await _store(services).list_watches(channel_id=_channel(who))
    return Reply(watch_list(watches))


async def watch(
    services: Services, request: WatchBatch, who: Who, *, slack: AsyncWebClient | None = None
) -> Reply:
    store = _store(services)
    if request.kind == WatchKind.CAMPAIGN:
        return await _watch_campaign(services, store, request, who)
    batch_id = request.target_id
    # Checked before anything is stored: an unknown id raises BlandNotFoundError here.
    # With a channel to post in, the calls come too (never transcripts): the counts the
    # progress message starts from.
    posting = slack is not None and who.channel_id is not None
    probe: AnyBatch = (
        await services.bland.get_batch_overview(batch_id)
        if posting
        else await services.bland.get_batch(batch_id, include_calls=False)
    )
    if not probe.in_progress and probe.status is not None:
        return Reply(already_finished(await summary(services, batch_id, Who(who.user_id, None))))
    channel = _channel(who)
    found, created = await store.add_watch(
        channel_id=channel,
        kind=WatchKind.BATCH,
        target_id=batch_id,
        label=probe.batch_params.label,
        created_by=who.user_id,
        error_threshold=request.error_threshold,
    )
    posted = False
    if slack is not None and found.progress_ts is None:
        posted = await _post_progress(store, slack, found, probe)
    message = watching(
        kind=WatchKind.BATCH,
        target_id=batch_id,
        label=found.label,
        user_id=who.user_id,
        created=created,
        error_threshold=found.error_threshold,
        progress_posted=posted,
    )
    # The progress message already tells the channel; the confirmation is then for the
    # person who asked, so the channel sees one message, not two.
    return Reply(message, public=created and not posted)


async def _watch_campaign(services: Services, store: Store, request: WatchBatch, who: Who) -> Reply:
    campaign_id = request.target_id
    channel = _channel(who)
    # Bland has no campaign lookup: one listed batch says the campaign is in use, none
    # may mean a typo or a campaign not started yet, so the watch is kept and we say so.
    sample = await services.bland.list_batches(campaign_id=campaign_id, limit=1)
    found, created = await store.add_watch(
        channel_id=channel,
        kind=WatchKind.CAMPAIGN,
        target_id=campaign_id,
        label=None,
        created_by=who.user_id,
        error_threshold=request.error_threshold,
    )
    message = watching(
        kind=WatchKind.CAMPAIGN,
        target_id=campaign_id,
        label=None,
        user_id=who.user_id,
        created=created,
        error_threshold=found.error_threshold,
        empty_campaign=not sample.batches,
    )
    return Reply(message, public=created)


async def _post_progress(
    store: Store, slack: AsyncWebClient, found: Watch, detail: AnyBatch
) -> bool:
    """Post the channel's live progress message and remember its ts for the watcher.

    chat.postMessage rather than the response_url: the watcher edits the message later,
    and only a Web API post says which message it is.
    """
    stats = batch_stats(detail)
    counts = stats.counts()
    message = progress_message(
        batch_id=found.target_id,
        label=found.label,
        counts=counts,
        state=RUNNING,
        error_threshold=found.error_threshold,
    )
    try:
        # Retrying a 5xx could post a second progress message; only 429s are retried.
        response = await posting_client(slack).chat_postMessage(
            channel=found.channel_id, unfurl_links=False, unfurl_media=False, **message.as_kwargs()
        )
    except Exception as exc:
        # The watch stands without it; the completion alert still comes. Any failure,
        # including an answer slack_sdk cannot parse (it raises AttributeError then).
        log.warning(
            "could not post a progress message in %s (%s)",
            found.channel_id,
            failure_reason(exc),
        )
        return False
    ts = str(response.get("ts") or "")
    if not ts:
        return False
    if not await store.set_progress_message(
        channel_id=found.channel_id, batch_id=found.target_id, ts=ts, counts=counts
    ):
        log.info("another progress message for %s in %s won", found.target_id, found.channel_id)
    return True


async def unwatch(services: Services, request: UnwatchBatch, who: Who) -> Reply:
    store = _store(services)
    channel = request.channel_id or _channel(who)
    if request.channel_id is not None:
        # From App Home: only a watch this user set up, whatever the button claims.
        mine = await store.list_watches(channel_id=channel, created_by=who.user_id)
        if not any(w.kind == request.kind and w.target_id == request.target_id for w in mine):
            return Reply(error_message("You can only remove watches you set up."))
    # A progress message is marked as no longer watched: one edit, sent by the outbox.
    removed = await store.remove_watch(
        channel_id=channel,
        kind=request.kind,
        target_id=request.target_id,
        render_progress=_unwatched_progress,
    )
    message = unwatched(kind=request.kind, target_id=request.target_id, removed=removed)
    return Reply(message, public=removed and request.channel_id is None)


def _unwatched_progress(found: Watch) -> dict[str, Any]:
    return progress_message(
        batch_id=found.target_id, label=found.label, counts=found.counts(), state=UNWATCHED
    ).as_kwargs()


def _store(services: Services) -> Store:
    if services.store is None:
        raise NoStoreError
    return services.store


def _channel(who: Who) -> str:
    if not who.channel_id:
        raise NoChannelError
    return who.channel_id


class NoStoreError(UserFacingError):
    """Watching needs the database, which this way of running has not opened."""

    default_message = "Watching needs the bot's database, which isn't open in this mode."


class NoChannelError(UserFacingError):
    """Watching needs a channel to post in."""

    default_message = "Watches post to a channel: run this command in one."
