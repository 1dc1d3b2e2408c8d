"""Watching a v2 batch: a poll reads its newest log entries; its end is recorded once.

A v2 batch has no status field: its state is its log (`GET /v2/batches/{id}/logs`),
read newest first and only `POLL_LOG_TAKE` entries deep, never the whole log. The
entries go through `v2_progress`, the one reading of a v2 batch's state that the
commands and the status webhook share, so a poll and a webhook agree on whether the
batch has ended and on its totals.

The end is recorded by `LifecycleCompletion.record`, whoever saw it (a poll, or
`bot.watcher.status_webhooks` for Bland's webhook), under the batch's polling lease and
through the store's `record_completion`: the same transaction, outbox and exactly-once
as a v1 completion, so a webhook and a poll that both see the end queue one alert.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.bland.client import BlandClient
from bot.bland.lifecycle import LifecycleCounts, dispatched
from bot.bland.models_v2 import BatchV2
from bot.bland.view import BatchView, V2State, v2_progress, view_of_v2
from bot.metrics import WATCHER_POLLS, count_queued
from bot.storage.base import Alert, DueBatch, Store, Watch, WatchKind, WorkSample
from bot.watcher.pacing import Pacing
from bot.watcher.progress import ProgressEditor
from formatters.alert_v2 import completion_alert_v2
from formatters.progress import Timing
from formatters.progress_v2 import FINISHED, lifecycle_progress

log = logging.getLogger(__name__)

# The newest entries hold the state and, once it ends, the totals (a `complete` event,
# then a final lifecycle entry at most); a long batch's log can hold thousands.
POLL_LOG_TAKE = 10


class LifecycleCompletion:
    """Records a v2 batch's end, rendered for each watching channel; `record()`."""

    def __init__(self, store: Store, *, owner: str, on_alerts: Callable[[], None]) -> None:
        self._store = store
        self._owner = owner
        self._on_alerts = on_alerts

    async def record(self, batch_id: str, view: BatchView, *, seen_by: str) -> list[Alert] | None:
        """In one transaction, under the lease this owner holds: the batch is done, its
        watches are done, one alert per channel and the final progress edits are queued.
        None when the completion was recorded already (or the lease was lost)."""
        counts = LifecycleCounts.of_view(view)

        def render(watch: Watch) -> dict[str, Any]:
            return completion_alert_v2(
                view,
                batch_id=batch_id,
                mention_user_ids=[watch.created_by],
                label=watch.label if watch.kind == WatchKind.BATCH else None,
            ).as_kwargs()

        def render_progress(watch: Watch) -> dict[str, Any]:
            return lifecycle_progress(
                batch_id=batch_id, label=watch.label or view.label, counts=counts, state=FINISHED
            ).as_kwargs()

        status = view.status or V2State.COMPLETED.value
        alerts = await self._store.record_completion(
            batch_id,
            owner=self._owner,
            status=status,
            render=render,
            counts=counts if counts.total is not None else None,
            render_progress=render_progress,
        )
        if alerts is None:
            log.info("batch %s: completion already recorded (seen by %s)", batch_id, seen_by)
            return None
        count_queued(alert.kind for alert in alerts)
        log.info(
            "batch %s is %s (seen by %s): %d alert(s) queued",
            batch_id,
            status,
            seen_by,
            len(alerts),
            extra={"event": "completion_recorded"},
        )
        self._on_alerts()
        return alerts


@dataclass(frozen=True)
class Running:
    """A poll of a running v2 batch: its status ("" before the log names one), and its
    counts when they are still to be stored (nothing else changed)."""

    status: str
    # The seconds its log says are left (None: unknown), for the next poll's pacing.
    seconds_left: float | None = None
    # Counts still to be stored with the poll (nothing else changed), and the poll's
    # reading of the batch's rate.
    counts: LifecycleCounts | None = None
    sample: WorkSample | None = None


class LifecyclePoller:
    """Polls one leased v2 batch for the watcher's loop; `poll()`."""

    def __init__(
        self,
        bland: BlandClient,
        progress: ProgressEditor,
        completion: LifecycleCompletion,
        pacing: Pacing,
    ) -> None:
        self._bland = bland
        self._progress = progress
        self._completion = completion
        self._pacing = pacing

    async def poll(self, due: DueBatch) -> Running | None:
        """Read the batch's newest log entries. A batch still running: its status, the
        seconds its log says are left, and counts still to store, for the loop to record
        with its other polls. None when this poll is over: the end recorded (or found
        recorded), or the lease lost.

        Bland's errors propagate, for the loop to treat as any failed poll (a 404 too)."""
        batch_id = due.batch_id
        logs = await self._bland.batch_logs(batch_id, take=POLL_LOG_TAKE, direction="desc")
        progress = v2_progress(logs)
        if progress.running:
            left = self._pacing.stored_left(due.history)
            # Every poll reads the same few entries, so progress costs nothing extra.
            if due.wants_progress:
                # Calls placed of those requested: a rate that ends early, never late.
                placed = dispatched(progress.message)
                reading = (
                    self._pacing.reading(due.history, done=placed[0], total=placed[1])
                    if placed is not None
                    else None
                )
                sample = reading.sample if reading is not None else None
                if reading is not None:
                    left = reading.seconds_left
                counts = LifecycleCounts.of(progress)
                if self._progress.settled(due, counts):
                    # Every message already shows these counts: stored with the poll.
                    return Running(progress.status or "", left, counts, sample)
                if not await self._progress.update_lifecycle(
                    due, counts, sample=sample, timing=Timing(seconds_left=left)
                ):
                    return None
            return Running(progress.status or "", left)
        view = view_of_v2(BatchV2(id=batch_id), logs)
        recorded = await self._completion.record(batch_id, view, seen_by="poll")
        WATCHER_POLLS.labels("finished" if recorded is not None else "already_recorded").inc()
        return None
