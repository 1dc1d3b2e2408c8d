"""A running batch's progress: its counts stored, warnings queued, progress messages edited."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.bland.lifecycle import LifecycleCounts
from bot.bland.models import AnyBatch
from bot.bland.stats import BatchStats, CallCounts, batch_stats
from bot.metrics import count_queued
from bot.slack.clients import leased_posting_client
from bot.slack.errors import CHANNEL_GONE, EDIT_REFUSED, RATE_LIMITED, error_code, retry_after
from bot.storage.base import FINAL, DueBatch, Store, Watch, WatchKind, WorkSample
from formatters.blocks import Message
from formatters.progress import RUNNING, Timing, progress_message
from formatters.progress_v2 import lifecycle_progress
from formatters.warning import error_warning

log = logging.getLogger(__name__)

# Longest a poll spends editing progress messages, holding its lease. A 429 waits out
# its Retry-After only if that fits in what is left; otherwise the next fetch edits.
EDIT_BUDGET_SECONDS = 20.0
# No warning until this many calls have finished (or all of them, in a smaller batch):
# two errors in the first three calls say little about the batch.
MIN_FINISHED_FOR_WARNING = 10
# An edit's lease outlasts the budget by this much: a request cancelled as the budget
# ran out may still reach Slack a moment later.
EDIT_LEASE_MARGIN_SECONDS = 5.0


class ProgressEditor:
    """Records a progress fetch of a polled batch for the watcher; `update()`."""

    def __init__(
        self,
        store: Store,
        slack: AsyncWebClient,
        *,
        owner: str,
        lease_seconds: float,
        on_alerts: Callable[[], None],
    ) -> None:
        self._store = store
        # Edits retry nothing themselves: a failed one waits for the next fetch.
        self._editor = leased_posting_client(slack)
        self._owner = owner
        self._edit_budget = min(EDIT_BUDGET_SECONDS, lease_seconds / 3)
        # Every edit ends (answered, or cancelled by the budget) before its lease does.
        self._edit_lease = self._edit_budget + EDIT_LEASE_MARGIN_SECONDS
        self._on_alerts = on_alerts

    @staticmethod
    def settled(due: DueBatch, counts: CallCounts) -> bool:
        """Nothing to do but store `counts`: every live progress message (as claimed)
        already shows them and no threshold waits to be checked. The watcher then records
        them with the poll, in its batched write, rather than in two transactions of
        their own (most of a counting poll's CPU when nothing changed).
        A message posted since the claim is edited at the next progress fetch."""
        key = counts.key()
        return not due.may_warn and all(shown == key for shown in due.progress_shown)

    async def update(
        self,
        due: DueBatch,
        detail: AnyBatch,
        *,
        stats: BatchStats | None = None,
        sample: WorkSample | None = None,
        fetched_bytes: int | None = None,
        timing: Timing | None = None,
    ) -> bool:
        """Store the counts (with the poll's `sample` and the bytes `fetched`), queue any
        warning, edit stale progress messages (saying `timing`). `stats` of `detail`,
        when the caller has them. False if the lease was lost meanwhile."""
        batch_id = due.batch_id
        stats = stats if stats is not None else batch_stats(detail)
        counts = stats.counts()
        percent = counts.error_percent()
        warn = None
        if percent is not None and _enough_finished(counts):

            def warn(watch: Watch) -> dict[str, Any]:
                return error_warning(
                    stats,
                    batch_id=batch_id,
                    label=(watch.label if watch.kind == WatchKind.BATCH else None)
                    or detail.batch_params.label,
                    percent=percent,
                    threshold=watch.error_threshold or 0.0,
                    mention_user_ids=[watch.created_by],
                ).as_kwargs()

        warnings = await self._store.record_progress(
            batch_id,
            owner=self._owner,
            counts=counts,
            render_warning=warn,
            sample=sample,
            fetched_bytes=fetched_bytes,
        )
        if warnings is None:
            return False
        if warnings:
            count_queued(alert.kind for alert in warnings)
            log.info("batch %s: %d error warning(s) queued", batch_id, len(warnings))
            self._on_alerts()
        await self._edit_progress(batch_id, counts, detail.batch_params.label, timing)
        return True

    async def update_lifecycle(
        self,
        due: DueBatch,
        counts: LifecycleCounts,
        *,
        sample: WorkSample | None = None,
        timing: Timing | None = None,
    ) -> bool:
        """A v2 batch's poll: store what its log says (and the poll's `sample`) and edit
        stale progress messages. No warnings: v2 has no counts to weigh until the batch
        ends. False if the lease was lost meanwhile."""
        stored = await self._store.record_progress(
            due.batch_id, owner=self._owner, counts=counts, sample=sample
        )
        if stored is None:
            return False
        await self._edit_progress(due.batch_id, counts, None, timing)
        return True

    async def _edit_progress(
        self, batch_id: str, counts: CallCounts, label: str | None, timing: Timing | None
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._edit_budget
        try:
            stale = await self._store.progress_to_update(batch_id, shown=counts.key())
            async with asyncio.timeout_at(deadline):
                for watch in stale:
                    while (
                        wait := await self._edit(watch, batch_id, counts, label, timing)
                    ) is not None:
                        if loop.time() + wait > deadline:
                            log.info(
                                "batch %s: Slack asks to wait %.0fs before editing; "
                                "the next fetch edits",
                                batch_id,
                                wait,
                            )
                            return
                        await asyncio.sleep(wait)
        except TimeoutError:
            log.warning("batch %s: progress edits ran out of time; next fetch retries", batch_id)
        except Exception as exc:
            log.warning("batch %s: progress edit failed (%s)", batch_id, type(exc).__name__)

    async def _edit(
        self,
        watch: Watch,
        batch_id: str,
        counts: CallCounts,
        label: str | None,
        timing: Timing | None,
    ) -> float | None:
        """Edit one progress message; the seconds Slack asks to wait first, on a 429."""
        ts = watch.progress_ts or ""
        message = running_message(watch, batch_id, counts, label, timing)
        # Checked in the store as the edit starts, not when the watch was listed: an
        # unwatch in between must not be undone by this edit landing after its own.
        if not await self._store.begin_progress_edit(
            channel_id=watch.channel_id,
            batch_id=batch_id,
            ts=ts,
            owner=self._owner,
            lease_seconds=self._edit_lease,
        ):
            return None
        shown: str | None = counts.key()
        wait: float | None = None
        try:
            await self._editor.chat_update(channel=watch.channel_id, ts=ts, **message.as_kwargs())
        except SlackApiError as exc:
            error = error_code(exc)
            if error == RATE_LIMITED:
                # Nothing was edited: the edit lease goes back at once, and is taken
                # again if the caller waits and retries.
                wait = retry_after(exc) or 1.0
                shown = None
            elif error not in CHANNEL_GONE and error not in EDIT_REFUSED:
                log.warning("progress edit in %s refused (%s)", watch.channel_id, error)
                shown = None
            else:
                log.info("progress message in %s can't be edited (%s)", watch.channel_id, error)
                shown = FINAL
        # Other failures (a timeout, a dropped connection) keep the lease until it runs
        # out: the edit may still land, and a final edit must come after it.
        await self._store.end_progress_edit(
            channel_id=watch.channel_id, batch_id=batch_id, ts=ts, owner=self._owner, shown=shown
        )
        return wait


def running_message(
    watch: Watch,
    batch_id: str,
    counts: CallCounts,
    label: str | None,
    timing: Timing | None = None,
) -> Message:
    """A running batch's progress message: v2's phase and lifecycle message, or v1's bar;
    with when its counts were taken and the time left its polls are scheduled by."""
    if isinstance(counts, LifecycleCounts):
        return lifecycle_progress(
            batch_id=batch_id, label=watch.label or label, counts=counts, timing=timing
        )
    return progress_message(
        batch_id=batch_id,
        label=watch.label or label,
        counts=counts,
        state=RUNNING,
        error_threshold=watch.error_threshold,
        timing=timing,
    )


def _enough_finished(counts: CallCounts) -> bool:
    needed = MIN_FINISHED_FOR_WARNING
    if counts.total is not None:
        needed = min(needed, counts.total)
    return (counts.completed or 0) >= max(1, needed)
