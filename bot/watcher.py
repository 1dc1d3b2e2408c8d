"""The watcher: polls each distinct watched batch, records completions, sends the alerts.

Several processes can run it against one PostgreSQL database. Each poll and each alert
is claimed with a lease in the store, so the processes share the work (about one poll
per distinct batch per interval in total) and a dead process's claims are picked up
once its leases expire. Each batch is polled at its own phase of the interval (a hash
of its id), so polls spread evenly instead of arriving together, and every process
agrees on the schedule. See `bot.alerts` for how each alert is delivered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
import zlib
from collections.abc import Coroutine
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import AlertSender
from bot.bland.client import BlandClient
from bot.bland.errors import BlandError
from bot.bland.models import BatchDetail
from bot.storage.base import DueBatch, Store, Watch
from formatters.alert import completion_alert

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 900.0
MAX_ALERT_SENDERS = 8
STOP_GRACE_SECONDS = 5.0
RELEASE_SECONDS = 2.0


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def next_poll_delay(batch_id: str, interval: float, now: float) -> float:
    """Seconds to this batch's next slot: its phase in the interval, never under half an
    interval away, so a late poll is not followed at once by the next."""
    phase = zlib.crc32(batch_id.encode()) / 2**32 * interval
    slot = phase + (int((now - phase) // interval) + 1) * interval
    delay = slot - now
    return delay + interval if delay < interval / 2 else delay


def backoff_delay(failures: int, interval: float) -> float:
    """Exponential in the failures so far, capped, with jitter."""
    cap = max(interval, min(MAX_BACKOFF_SECONDS, interval * 32))
    ceiling = min(cap, interval * 2 ** max(0, failures))
    return random.uniform(ceiling * 0.75, ceiling)


class Watcher:
    """Polls watched batches and delivers their completion alerts. `start()`, `stop()`."""

    def __init__(
        self,
        store: Store,
        bland: BlandClient,
        slack: AsyncWebClient,
        *,
        poll_seconds: float,
        concurrency: int,
        owner: str | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self._store = store
        self._bland = bland
        self._poll_seconds = poll_seconds
        self._concurrency = max(1, concurrency)
        self._alert_senders = max(1, min(self._concurrency, MAX_ALERT_SENDERS))
        self.owner = owner or default_owner()
        self._lease = lease_seconds
        self._sender = AlertSender(store, slack, owner=self.owner)
        # Ticks bound how late a due poll is noticed; no tick is longer than a second.
        self._tick = min(1.0, max(0.05, poll_seconds / 5))
        self._polls: set[asyncio.Task[None]] = set()
        self._sends: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._loop is not None:
            return
        self._stopping.clear()
        self._loop = asyncio.create_task(self._run(), name="watcher")
        log.info(
            "watcher %s started: every %.1fs, %d at a time",
            self.owner,
            self._poll_seconds,
            self._concurrency,
        )

    async def stop(self) -> None:
        """Stop claiming; let in-flight work finish briefly, then cancel it, releasing
        its leases so another process takes it up at once. Returns within ~8 s."""
        if self._loop is None:
            return
        self._stopping.set()
        self._wake.set()
        loop, self._loop = self._loop, None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(loop, timeout=RELEASE_SECONDS)
        inflight = self._polls | self._sends
        if inflight:
            _, pending = await asyncio.wait(inflight, timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=RELEASE_SECONDS + 0.5)
        log.info("watcher %s stopped", self.owner)

    def wake(self) -> None:
        """Look for work now rather than at the next tick (a new watch, say)."""
        self._wake.set()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                await self._claim()
                failures = 0
            except Exception as exc:
                failures += 1
                log.warning("watcher could not claim work (%s)", type(exc).__name__)
            wait = self._tick if failures == 0 else min(10.0, self._tick * 2**failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            self._wake.clear()

    async def _claim(self) -> None:
        free = self._alert_senders - len(self._sends)
        for alert in await self._store.claim_alerts(
            owner=self.owner, limit=free, lease_seconds=self._lease
        ):
            self._spawn(self._sends, self._sender.deliver(alert))
        if self._stopping.is_set():
            return
        free = self._concurrency - len(self._polls)
        for due in await self._store.claim_due_batches(
            owner=self.owner, limit=free, lease_seconds=self._lease
        ):
            self._spawn(self._polls, self._poll(due))

    def _spawn(self, tasks: set[asyncio.Task[None]], work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        tasks.add(task)

        def _done(finished: asyncio.Task[None]) -> None:
            tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("watcher task failed: %r", finished.exception())
            self._wake.set()

        task.add_done_callback(_done)

    async def _poll(self, due: DueBatch) -> None:
        try:
            await self._poll_once(due)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._store.release_batch(due.batch_id, owner=self.owner), RELEASE_SECONDS
                )
            raise

    async def _poll_once(self, due: DueBatch) -> None:
        batch_id = due.batch_id
        try:
            detail = await self._bland.get_batch(
                batch_id, include_calls=False, include_transcripts=False, include_analysis=False
            )
            _check_status(detail)
            if detail.in_progress:
                await self._store.finish_poll(
                    batch_id, owner=self.owner, status=detail.status, delay=self._next(batch_id)
                )
                return
            final = await self._bland.get_batch(
                batch_id, include_calls=True, include_transcripts=False, include_analysis=True
            )
            _check_status(final)
        except (BlandError, ValueError) as exc:
            await self._poll_failed(due, exc)
            return
        if final.in_progress:
            await self._store.finish_poll(
                batch_id, owner=self.owner, status=final.status, delay=self._next(batch_id)
            )
            return
        status = final.status or "unknown"

        def render(watch: Watch) -> dict[str, Any]:
            alert = completion_alert(
                final, batch_id=batch_id, mention_user_ids=[watch.created_by], label=watch.label
            )
            return alert.as_kwargs()

        alerts = await self._store.record_completion(
            batch_id, owner=self.owner, status=status, render=render
        )
        if alerts is None:
            log.info("batch %s: completion already recorded by another owner", batch_id)
            return
        log.info("batch %s is %s: %d alert(s) queued", batch_id, status, len(alerts))
        self._wake.set()

    async def _poll_failed(self, due: DueBatch, exc: Exception) -> None:
        delay = backoff_delay(due.failures + 1, self._poll_seconds)
        # Errors name the status and Bland's message, never the request or its headers.
        log.warning(
            "polling batch %s failed (%s: %s); failure %d in a row, next try in %.1fs",
            due.batch_id,
            type(exc).__name__,
            str(exc)[:200],
            due.failures + 1,
            delay,
        )
        await self._store.finish_poll(
            due.batch_id,
            owner=self.owner,
            status=None,
            delay=delay,
            error=f"{type(exc).__name__}: {str(exc)[:200]}",
        )

    def _next(self, batch_id: str) -> float:
        return next_poll_delay(batch_id, self._poll_seconds, time.time())


def _check_status(detail: BatchDetail) -> None:
    """A 200 without a status is not a finished batch: count it as a failed poll."""
    if not (detail.status or "").strip():
        raise ValueError("Bland's answer has no batch status")
