"""Batches Bland no longer knows: a 404 starts a clock; when it runs out the watches end."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.bland.batch_ids import is_v2_batch_id
from bot.bland.errors import BlandNotFoundError
from bot.metrics import WATCHER_POLLS, count_queued
from bot.storage.base import DueBatch, Store, Watch, WatchKind
from bot.watcher.failures import describe_failure
from bot.watcher.schedule import backoff_delay
from formatters.progress import GONE, progress_message
from formatters.progress_v2 import stopped_progress
from formatters.watches import batch_gone

log = logging.getLogger(__name__)

# How long every poll of a batch must answer 404 before its watches end (WATCH_GONE_AFTER):
# long enough to ride out a glitch on Bland's side, short enough that nobody waits a day.
DEFAULT_GONE_AFTER_SECONDS = 3600.0


class GoneBatches:
    """Records a poll of a watched batch that Bland answered 404; `not_found()`."""

    def __init__(
        self,
        store: Store,
        *,
        owner: str,
        poll_seconds: float,
        gone_after: float,
        on_alerts: Callable[[], None],
    ) -> None:
        self._store = store
        self._owner = owner
        self._poll_seconds = poll_seconds
        self._gone_after = gone_after
        self._on_alerts = on_alerts

    async def not_found(self, due: DueBatch, exc: BlandNotFoundError) -> None:
        batch_id = due.batch_id
        gone_after = self._gone_after

        def render(watch: Watch) -> dict[str, Any]:
            through_campaign = watch.kind == WatchKind.CAMPAIGN
            return batch_gone(
                batch_id=batch_id,
                label=None if through_campaign else watch.label,
                user_id=watch.created_by,
                missing_seconds=gone_after,
                campaign_id=watch.target_id if through_campaign else None,
            ).as_kwargs()

        def render_progress(watch: Watch) -> dict[str, Any]:
            if is_v2_batch_id(batch_id):
                return stopped_progress(watch, GONE).as_kwargs()
            return progress_message(
                batch_id=batch_id, label=watch.label, counts=watch.counts(), state=GONE
            ).as_kwargs()

        delay = backoff_delay(due.failures + 1, self._poll_seconds)
        alerts = await self._store.record_not_found(
            batch_id,
            owner=self._owner,
            delay=delay,
            error=describe_failure(exc),
            gone_after=gone_after,
            render=render,
            render_progress=render_progress,
        )
        if alerts is None:
            WATCHER_POLLS.labels("failed").inc()
            log.warning(
                "batch %s: Bland answered not found (failure %d in a row); next try in %.1fs",
                batch_id,
                due.failures + 1,
                delay,
            )
            return
        log.warning(
            "batch %s: not found on Bland for %.0fs; no longer polled, %d message(s) queued",
            batch_id,
            gone_after,
            len(alerts),
        )
        WATCHER_POLLS.labels("gone").inc()
        count_queued(alert.kind for alert in alerts)
        self._on_alerts()
