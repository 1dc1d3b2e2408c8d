"""Watching batches from Slack: watch, unwatch and the list of a channel's watches."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.bland.batch_ids import is_v2_batch_id
from bot.bland.models import AnyBatch
from bot.bland.stats import batch_stats
from bot.services import Services
from bot.slack.channel_check import channel_refuses_posts
from bot.slack.clients import posting_client
from bot.slack.errors import CHANNEL_GONE, error_code, failure_reason
from bot.storage.base import Store, Watch, WatchKind
from formatters.blocks import Message
from formatters.errors import error_message
from formatters.progress import RUNNING, UNWATCHED, Timing, progress_message
from formatters.progress_v2 import stopped_progress
from formatters.watches import (
    already_finished,
    cannot_post,
    unwatched,
    watch_list,
    watching,
)
from handlers.commands_parser import UnwatchBatch, WatchBatch
from handlers.replies import Reply, Who
from handlers.requirements import need_channel, need_store
from handlers.summary import summary
from handlers.watching_v2 import WatchProbe, probe_v2

log = logging.getLogger(__name__)

NEEDS_STORE = "Watching needs the bot's database, which isn't open in this mode."
NEEDS_CHANNEL = "Watches post to a channel: run this command in one."

# A claim to post a progress message older than this was abandoned (its process died
# mid-post): one post, with its few 429 retries, takes seconds.
PROGRESS_CLAIM_SECONDS = 120.0
# The post landed but the watch had gone meanwhile, so it was taken down again.
NOT_KEPT = "not_kept"
# A timeout or dropped connection: Slack may have accepted the post.
MAYBE_POSTED = "maybe_posted"


async def list_channel_watches(services: Services, who: Who) -> Reply:
    watches = await need_store(services, NEEDS_STORE).list_watches(
        channel_id=need_channel(who, NEEDS_CHANNEL)
    )
    return Reply(watch_list(watches))


async def watch(
    services: Services, request: WatchBatch, who: Who, *, slack: AsyncWebClient | None = None
) -> Reply:
    store = need_store(services, NEEDS_STORE)
    if request.kind == WatchKind.CAMPAIGN:
        return await _watch_campaign(services, store, request, who, slack)
    batch_id = request.target_id
    # Checked before anything is stored: an unknown id raises BlandNotFoundError here.
    probe = (
        await probe_v2(services, request)
        if is_v2_batch_id(batch_id)
        else await _probe_v1(
            services, request, who, posting=slack is not None and who.channel_id is not None
        )
    )
    if isinstance(probe, Message):
        return Reply(probe)
    channel = need_channel(who, NEEDS_CHANNEL)
    found, created = await store.add_watch(
        channel_id=channel,
        kind=WatchKind.BATCH,
        target_id=batch_id,
        label=probe.label,
        created_by=who.user_id,
        error_threshold=request.error_threshold,
    )
    posted = False
    if slack is not None:
        # The right to post is claimed first, so two requests at once (a double click)
        # post one message; the other is told the channel is already watching.
        if not await store.claim_progress_post(
            channel_id=channel, batch_id=batch_id, hold_seconds=PROGRESS_CLAIM_SECONDS
        ):
            return Reply(_watching(found, who, created=False, posted=False))
        refusal = await _post_progress(store, slack, found, probe)
        if refusal in CHANNEL_GONE:
            # Nothing is promised where the alert could never be posted.
            if created:
                await store.remove_watch(
                    channel_id=channel, kind=WatchKind.BATCH, target_id=batch_id
                )
            else:
                await store.release_progress_post(channel_id=channel, batch_id=batch_id)
            return Reply(_cannot_post(WatchKind.BATCH, batch_id, refusal, who))
        if refusal == NOT_KEPT:
            return Reply(unwatched(kind=WatchKind.BATCH, target_id=batch_id, removed=True))
        if refusal not in (None, MAYBE_POSTED):
            # Slack refused this once: the watch stands without a progress message (the
            # alert still comes), and a later watch request may post one. A post that
            # may have landed keeps its claim until it expires instead.
            await store.release_progress_post(channel_id=channel, batch_id=batch_id)
        posted = refusal is None
    # The progress message already tells the channel; the confirmation is then for the
    # person who asked, so the channel sees one message, not two. Whoever posted it set
    # the watch up, as far as anyone can tell, even if a racing request stored the row.
    return Reply(
        _watching(found, who, created=created or posted, posted=posted),
        public=created and not posted,
    )


async def _probe_v1(
    services: Services, request: WatchBatch, who: Who, *, posting: bool
) -> WatchProbe | Message:
    """The v1 batch as a watch starts from it; a finished one's summary instead."""
    batch_id = request.target_id
    # With a channel to post in, the calls come too (never transcripts): the counts the
    # progress message starts from.
    detail: AnyBatch = (
        await services.bland.get_batch_overview(batch_id)
        if posting
        else await services.bland.get_batch(batch_id, include_calls=False)
    )
    if not detail.in_progress and detail.status is not None:
        return already_finished(await summary(services, batch_id, Who(who.user_id, None)))
    counts = batch_stats(detail).counts()
    # The counts are as of this fetch; the watcher's edits say when theirs were taken.
    timing = Timing(counts_at=time.time()) if posting else None

    def render(found: Watch) -> Message:
        return progress_message(
            batch_id=found.target_id,
            label=found.label,
            counts=counts,
            state=RUNNING,
            error_threshold=found.error_threshold,
            timing=timing,
        )

    return WatchProbe(label=detail.batch_params.label, counts=counts, render=render)


def _watching(found: Watch, who: Who, *, created: bool, posted: bool) -> Message:
    return watching(
        kind=WatchKind.BATCH,
        target_id=found.target_id,
        label=found.label,
        user_id=who.user_id,
        created=created,
        error_threshold=found.error_threshold,
        progress_posted=posted,
    )


def _cannot_post(kind: WatchKind, target_id: str, reason: str, who: Who) -> Message:
    return cannot_post(kind=kind, target_id=target_id, reason=reason, bot_user_id=who.bot_user_id)


async def _watch_campaign(
    services: Services, store: Store, request: WatchBatch, who: Who, slack: AsyncWebClient | None
) -> Reply:
    campaign_id = request.target_id
    channel = need_channel(who, NEEDS_CHANNEL)
    if slack is not None:
        refusal = await channel_refuses_posts(slack, channel)
        if refusal is not None:
            return Reply(_cannot_post(WatchKind.CAMPAIGN, campaign_id, refusal, who))
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
    store: Store, slack: AsyncWebClient, found: Watch, probe: WatchProbe
) -> str | None:
    """Post the channel's live progress message and remember its ts for the watcher.
    None when posted and kept; otherwise Slack's error code, MAYBE_POSTED or NOT_KEPT.

    chat.postMessage rather than the response_url: the watcher edits the message later,
    and only a Web API post says which message it is.
    """
    counts = probe.counts
    message = probe.render(found)
    poster = posting_client(slack)
    try:
        # Retrying a 5xx could post a second progress message; only 429s are retried.
        response = await poster.chat_postMessage(
            channel=found.channel_id, unfurl_links=False, unfurl_media=False, **message.as_kwargs()
        )
    except SlackApiError as exc:
        code = error_code(exc)
        log.warning("could not post a progress message in %s (%s)", found.channel_id, code)
        return code
    except Exception as exc:
        # A timeout, a dropped connection, or an answer slack_sdk cannot parse (it raises
        # AttributeError then): the watch stands, and the completion alert still comes.
        log.warning(
            "progress message in %s may not have been posted (%s)",
            found.channel_id,
            failure_reason(exc),
        )
        return MAYBE_POSTED
    ts = str(response.get("ts") or "")
    if ts and await store.set_progress_message(
        channel_id=found.channel_id, batch_id=found.target_id, ts=ts, counts=counts
    ):
        return None
    # Unwatched (or finished) while the post was in flight: nobody would ever update
    # this message, so it must not stay in the channel saying "running".
    log.info(
        "progress message for %s in %s is orphaned; deleting it", found.target_id, found.channel_id
    )
    try:
        if ts:
            await poster.chat_delete(channel=found.channel_id, ts=ts)
    except SlackApiError as exc:
        log.warning(
            "could not delete a progress message in %s (%s)", found.channel_id, error_code(exc)
        )
    await store.release_progress_post(channel_id=found.channel_id, batch_id=found.target_id)
    return NOT_KEPT


async def unwatch(services: Services, request: UnwatchBatch, who: Who) -> Reply:
    store = need_store(services, NEEDS_STORE)
    channel = request.channel_id or need_channel(who, NEEDS_CHANNEL)
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
    if is_v2_batch_id(found.target_id):
        return stopped_progress(found, UNWATCHED).as_kwargs()
    return progress_message(
        batch_id=found.target_id, label=found.label, counts=found.counts(), state=UNWATCHED
    ).as_kwargs()
