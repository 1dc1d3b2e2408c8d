"""The work Bland's status webhook queues: a watched v2 batch's end, recorded at once.

The route (`bot.webhook`) answers Bland without waiting and `submit()`s the webhook
here. A worker takes the batch's polling lease (`Store.claim_batch`) and records the
completion through `LifecycleCompletion.record`, the very call a poll makes, so a
webhook and a poll that both see the end produce one alert, and a replayed webhook
none. A batch nobody watches, or one already recorded, is dropped.

Webhooks only speed alerts up: polling goes on for every watched batch, so one lost
here (queue full, process stopping, a lease a poll holds for too long) is still
alerted at the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from bot.bland.models_v2 import BatchV2, StatusWebhook
from bot.bland.view import view_of_v2
from bot.logs import bind
from bot.metrics import count_webhook
from bot.storage.base import Store
from bot.watcher.poll_v2 import LifecycleCompletion

log = logging.getLogger(__name__)

ACCEPTED = "accepted"
IGNORED = "ignored"
# Webhooks waiting for a worker; past this the route drops them (a poll still alerts).
QUEUE_LIMIT = 1000
WORKERS = 4
# A poll holding the batch's lease ends within seconds; waiting longer than this for it
# is pointless, as that poll (or the next) records the end itself.
CLAIM_WITHIN_SECONDS = 10.0
RETRY_FIRST_SECONDS = 0.05
RETRY_MAX_SECONDS = 1.0
RELEASE_SECONDS = 1.0


class StatusWebhooks:
    """Queues webhook-reported completions and records them; `start()`, `stop()`."""

    def __init__(
        self,
        store: Store,
        completion: LifecycleCompletion,
        *,
        owner: str,
        lease_seconds: float,
        queue_limit: int = QUEUE_LIMIT,
        workers: int = WORKERS,
    ) -> None:
        self._store = store
        self._completion = completion
        self._owner = owner
        self._lease = lease_seconds
        self._queue: asyncio.Queue[StatusWebhook] = asyncio.Queue(maxsize=max(1, queue_limit))
        self._worker_count = max(1, workers)
        self._workers: list[asyncio.Task[None]] = []

    def submit(self, event: StatusWebhook) -> bool:
        """Queue a verified webhook reporting a batch's end; False when there is no room
        (or no worker running), and the next poll must find the end instead."""
        if not self._workers:
            return False
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("status webhook for %s dropped: queue full", event.batch_id)
            return False
        return True

    async def start(self) -> None:
        if self._workers:
            return
        self._workers = [
            asyncio.create_task(self._work(), name=f"status-webhooks-{n}")
            for n in range(self._worker_count)
        ]

    async def stop(self, *, within: float = 2.0) -> None:
        """Stop the workers; a completion being recorded gives its lease back. What is
        still queued is left to the polls."""
        workers, self._workers = self._workers, []
        for task in workers:
            task.cancel()
        if workers:
            await asyncio.wait(workers, timeout=within)
        if not self._queue.empty():
            log.info("%d status webhook(s) left to the polls", self._queue.qsize())

    async def _work(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                outcome = await self.record(event)
            except Exception as exc:
                # The database failing, say: the lease was given back, a poll follows.
                outcome = IGNORED
                log.warning(
                    "status webhook for %s not recorded (%s); left to the polls",
                    event.batch_id,
                    type(exc).__name__,
                )
            count_webhook(outcome)

    async def record(self, event: StatusWebhook) -> str:
        """Record the end `event` reports, if the batch is watched and not yet recorded:
        ACCEPTED when this recorded it, IGNORED otherwise."""
        batch_id = event.batch_id or ""
        bind(batch_id=batch_id)
        # The body as the log entry it stands for: read by the same `v2_progress` as a
        # poll's entries, so both render the same alert.
        view = view_of_v2(BatchV2(id=batch_id), [event.as_log_entry()])
        if not view.finished:
            return IGNORED
        give_up_at = time.monotonic() + CLAIM_WITHIN_SECONDS
        delay = RETRY_FIRST_SECONDS
        while (
            due := await self._store.claim_batch(
                batch_id, owner=self._owner, lease_seconds=self._lease
            )
        ) is None:
            if await self._store.completion_audience(batch_id) == 0:
                log.info("status webhook for %s: not watched, or already recorded", batch_id)
                return IGNORED
            if time.monotonic() + delay > give_up_at:
                log.info("status webhook for %s: a poll holds the batch; left to it", batch_id)
                return IGNORED
            # Another process's poll holds the lease: it ends within moments.
            await asyncio.sleep(delay)
            delay = min(RETRY_MAX_SECONDS, delay * 2)
        try:
            recorded = await self._completion.record(due.batch_id, view, seen_by="webhook")
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._store.release_batch(batch_id, owner=self._owner), RELEASE_SECONDS
                )
            raise
        return ACCEPTED if recorded is not None else IGNORED
