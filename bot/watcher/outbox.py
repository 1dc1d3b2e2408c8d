"""Delivering the alert outbox: post each stored alert to Slack once, and record it.

Exactly once, and the window that remains
-----------------------------------------
The watcher records a completion and its alerts in one transaction, so an alert exists
exactly once per watching channel. Delivering it is: claim (a lease), post, mark sent.
A process that dies between Slack accepting the post and the mark being written leaves
an alert that looks unsent; once its claim is void another process claims it again.
To narrow that window every post carries message `metadata` (event type
`bland_batch_alert`, payload `{alert_id, batch_id}`), and an alert claimed with
`attempts > 0` is first looked for in `conversations.history` (from its creation time,
`include_all_metadata=true`); if found, it is marked sent without posting again.

What remains: (1) a post accepted by Slack but not yet visible in history when the
next owner looks can be posted twice. The next owner looks only once the claim is
void: its lease over (a minute by default, never less than Slack's timeout plus 15 s,
so a post made soon after the claim ends inside it), or the owner's heartbeat lapsed
(`WATCH_TAKEOVER_SECONDS`: a dead process). A live process whose heartbeat lapsed (its
event loop stalled, its database unreachable) starts no new post, but one already on
the wire can land after the next owner looked. (2) Where history cannot be read
(missing `channels:history`/`groups:history`, or the bot posts with `chat:write.public`
without being a member), we post again rather than risk losing the alert, and log that
we could not check.

Nothing waits while holding a claim: posts and edits retry nothing. A 429 puts the
alert back, due after its Retry-After, and does not count as an attempt (a 429 is never
a post, so the next owner need not search history). A 5xx or a dropped connection may
hide an accepted post, so those come back through the outbox and its history check.

Kinds: completions and campaign completions and early warnings are posts as above.
`AlertKind.PROGRESS_FINAL` is the last edit of a live progress message (chat.update of
`target_ts`): repeating an edit is harmless, so it skips the history check, and a
message that can't be edited any more is dropped without suspending the channel.
`AlertKind.DIGEST` is a channel's digest, posted like an alert; a channel that refuses
it also loses its digest setting.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import bind
from bot.metrics import alert_sent
from bot.slack.clients import leased_posting_client, leased_reading_client
from bot.slack.errors import (
    CHANNEL_GONE,
    EDIT_REFUSED,
    HISTORY_UNREADABLE,
    MESSAGE_REFUSED,
    RATE_LIMITED,
    error_code,
    retry_after,
)
from bot.storage.base import Alert, AlertKind, Store

log = logging.getLogger(__name__)

EVENT_TYPE = "bland_batch_alert"
HISTORY_PAGES = 5
HISTORY_MARGIN_SECONDS = 60.0
RETRY_CAP_SECONDS = 300.0
# An alert put back because this process's heartbeat lapsed: soon, not in a busy loop.
LAPSED_RETRY_SECONDS = 1.0


def retry_delay(attempts: int, wait: float | None = None) -> float:
    """Slack's own wait when it gave one, else exponential backoff with jitter; capped."""
    if wait is not None:
        return min(max(wait, 1.0), RETRY_CAP_SECONDS)
    ceiling = min(RETRY_CAP_SECONDS, 2.0 ** min(attempts, 12))
    return random.uniform(ceiling / 2, ceiling)


class AlertSender:
    """Delivers claimed alerts: finds an earlier post, or posts, then records the outcome."""

    def __init__(
        self,
        store: Store,
        slack: AsyncWebClient,
        *,
        owner: str,
        alive: Callable[[], bool] = lambda: True,
    ) -> None:
        self._store = store
        self._reader = leased_reading_client(slack)
        self._poster = leased_posting_client(slack)
        self._owner = owner
        # False once this process's heartbeat has lapsed: others may hold its claims now.
        self._alive = alive

    async def deliver(self, alert: Alert) -> None:
        """Handle one claimed alert to the end; on cancellation, give the lease back."""
        bind(batch_id=alert.batch_id, channel=alert.channel_id, alert_id=alert.id)
        try:
            try:
                await self._deliver(alert)
            except SlackApiError as exc:
                await self._refused(alert, exc)
        except asyncio.CancelledError:
            await self._release(alert, 0.0, "stopped while sending")
            raise
        except Exception as exc:
            # Timeouts, dropped connections, 5xx after Slack's retries, a database blip
            # (also while recording a refusal): tried again later, never left to the lease.
            delay = retry_delay(alert.attempts + 1)
            log.warning(
                "alert %s to %s failed (%s); retry in %.0fs",
                alert.id,
                alert.channel_id,
                type(exc).__name__,
                delay,
            )
            await self._release(alert, delay, type(exc).__name__)

    async def _deliver(self, alert: Alert) -> None:
        if alert.kind == AlertKind.PROGRESS_FINAL:
            await self._edit(alert)
            return
        if alert.attempts > 0:
            found = await self._find_earlier_post(alert)
            if found is not None:
                log.info("alert %s was already posted (ts %s); not posting again", alert.id, found)
                alert_sent(alert.kind, alert.created_at.timestamp(), _seconds(found))
                await self._store.mark_alert_sent(alert.id, message_ts=found)
                return
        if not self._alive():
            log.warning("alert %s: this process's heartbeat lapsed; not posting now", alert.id)
            await self._release(alert, LAPSED_RETRY_SECONDS, "heartbeat lapsed", unposted=True)
            return
        response = await self._poster.chat_postMessage(
            channel=alert.channel_id,
            text=alert.message.get("text", ""),
            blocks=alert.message.get("blocks") or None,
            metadata={
                "event_type": EVENT_TYPE,
                "event_payload": {"alert_id": alert.id, "batch_id": alert.batch_id},
            },
            unfurl_links=False,
            unfurl_media=False,
        )
        ts = str(response.get("ts") or "")
        alert_sent(alert.kind, alert.created_at.timestamp())
        if not await self._store.mark_alert_sent(alert.id, message_ts=ts):
            log.warning("alert %s was posted but was no longer pending", alert.id)
        log.info(
            "alert %s for batch %s posted to %s",
            alert.id,
            alert.batch_id,
            alert.channel_id,
            extra={"event": "alert_posted"},
        )

    async def _edit(self, alert: Alert) -> None:
        """The final edit of a progress message: an edit repeated is harmless, so no
        history check, and a message gone is simply not edited."""
        ts = alert.target_ts or ""
        await self._poster.chat_update(
            channel=alert.channel_id,
            ts=ts,
            text=alert.message.get("text", ""),
            blocks=alert.message.get("blocks") or None,
        )
        alert_sent(alert.kind, None)
        if not await self._store.mark_alert_sent(alert.id, message_ts=ts):
            log.warning("progress edit %s was made but was no longer pending", alert.id)
        log.info("progress message %s in %s finalised", ts, alert.channel_id)

    async def _find_earlier_post(self, alert: Alert) -> str | None:
        # Slack's clock and the database's may differ a little: look a minute earlier.
        oldest = alert.created_at.timestamp() - HISTORY_MARGIN_SECONDS
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                page = await self._reader.conversations_history(
                    channel=alert.channel_id,
                    oldest=f"{oldest:.6f}",
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            except SlackApiError as exc:
                error = error_code(exc)
                if error in HISTORY_UNREADABLE:
                    log.warning(
                        "cannot read history of %s (%s) to check alert %s; posting it again",
                        alert.channel_id,
                        error,
                        alert.id,
                    )
                    return None
                raise
            for item in page.get("messages") or []:
                if _is_post_of(item, alert.id):
                    return str(item.get("ts"))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return None

    async def _refused(self, alert: Alert, exc: SlackApiError) -> None:
        error = error_code(exc)
        if alert.kind == AlertKind.PROGRESS_FINAL and (
            error in CHANNEL_GONE or error in EDIT_REFUSED
        ):
            # Only an edit is lost; the channel's watches are judged by real posts.
            await self._store.drop_alert(alert.id, reason=error)
            log.warning("progress message of alert %s can't be edited (%s)", alert.id, error)
        elif error in CHANNEL_GONE:
            suspended = await self._store.suspend_channel(alert.channel_id, reason=error)
            await self._store.drop_alert(alert.id, reason=error)
            # A digest would be refused every period: the channel's digest ends too.
            # Only the setting it was built from: one made again since then stands.
            if alert.kind == AlertKind.DIGEST and await self._store.remove_digest(
                alert.channel_id, set_before=alert.created_at
            ):
                log.warning(
                    "channel %s refused its digest (%s): turned it off", alert.channel_id, error
                )
            log.warning(
                "channel %s refused alert %s (%s): dropped it and suspended %d watch(es)",
                alert.channel_id,
                alert.id,
                error,
                suspended,
                extra={"event": "channel_suspended"},
            )
        elif error in MESSAGE_REFUSED:
            await self._store.drop_alert(alert.id, reason=error)
            log.error("Slack refused alert %s as malformed (%s); dropped it", alert.id, error)
        else:
            delay = retry_delay(alert.attempts + 1, retry_after(exc))
            log.warning(
                "Slack answered %s for alert %s to %s; retry in %.0fs",
                error,
                alert.id,
                alert.channel_id,
                delay,
                extra={"event": "alert_retry"},
            )
            await self._release(alert, delay, error, unposted=error == RATE_LIMITED)

    async def _release(
        self, alert: Alert, delay: float, error: str, *, unposted: bool = False
    ) -> None:
        try:
            await asyncio.wait_for(
                self._store.release_alert(
                    alert.id, owner=self._owner, delay=delay, error=error, unposted=unposted
                ),
                timeout=3.0,
            )
        except Exception as exc:
            # The lease runs out on its own; the alert is not lost, only later.
            log.warning("could not release alert %s (%s)", alert.id, type(exc).__name__)


def _seconds(ts: str) -> float | None:
    """A Slack message ts as epoch seconds (None if it is not one)."""
    try:
        return float(ts)
    except ValueError:
        return None


def _is_post_of(item: Any, alert_id: str) -> bool:
    if not isinstance(item, dict):
        return False
    metadata = item.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != EVENT_TYPE:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and payload.get("alert_id") == alert_id
